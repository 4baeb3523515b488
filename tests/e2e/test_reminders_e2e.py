"""Deadline reminders over HTTP: the real bot process sweeps every second, a reminder due in
the database arrives in a teacher's chat, and its button opens her first unanswered
question; then the director nudges from /nhacnho and the teacher is reminded again.

The unit, its period and the due reminder are written to the bot's database before it
starts, as an earlier run of the bot would have left them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import VIETNAM, now
from bot.questionnaire import index as flow
from bot.questionnaire.loader import load_template
from bot.reminders.messages import date_text
from bot.store.database import Database
from bot.texts import t
from models import Reminder, require_id
from tests.e2e.conftest import Emulator, StartBot
from tests.e2e.reminder_setup import open_owing_period, unit_with_teacher

pytestmark = pytest.mark.slow

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
SECTION = "campaigns"
DIRECTOR_ID, TEACHER_ID = 601, 602
FIRST_ANSWER = "Toàn thể cán bộ, giáo viên học tập và làm theo tư tưởng Hồ Chí Minh."


def prepare(url: str) -> tuple[int, date]:
    """A unit, a period due tomorrow, a teacher owing section 1 (its first question answered)
    and her "1 day before" reminder due this minute; returns the period id and the deadline.

    The policy has no quiet hours, so the test passes at any hour of the day.
    """
    template = load_template(KIND)
    database = Database(url)
    database.migrate()
    moment = now().astimezone(VIETNAM).replace(second=0, microsecond=0)
    deadline = moment.date() + timedelta(days=1)
    with database.session() as session:
        unit, teacher = unit_with_teacher(
            session,
            name="Trung tâm GDNN-GDTX quận Gò Vấp",
            place="Gò Vấp",
            director_id=DIRECTOR_ID,
            teacher_channel="telegram",
            teacher_chat=str(TEACHER_ID),
        )
        period_id = open_owing_period(
            session,
            unit=unit,
            teacher=teacher,
            template=template,
            section=SECTION,
            first_answer=("directive_05", FIRST_ANSWER),
            moment=moment,
            deadline=deadline,
        )
        # Planning keeps a row already at its time; it never adds one already due.
        session.add(
            Reminder(
                period_id=period_id, member_id=require_id(teacher), kind="before_1d", due_at=moment
            )
        )
    database.dispose()
    return period_id, deadline


def reminders_json(tmp_path: Path, period_id: int) -> dict[str, Any]:
    """`baocao reminders --period ID --json` on the bot's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAOCAO_"))}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'baocao.db'}"}
    baocao = Path(sys.executable).with_name("baocao")
    done = subprocess.run(
        [str(baocao), "reminders", "--period", str(period_id), "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return dict(json.loads(done.stdout))


def test_a_due_reminder_arrives_and_its_button_opens_the_first_unanswered_question(
    emulator: Emulator, start_bot: StartBot, tmp_path: Path
) -> None:
    period_id, deadline = prepare(f"sqlite:///{tmp_path / 'baocao.db'}")
    template = load_template(KIND)
    section = flow.top_section(template, SECTION)
    assert section is not None
    questions = flow.relevant_slots(section, {})
    teacher = emulator.user(user_id=TEACHER_ID, first_name="Mai", last_name="Lê Thị")
    director = emulator.user(user_id=DIRECTOR_ID, first_name="Lan", last_name="Nguyễn Thị")
    teacher.mark()
    start_bot(BAOCAO_DEMO="0", BAOCAO_REMINDER_SWEEP_SECONDS="1")

    reminder = teacher.expect("⏰ Nhắc hạn", timeout=15)
    lines = reminder.text.splitlines()
    assert lines[0].startswith(f"⏰ Nhắc hạn: {template.name}, năm học ")
    assert f"hạn {date_text(deadline)} (còn 1 ngày)" in lines[0]
    assert lines[1:3] == [t("reminders.missing_intro"), f"• {section.number}. {section.title}"]
    # Only her section is missing, and it is listed once.
    assert sum(line.startswith("• ") for line in lines) == 1
    assert reminder.button(t("reminders.continue_button")) is not None

    # The button opens the section at its first unanswered question (the second one).
    teacher.press(t("reminders.continue_button"))
    asked = teacher.expect(
        t("ask.position", section=section.number, index=2, count=len(questions))
    )
    assert questions[1].question.prompt in asked.text
    teacher.say("Tuyên truyền phòng chống tác hại của thuốc lá cho toàn thể học viên.")
    teacher.expect(t("ask.position", section=section.number, index=3, count=len(questions)))

    # The director sees it sent, and nudges whoever still owes a section: the teacher.
    director.say("/nhacnho")
    view = director.expect("🗓 Lịch nhắc hạn")
    assert "• Mai Lê Thị: đã gửi 1" in view.text
    teacher.mark()
    director.press(t("reminders_desk.nudge_button"))
    director.expect("📣 Đã xếp lời nhắc tới 1 người còn thiếu phần báo cáo: Mai Lê Thị.")
    nudge = teacher.expect("📣 Nhắc từ Ban Giám đốc", timeout=15)
    assert f"hạn {date_text(deadline)}" in nudge.text
    assert f"• {section.number}. {section.title}" in nudge.text
    # Exactly once: nothing more arrives over the next sweeps.
    assert not [m for m in teacher.quiet(2.5) if "Nhắc" in m.text and m != nudge]

    statuses = {
        (r["member"], r["kind"]): r["status"]
        for r in reminders_json(tmp_path, period_id)["reminders"]
    }
    assert statuses == {("Mai Lê Thị", "before_1d"): "sent", ("Mai Lê Thị", "nudge"): "sent"}

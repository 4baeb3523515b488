"""`baocao run` with Telegram and Zalo configured: one process answers both.

The Telegram side is the Bot API emulator, the Zalo side the fake Zalo API; both on loopback.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.core.clock import VIETNAM, now
from bot.questionnaire.loader import load_template
from bot.reminders.messages import date_text
from bot.store.database import Database
from bot.texts import t
from models import ChatIdentity, Reminder, require_id
from tests.e2e.conftest import Emulator, StartBot
from tests.e2e.reminder_setup import open_owing_period, unit_with_teacher
from tests.support.zalo_api import TOKEN as ZALO_TOKEN
from tests.support.zalo_api import FakeZaloApi, text_update

pytestmark = pytest.mark.slow

ZALO_CHAT = "7d3e91ab20"


def test_one_process_answers_telegram_and_zalo_side_by_side(
    emulator: Emulator, start_bot: StartBot
) -> None:
    with FakeZaloApi(poll_wait=0.5) as zalo:
        bot = start_bot(ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_BASE_URL=zalo.base_url)
        user = emulator.user()
        user.say("/start")
        zalo.push(text_update(ZALO_CHAT, "/start", "z-1", name="Hòa"))
        assert f"Xin chào {user.full_name}!" in user.expect("Xin chào").text
        welcome = zalo.wait_texts(ZALO_CHAT, 1)[0]
        assert "Xin chào Hòa!" in welcome
        # Each in its own demo unit: the Zalo user picks a section by typing its number.
        zalo.push(text_update(ZALO_CHAT, "4", "z-2", name="Hòa"))
        assert "Phần 4 • Câu 1/3" in zalo.wait_texts(ZALO_CHAT, 2)[-1]
        # SIGTERM stops both channels and the process ends cleanly.
        began = time.monotonic()
        assert bot.terminate() == 0, bot.output()
        assert time.monotonic() - began < 15


# -- across channels: a unit whose director uses Telegram and whose teacher uses Zalo ------

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
SECTION = "management"  # Phần 4, three questions
DIRECTOR_ID, TEACHER_TELEGRAM_ID = 701, 702
FIRST_ANSWER = "Trung tâm thực hiện nghiêm quy chế dân chủ, công khai."


def prepare(url: str, *, teacher_on_telegram: bool, reminder_due: bool) -> date:
    """A unit, an open period, a director on Telegram and a teacher on Zalo owing
    Phần 4 (its first question answered); returns the deadline.

    With `teacher_on_telegram` the teacher also has a Telegram account, newer than her Zalo
    one; with `reminder_due` her "1 day before" reminder is due this minute. No quiet hours:
    the test passes at any hour.
    """
    template = load_template(KIND)
    database = Database(url)
    database.migrate()
    moment = now().astimezone(VIETNAM).replace(second=0, microsecond=0)
    # Due tomorrow: the "1 day before" reminder is due now (planning skips one already due).
    deadline = moment.date() + timedelta(days=1 if reminder_due else 10)
    with database.session() as session:
        unit, teacher = unit_with_teacher(
            session,
            name="Trung tâm GDNN-GDTX quận 8",
            place="Quận 8",
            director_id=DIRECTOR_ID,
            teacher_channel="zalo",
            teacher_chat=ZALO_CHAT,
        )
        if teacher_on_telegram:
            session.add(
                ChatIdentity(
                    member_id=teacher.id,  # type: ignore[arg-type]
                    channel="telegram",
                    external_id=str(TEACHER_TELEGRAM_ID),
                )
            )
        period_id = open_owing_period(
            session,
            unit=unit,
            teacher=teacher,
            template=template,
            section=SECTION,
            first_answer=("democracy", FIRST_ANSWER),
            moment=moment,
            deadline=deadline,
        )
        if reminder_due:
            session.add(
                Reminder(
                    period_id=period_id,
                    member_id=require_id(teacher),
                    kind="before_1d",
                    due_at=moment,
                )
            )
    database.dispose()
    return deadline


def test_reminders_reach_a_zalo_only_member_while_telegram_runs(
    emulator: Emulator, start_bot: StartBot, tmp_path: Path
) -> None:
    deadline = prepare(
        f"sqlite:///{tmp_path / 'baocao.db'}", teacher_on_telegram=False, reminder_due=True
    )
    director = emulator.user(user_id=DIRECTOR_ID, first_name="Lan", last_name="Nguyễn Thị")
    with FakeZaloApi(poll_wait=0.5) as zalo:
        channels = {"ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_API_BASE_URL": zalo.base_url}
        bot = start_bot(BAOCAO_DEMO="0", BAOCAO_REMINDER_SWEEP_SECONDS="1", **channels)
        # The one sweep (Telegram's job queue) sends the Zalo member her reminder.
        zalo.wait_for(lambda: any("⏰ Nhắc hạn" in s for s in zalo.texts(ZALO_CHAT)))
        reminder = zalo.texts(ZALO_CHAT)[0]
        assert f"hạn {date_text(deadline)}" in reminder
        assert "• 4. Công tác quản lý của lãnh đạo" in reminder
        # The director nudges from Telegram; the nudge reaches her on Zalo.
        director.say("/nhacnho")
        director.expect("🗓 Lịch nhắc hạn")
        director.press(t("reminders_desk.nudge_button"))
        director.expect("📣 Đã xếp lời nhắc tới 1 người còn thiếu phần báo cáo: Mai Lê Thị.")
        zalo.wait_for(lambda: any("📣 Nhắc từ Ban Giám đốc" in s for s in zalo.texts(ZALO_CHAT)))
        assert all(1 <= len(text) <= 2000 for text in zalo.texts(ZALO_CHAT))
        assert bot.process.poll() is None


def test_a_deadline_changed_on_telegram_reaches_the_zalo_chat_the_member_used_last(
    emulator: Emulator, start_bot: StartBot, tmp_path: Path
) -> None:
    deadline = prepare(
        f"sqlite:///{tmp_path / 'baocao.db'}", teacher_on_telegram=True, reminder_due=False
    )
    director = emulator.user(user_id=DIRECTOR_ID, first_name="Lan", last_name="Nguyễn Thị")
    teacher = emulator.user(user_id=TEACHER_TELEGRAM_ID, first_name="Mai", last_name="Lê Thị")
    with FakeZaloApi(poll_wait=0.5) as zalo:
        start_bot(
            BAOCAO_DEMO="0",
            BAOCAO_REMINDER_SWEEP_SECONDS="0",
            ZALO_BOT_TOKEN=ZALO_TOKEN,
            ZALO_API_BASE_URL=zalo.base_url,
        )
        # She writes on Zalo: her Zalo chat, older than her Telegram one, is the one used last.
        zalo.push(text_update(ZALO_CHAT, "/tiep", "z-1", name="Mai"))
        assert zalo.wait_texts(ZALO_CHAT, 1)[0].startswith("Phần 4 • Câu 2/3")
        teacher.mark()
        director.say("/moky")
        button = t("deadline.button", deadline=date_text(deadline))
        director.wait(lambda changed: any(m.button(button) for m in changed))
        new_deadline = deadline + timedelta(days=10)
        director.press(button)
        director.expect("Gõ hạn nộp mới")
        director.say(f"{new_deadline:%d/%m/%Y}")
        director.expect("✅ Đã đổi hạn nộp")
        told = f"đổi thành {date_text(new_deadline)}."
        zalo.wait_for(lambda: any(told in s for s in zalo.texts(ZALO_CHAT)[1:]))
        assert zalo.texts(ZALO_CHAT)[-1].startswith("⏰ Hạn nộp Báo cáo tổng kết năm học")
        # Not on the Telegram account she did not use last.
        assert not [m for m in teacher.quiet(1.0) if told in m.text]


def test_a_code_shown_on_telegram_and_typed_on_zalo_links_them_and_tells_telegram(
    emulator: Emulator, start_bot: StartBot
) -> None:
    user = emulator.user()
    with FakeZaloApi(poll_wait=0.5) as zalo:
        start_bot(ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_BASE_URL=zalo.base_url)
        user.say("/start")
        user.expect("Xin chào")
        user.say("/lienket")
        shown = user.expect("🔗 Mã liên kết của bạn:").text
        code = shown.split(":", 1)[1].split()[0]
        user.mark()
        # Typed on Zalo: the Zalo chat joins her account; her Telegram chat is told.
        zalo.push(text_update(ZALO_CHAT, f"/lienket {code}", "z-link", name="Hòa"))
        linked = zalo.wait_texts(ZALO_CHAT, 1)[0]
        assert linked.startswith("✅ Đã liên kết Zalo này với tài khoản của"), linked
        told = user.expect("🔗 Tài khoản Zalo vừa được liên kết với bạn")
        assert code in told.text and "/huylienket zalo" in told.text

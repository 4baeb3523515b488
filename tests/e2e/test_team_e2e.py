"""A team over HTTP: the director and two teachers, each in their own Telegram chat with the
real bot process, write one report together.

The operator creates the unit from the command line (`baocao unit create --json`), as
support would; everything after that happens in chat.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from bot.core.clock import school_year_of, today
from bot.texts import t
from tests.e2e.conftest import Emulator, StartBot
from tests.e2e.fake_user import FakeUser

pytestmark = pytest.mark.slow

INVITE = re.compile(r"https://t\.me/baocao_test_bot\?start=([\w-]+)")
CAMPAIGN_ANSWERS = [
    "Toàn thể cán bộ, giáo viên học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
    "Trung tâm tổ chức tuyên truyền phòng chống tác hại của thuốc lá cho 100% học viên.",
    "Thực hiện nghiêm túc việc dạy và học theo Thông tư 04/2014.",
]
CURRICULUM_2018_ANSWERS = [
    "12/12 giáo viên cốt cán đã hoàn thành 9 mô-đun bồi dưỡng.",
    "Thiết bị dạy học lớp 10 còn thiếu, chưa đủ cho các môn lựa chọn.",
]


def create_unit(tmp_path: Path) -> str:
    """`baocao unit create --json` on the bot's database; returns the director's code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BAOCAO_"))}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'baocao.db'}",
        "BAOCAO_DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_BOT_USERNAME": "baocao_test_bot",
    }
    baocao = Path(sys.executable).with_name("baocao")
    done = subprocess.run(
        [
            str(baocao),
            "unit",
            "create",
            "--name",
            "Trung tâm GDNN-GDTX quận Phú Nhuận",
            "--place",
            "Phú Nhuận",
            "--json",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    created = json.loads(done.stdout)
    match = INVITE.fullmatch(created["invite_link"])
    assert match is not None
    return match.group(1)


def answer_section(user: FakeUser, number: str, answers: list[str]) -> None:
    """/viec, the section's button, each answer typed, then finish at the review."""
    user.say("/viec")
    menu = user.expect(t("menu.hint"))
    sections = [label for label, _ in menu.buttons if re.match(r"^\S+ \d+\. ", label)]
    # A teacher sees only the section given to them.
    assert len(sections) == 1 and f" {number}. " in sections[0]
    user.press(f" {number}. ")
    for index, answer in enumerate(answers, 1):
        user.expect(t("ask.position", section=number, index=index, count=len(answers)))
        user.say(answer)
    user.expect(t("review.section_end").split("\n")[0])
    user.press(t("button.finish"))
    user.expect(f"Đã hoàn thành Phần {number}.")


def test_a_director_and_two_teachers_write_one_report(
    emulator: Emulator, start_bot: StartBot, tmp_path: Path
) -> None:
    director_code = create_unit(tmp_path)
    start_bot(BAOCAO_DEMO="0")
    director = emulator.user(user_id=501, first_name="Lan", last_name="Nguyễn Thị")
    hung = emulator.user(user_id=502, first_name="Hùng", last_name="Trần Văn")
    mai = emulator.user(user_id=503, first_name="Mai", last_name="Lê Thị")

    # A stranger without a code sees nothing of the unit.
    mai.say("/start")
    mai.expect(t("start.stranger").split("\n")[0])

    director.say(f"/start {director_code}")
    director.expect("Chào mừng Lan Nguyễn Thị")

    # Staff invite link, used by both teachers.
    director.say("/moi")
    director.expect(t("invite.ask_role"))
    director.press(t("button.role_staff"))
    staff_code = INVITE.search(director.expect("https://t.me/").text)
    assert staff_code is not None
    for teacher in (hung, mai):
        teacher.say(f"/start {staff_code.group(1)}")
        teacher.expect("Chào mừng")
        director.expect(f"{teacher.full_name} vừa tham gia")

    # The director opens the annual report of this school year.
    director.say("/moky")
    director.expect(t("period.ask_kind"))
    director.press("Báo cáo tổng kết năm học")
    director.expect(t("period.ask_year"))
    director.press(school_year_of(today()).replace("-", " - "))
    director.expect(t("period.ask_term"))
    director.press(t("period.whole_year"))
    director.expect("Hạn nộp báo cáo?")
    director.say(f"30/06/{school_year_of(today())[-4:]}")
    director.expect("Đã mở kỳ báo cáo")

    # Section 1 to Hùng, section 5 to Mai; each is told.
    director.say("/giao")
    director.expect("Giao phần nào?")
    director.press("1. Thực hiện")
    director.expect("giao cho ai?")
    director.press(hung.full_name)
    hung.expect("đã giao cho bạn phần 1.")
    director.expect("Đã giao phần 1.")
    director.press(t("button.back"))
    director.expect("Giao phần nào?")
    director.press("5. Công tác bồi dưỡng")
    director.expect("giao cho ai?")
    director.press(mai.full_name)
    mai.expect("đã giao cho bạn phần 5.")
    director.expect("Đã giao phần 5.")
    director.press(t("button.done_assigning"))
    director.expect(t("menu.hint"))

    director.say("/tiendo")
    before = director.expect("Tiến độ").text
    assert re.search(r"1\. .*: 0/3 câu .*Hùng", before)

    answer_section(hung, "1", CAMPAIGN_ANSWERS)
    director.expect(f"{hung.full_name} đã hoàn thành phần 1.")
    answer_section(mai, "5", CURRICULUM_2018_ANSWERS)
    director.expect(f"{mai.full_name} đã hoàn thành phần 5.")

    director.say("/tiendo")
    after = director.expect("Tiến độ").text
    assert after != before
    assert re.search(r"1\. .*: 3/3 câu · ✅", after)
    assert re.search(r"5\. .*: 2/2 câu · ✅", after)

    # One merged draft with both teachers' sections.
    director.say("/duthao")
    draft = director.wait(lambda ms: any(m.document for m in ms), timeout=15)
    document = next(m for m in draft if m.document)
    assert document.document is not None
    opened = docx.Document(io.BytesIO(emulator.file(document.document["file_id"])))
    body = "\n".join(p.text for p in opened.paragraphs)
    for answer in [*CAMPAIGN_ANSWERS, *CURRICULUM_2018_ANSWERS]:
        assert answer in body

    # A teacher cannot do the director's work, even by typing her commands.
    hung.say("/tiendo")
    hung.expect(t("denied.lead_only"))
    hung.say("/duthao")
    hung.expect(t("denied.lead_only"))

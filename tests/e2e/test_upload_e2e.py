"""Journeys of a file a user sends to the bot: a .docx report is fetched and audited.

The fake user uploads the bytes to the emulator and sends a message carrying the document;
the real bot fetches it as from Telegram (getFile, then a download from the file URL) and
answers in the chat with the figures it found wrong. Other files, broken reports and
reports too large to fetch are explained, and the conversation goes on.
"""

from __future__ import annotations

import io

import docx
import pytest

from bot.texts import t
from handlers.telegram.files import MAX_DOCUMENT_BYTES
from tests.e2e.conftest import Emulator, StartBot
from tests.e2e.fake_user import BotMessage, FakeUser
from tests.e2e.script import Step, first_section
from tests.support.docx_helpers import with_damaged_body

pytestmark = pytest.mark.slow

REPORT_NAME = "Báo cáo tổng kết 2020-2021.docx"
# 29/36 is 80,555…%, so 80,56%: the report rounded down. 56/60 is 93,33%: right.
WRONG_RATE = "Có 29/36 học viên đạt (tỉ lệ 80,55%)."
RIGHT_RATE = "Có 56/60 cộng đồng học tập đạt (tỉ lệ 93,33%)."
FIXED_RATE = "Có 29/36 học viên đạt (tỉ lệ 80,56%)."
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def report_docx(*paragraphs: str) -> bytes:
    """A Word document with a heading and these paragraphs."""
    document = docx.Document()
    document.add_heading("Báo cáo tổng kết năm học 2020-2021", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def fetched(emulator: Emulator, file_id: str) -> list[str]:
    """What the bot asked the emulator for about one file: getFile, download."""
    return [r["request"] for r in emulator.state()["fileRequests"] if r["file_id"] == file_id]


def actions(message: BotMessage) -> list[tuple[str, str]]:
    """The buttons' labels and actions, without the keyboard's version before the colon."""
    return [(label, data.split(":", 1)[-1]) for label, data in message.buttons]


def open_first_section(user: FakeUser, steps: tuple[Step, ...]) -> BotMessage:
    """/start, then the first section's button; returns the message asking its question."""
    user.say("/start")
    user.expect_last(steps[0].expected)
    menu = user.messages()[-1]
    pressed = next(data for label, data in menu.buttons if " 1. " in label)
    user.press_data(menu, pressed)
    return user.expect_last(steps[1].expected)


def expect_menu(user: FakeUser) -> BotMessage:
    """Waits for the menu of sections (its last button asks for the draft)."""
    menu = user.wait(lambda ms: any(m.buttons for m in ms))[-1]
    assert menu.buttons[-1][0] == t("button.draft")
    return menu


def started_at_the_menu(emulator: Emulator, start_bot: StartBot) -> FakeUser:
    """The bot started, and a new user who said /start and sees the sections."""
    start_bot()
    user = emulator.user()
    user.say("/start")
    expect_menu(user)
    return user


def test_a_sent_report_is_audited_in_the_chat_and_the_question_asked_again(
    emulator: Emulator, start_bot: StartBot
) -> None:
    start_bot()
    user = emulator.user()
    steps = first_section(user.full_name)
    asking = open_first_section(user, steps)
    question = steps[1].expected.rsplit("\n\n", 1)[-1]

    sent = user.send_document(report_docx(WRONG_RATE, RIGHT_RATE), REPORT_NAME, DOCX_TYPE)
    said = user.expect(t("audit.mismatches", file=REPORT_NAME, checked=2, count=1), timeout=10)
    # The bot fetched the file as from Telegram: the file's path, then its bytes.
    assert fetched(emulator, sent["file_id"]) == ["getFile", "download"]
    # The wrong rate is quoted with the figure it should read; the right one is not named.
    finding = t(
        "audit.item",
        index=1,
        context=WRONG_RATE,
        stated="80,55%",
        expected="80,56%",
        message=t("audit.rate", stated="80,55%", part=29, total=36, expected="80,56%"),
    )
    assert finding in said.text
    assert "93,33%" not in said.text
    assert "56/60" not in said.text
    # The question that was waiting is asked again under the findings, with its buttons.
    assert said.text.endswith(question)
    assert actions(said) == actions(asking)

    # The same report corrected: every figure is right.
    user.send_document(report_docx(FIXED_RATE, RIGHT_RATE), REPORT_NAME, DOCX_TYPE)
    said = user.expect(t("audit.all_right", file=REPORT_NAME, checked=2), timeout=10)
    assert "80,55%" not in said.text
    assert said.text.endswith(question)

    # Nothing was answered by the files: the question takes its answer as before.
    user.say(steps[2].typed)
    user.expect_last(steps[2].expected)


def test_other_files_and_broken_reports_are_explained_and_the_bot_goes_on(
    emulator: Emulator, start_bot: StartBot
) -> None:
    user = started_at_the_menu(emulator, start_bot)

    # A PDF is not fetched: the bot says it cannot read the attachment, and shows the menu.
    pdf = user.send_document(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "bao-cao.pdf")
    said = user.expect(t("input.attachment", kind=t("attachment.document")))
    assert said.buttons and said.buttons[-1][0] == t("button.draft")
    assert fetched(emulator, pdf["file_id"]) == []

    # A text file with a wrong rate in it is not audited either (only .docx is).
    text = user.send_document(WRONG_RATE.encode(), "so-lieu.txt", "text/plain")
    said = user.expect(t("input.attachment", kind=t("attachment.document")))
    assert "80,56%" not in said.text
    assert fetched(emulator, text["file_id"]) == []

    # A .docx that is no zip at all is fetched, then said to be unreadable.
    broken = user.send_document(b"PK\x03\x04 not really a zip", "hong.docx", DOCX_TYPE)
    said = user.expect(t("audit.unreadable", file="hong.docx"), timeout=10)
    assert said.buttons and said.buttons[-1][0] == t("button.draft")
    assert fetched(emulator, broken["file_id"]) == ["getFile", "download"]

    # A .docx above the size limit is never downloaded; the bot still answers.
    padded = report_docx(WRONG_RATE) + b"\0" * MAX_DOCUMENT_BYTES
    large = user.send_document(padded, "rat-lon.docx", DOCX_TYPE)
    said = user.wait(lambda ms: bool(ms), timeout=10)[0]
    assert said.text.startswith(t("upload.too_big", file="rat-lon.docx"))
    assert "10 MB" in said.text
    assert "80,56%" not in said.text
    assert fetched(emulator, large["file_id"]) == []

    # The bot keeps working: commands and sections are answered as before.
    user.say("/tiep")
    assert user.wait(lambda ms: bool(ms))[-1].text
    user.say("/start")
    menu = expect_menu(user)
    pressed = next(data for label, data in menu.buttons if " 1. " in label)
    user.press_data(menu, pressed)
    user.expect_last(first_section(user.full_name)[1].expected)


def test_a_docx_with_damaged_xml_is_said_to_be_unreadable(
    emulator: Emulator, start_bot: StartBot
) -> None:
    user = started_at_the_menu(emulator, start_bot)
    damaged = with_damaged_body(report_docx(WRONG_RATE))
    sent = user.send_document(damaged, "hong-noi-dung.docx", DOCX_TYPE)
    said = user.wait(lambda ms: bool(ms), timeout=10)[-1]
    assert fetched(emulator, sent["file_id"]) == ["getFile", "download"]
    assert t("audit.unreadable", file="hong-noi-dung.docx") in said.text


def test_a_report_telegram_cannot_hand_over_is_asked_again(
    emulator: Emulator, start_bot: StartBot
) -> None:
    user = started_at_the_menu(emulator, start_bot)
    # A document whose file Telegram does not know any more: getFile fails.
    lost = {
        "file_id": "lost-file",
        "file_unique_id": "unique-lost-file",
        "file_name": "bao-cao.docx",
        "mime_type": DOCX_TYPE,
        "file_size": 12_345,
    }
    user.send(document=lost)
    said = user.wait(lambda ms: bool(ms), timeout=10)[0]
    assert said.text.startswith(t("upload.not_fetched", file="bao-cao.docx"))
    assert fetched(emulator, "lost-file") == ["getFile"]
    # Sent again (now that Telegram has it), it is read and audited.
    user.send_document(report_docx(WRONG_RATE), "bao-cao.docx", DOCX_TYPE)
    user.expect(t("audit.mismatches", file="bao-cao.docx", checked=1, count=1), timeout=10)

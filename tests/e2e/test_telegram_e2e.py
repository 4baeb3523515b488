"""Journeys over HTTP: the real bot process, the Bot API emulator, and a person on Telegram.

Each test starts the emulator and `baocao run` on loopback ports, plays one journey as a
user would, and reads only what the bot sent through the Bot API (plus the saved draft).
"""

from __future__ import annotations

import io
import time

import docx
import httpx
import pytest

from bot.texts import t
from tests.e2e.conftest import Emulator, StartBot, free_port
from tests.e2e.fake_user import FakeUser
from tests.e2e.script import Step, first_section, section
from tests.support.telegram_updates import PHOTO, STICKER

pytestmark = pytest.mark.slow


def play(user: FakeUser, step: Step) -> None:
    """Sends one step, by its button when the bot offers one, and checks the answer."""
    last = user.messages()[-1] if user.messages() else None
    button = step.button_for(last.buttons) if last else None
    if last is not None and button is not None:
        user.press_data(last, button[1])
    else:
        user.say(step.typed)
    user.expect_last(step.expected)
    if last is not None and button is not None and step.asks in ("yes_no", "choice"):
        # A choice is answered in place: the question now shows the choice, without buttons.
        answered = next(m for m in user.messages() if m.message_id == last.message_id)
        assert answered.edits == 1
        assert answered.buttons == []
        assert "✅" in answered.text


def open_section(user: FakeUser, steps: tuple[Step, ...], number: str = "1") -> None:
    """/start, then a press on the menu button of the top section with that number."""
    user.say("/start")
    user.expect_last(steps[0].expected)
    menu = user.messages()[-1]
    pressed = next(data for label, data in menu.buttons if f" {number}. " in label)
    user.press_data(menu, pressed)
    user.expect_last(steps[1].expected)


def open_first_section(user: FakeUser, steps: tuple[Step, ...]) -> None:
    """/start, then a press on the first section's button."""
    open_section(user, steps, "1")


def integer_question(steps: tuple[Step, ...]) -> int:
    """The index of the first step that answers an integer question."""
    return next(i for i, s in enumerate(steps) if s.asks == "integer")


def test_start_is_answered_in_vietnamese_within_a_second(
    emulator: Emulator, start_bot: StartBot
) -> None:
    start_bot()
    commands = {c["command"]: c["description"] for c in emulator.state()["commands"]}
    assert commands["duthao"] == t("telegram.commands.duthao")
    assert {"start", "help", "tiep", "viec", "duthao", "huy", "xem", "lai", "boqua"} <= set(
        commands
    )
    user = emulator.user()
    began = time.monotonic()
    user.say("/start")
    # Waits longer than the bound so that a slow answer fails with its latency.
    welcome = user.expect("Xin chào", timeout=5.0)
    latency = time.monotonic() - began
    print(f"/start answered in {latency:.3f} s")
    # A new user: the demo unit is created and the report kind loaded on this first message.
    assert latency < 1.0, f"/start answered in {latency:.2f} s, not within a second"
    assert f"Xin chào {user.full_name}!" in welcome.text
    menu = user.wait(lambda ms: any(m.buttons for m in ms))[-1]
    assert menu.buttons[-1][0] == t("button.draft")


def test_a_whole_section_answered_with_buttons_and_text(
    emulator: Emulator, start_bot: StartBot
) -> None:
    start_bot()
    user = emulator.user()
    # Section 2 mixes long texts, yes/no buttons and a table typed a row a message.
    steps = section(user.full_name, "2")
    assert {"text", "table"} <= {s.asks for s in steps}
    open_section(user, steps, "2")
    for step in steps[2:]:
        play(user, step)
    assert user.presses > 0
    menu = user.messages()[-1]
    assert menu.buttons[1][0].startswith("✅ 2. ")
    assert any(m.text.startswith("🎉") for m in user.messages())
    # Every press was answered, so no button in the chat spins forever.
    assert len(emulator.state()["callbackAnswers"]) == user.presses


def test_the_draft_arrives_as_a_word_document(emulator: Emulator, start_bot: StartBot) -> None:
    start_bot()
    user = emulator.user()
    # Section 3.1: the enrolment counts, from which the report computes the dropout rates.
    steps = section(user.full_name, "3")
    open_section(user, steps, "3")
    counts = integer_question(steps)
    for step in steps[2 : counts + 4]:
        play(user, step)
    assert [s.typed for s in steps[counts : counts + 4]] == ["591", "53", "637", "104"]
    user.say("/duthao")
    draft = user.wait(lambda ms: any(m.document for m in ms), timeout=15)
    document = next(m for m in draft if m.document)
    assert document.document is not None
    assert document.document["file_name"].startswith("Bao-cao-tong-ket-")
    assert document.document["file_name"].endswith(".docx")
    # The caption names what is still missing: most of the report is.
    assert document.text.startswith("📄")
    assert t("draft.complete") not in document.text
    actions = [a["action"] for a in emulator.state()["chatActions"]]
    assert "upload_document" in actions
    opened = docx.Document(io.BytesIO(emulator.file(document.document["file_id"])))
    body = "\n".join(p.text for p in opened.paragraphs)
    # 53 of 591 learners dropped out: 8,97%; the year before 104 of 637: 16,33%.
    assert "53/591 (chiếm tỉ lệ 8,97%)" in body
    assert "104/637 (chiếm tỉ lệ 16,33%)" in body
    assert "giảm 7,36 điểm phần trăm" in body
    # After the document, the question that was waiting is asked again.
    waiting = steps[counts + 3].expected.rsplit("\n\n", 1)[-1]
    user.wait(lambda ms: ms[-1].text == waiting)


def test_a_killed_bot_loses_no_acknowledged_answer(
    emulator: Emulator, start_bot: StartBot
) -> None:
    bot = start_bot()
    user = emulator.user()
    steps = first_section(user.full_name)
    open_first_section(user, steps)
    play(user, steps[2])
    bot.kill()
    start_bot()
    user.say("/tiep")
    asked = user.wait(lambda ms: bool(ms))[-1]
    # The same question the acknowledgement went on to ask, without the acknowledgement.
    assert steps[2].expected.endswith(asked.text)
    for step in steps[3:5]:
        play(user, step)


def test_a_redelivered_update_has_one_effect_and_its_reply_again(
    emulator: Emulator, start_bot: StartBot
) -> None:
    bot = start_bot()
    user = emulator.user()
    steps = first_section(user.full_name)
    open_first_section(user, steps)
    play(user, steps[2])
    answer_id = user.sent_update_ids()[-1]
    bot.kill()
    # Telegram never got the confirmation: the next bot to poll receives the answer again.
    emulator.unconfirm(answer_id)
    user.mark()
    start_bot()
    deadline = time.monotonic() + 5
    while emulator.state()["delivered"].count(answer_id) < 2:
        assert time.monotonic() < deadline, "the answer was not delivered again"
        time.sleep(0.05)
    # Its reply may never have reached the user: the same reply is sent again...
    again = user.wait(lambda ms: bool(ms), timeout=5)
    assert [m.text for m in again] == [steps[2].expected]
    # ...and the answer was stored once: the conversation goes on from the next question.
    play(user, steps[3])


def test_bad_inputs_are_explained_and_the_question_asked_again(
    emulator: Emulator, start_bot: StartBot
) -> None:
    start_bot()
    user = emulator.user()
    # Section 3 opens with a long text, then asks the number of learners.
    steps = section(user.full_name, "3")
    open_section(user, steps, "3")
    counts = integer_question(steps)
    for step in steps[2:counts]:
        play(user, step)
    question = steps[counts - 1].expected.rsplit("\n\n", 1)[-1]
    assert user.messages()[-1].text.endswith(question)
    user.send(photo=PHOTO, caption="bảng điểm")
    said = user.expect(t("input.attachment", kind=t("attachment.photo")))
    assert said.text.endswith(question)
    user.send(sticker=STICKER)
    assert user.expect(t("input.attachment", kind=t("attachment.sticker"))).text.endswith(question)
    user.say("năm trăm chín mươi mốt người ạ xyz")
    said = user.expect("❗")
    assert said.text.endswith(question)
    user.say("59a1")
    said = user.expect("❗")
    assert said.text.endswith(question)
    user.say("/khongco")
    assert user.expect(t("input.unknown_command", command="khongco")).text.endswith(question)
    # Nothing of that was stored: the right answer goes on exactly as without them.
    play(user, steps[counts])
    group = emulator.user(user_id=5151, chat_id=-100777, chat_type="group")
    group.say("/start")
    group.expect(t("input.group_chat"))
    # Only commands are answered in a group; its other messages are not read at all.
    group.say("591")
    assert group.quiet(0.5) == []


def test_a_webhook_receives_updates_with_its_secret(
    emulator: Emulator, start_bot: StartBot
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    # The URL and secret on the command line, the address and port from the environment.
    start_bot(
        "--webhook-url",
        url,
        "--secret-token",
        "e2e-secret",
        TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
        TELEGRAM_WEBHOOK_PORT=str(port),
    )
    assert emulator.state()["webhook"] == {"url": url, "secret_token": "e2e-secret"}
    user = emulator.user()
    user.say("/start")
    user.expect("Xin chào")
    forged = {
        "update_id": 999,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "/start",
            "chat": {"id": 1, "type": "private"},
        },
    }
    assert httpx.post(url, json=forged).status_code == 403

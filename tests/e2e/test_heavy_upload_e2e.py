"""One user's heavy upload must not hold up anybody else.

A 3 MB .docx of 100 000 short paragraphs full of figures takes the audit tens of seconds.
While it is audited, another user is answered at once; the upload itself is answered when
its audit ends, or told that it took too long once BAOCAO_HEAVY_TIME_LIMIT has passed.
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from xml.sax.saxutils import escape

import docx
import pytest

from bot.texts import t
from tests.e2e.conftest import Emulator, StartBot
from tests.e2e.test_upload_e2e import DOCX_TYPE, expect_menu

pytestmark = pytest.mark.slow

# Seconds the other user may wait for an answer while the heavy upload is audited.
ANSWER_WITHIN = 2.0
TIME_LIMIT = 8


def heavy_docx(paragraphs: int = 100_000) -> bytes:
    """A valid Word document of many short paragraphs, each with a rate and a percentage."""
    rng = random.Random(7)
    base = io.BytesIO()
    docx.Document().save(base)
    body = []
    for _ in range(paragraphs):
        part = rng.randint(10, 999)
        total = rng.randint(part, 2000)
        text = (
            f"Đơn vị {rng.randint(1, 99999)} có {part}/{total} học viên đạt "
            f"(tỉ lệ {part * 100 / total:.2f}%), tăng {rng.randint(1, 99)}% so với năm "
            f"{rng.randint(1990, 2030)}; mã {rng.getrandbits(64):x}."
        )
        body.append(f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                head, _, rest = data.decode().partition("<w:body>")
                tail = rest[rest.index("<w:sectPr") :]
                data = f"{head}<w:body>{''.join(body)}{tail}".encode()
            target.writestr(item, data)
    return out.getvalue()


def test_another_user_is_answered_at_once_while_a_heavy_upload_is_audited(
    emulator: Emulator, start_bot: StartBot
) -> None:
    start_bot(BAOCAO_HEAVY_TIME_LIMIT=str(TIME_LIMIT))
    uploader = emulator.user()
    other = emulator.user(user_id=5151, first_name="Minh", last_name="Trần")
    uploader.say("/start")
    expect_menu(uploader)
    other.say("/start")
    expect_menu(other)

    heavy = heavy_docx()
    assert 3_000_000 < len(heavy) < 5_000_000
    uploader.send_document(heavy, "bao-cao-rat-dai.docx", DOCX_TYPE)
    # The audit is under way once the bot shows "typing…" in the uploader's chat.
    deadline = time.monotonic() + 20
    while not any(
        a["chat_id"] == uploader.chat["id"] and a["action"] == "typing"
        for a in emulator.state()["chatActions"]
    ):
        assert time.monotonic() < deadline, "the upload was never worked on"
        time.sleep(0.05)

    started = time.monotonic()
    other.say("/tiep")
    other.wait(lambda ms: bool(ms), timeout=ANSWER_WITHIN)
    latency = time.monotonic() - started
    print(f"other user's answer during the heavy audit: {latency:.2f} s")
    assert latency < ANSWER_WITHIN
    # The upload was still being worked on: the other user did not wait for it.
    assert uploader.changed() == []

    said = uploader.wait(lambda ms: bool(ms), timeout=TIME_LIMIT + 60)[0]
    # Told it took too long (or, with a faster audit, its findings, which name the file).
    too_slow = t("telegram.too_slow", seconds=TIME_LIMIT)
    assert said.text.startswith(too_slow) or "bao-cao-rat-dai.docx" in said.text


def typing_count(emulator: Emulator, chat_id: int) -> int:
    """How many times the bot showed "typing…" in a chat."""
    actions = emulator.state()["chatActions"]
    return sum(1 for a in actions if a["chat_id"] == chat_id and a["action"] == "typing")


def test_an_upload_cut_short_by_a_crash_is_not_worked_on_again(
    emulator: Emulator, start_bot: StartBot
) -> None:
    bot = start_bot()
    user = emulator.user()
    user.say("/start")
    menu = expect_menu(user)
    user.send_document(heavy_docx(), "bao-cao-rat-dai.docx", DOCX_TYPE)
    upload = user.sent_update_ids()[-1]
    deadline = time.monotonic() + 20
    while typing_count(emulator, user.chat["id"]) == 0:
        assert time.monotonic() < deadline, "the upload was never worked on"
        time.sleep(0.05)
    # The bot dies while the upload is audited (as if the file had killed it).
    bot.kill()
    user.mark()
    start_bot()
    # Delivered again, it is not audited again: the user is told to send it again.
    said = user.wait(lambda ms: len(ms) >= 1, timeout=10)
    assert said[0].text.startswith(t("upload.interrupted"))
    assert said[-1].buttons == menu.buttons
    assert emulator.state()["delivered"][-1] == upload
    assert typing_count(emulator, user.chat["id"]) == 1  # no second audit

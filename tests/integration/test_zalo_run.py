"""What issue 13 says the Zalo channel must show, through the real `baocao run` process.

The process is configured only by its environment (ZALO_BOT_TOKEN, ZALO_API_BASE_URL,
BAOCAO_DEMO, BAOCAO_PUBLIC_URL, BAOCAO_WEB_LISTEN) against the fake Zalo API on loopback;
drafts are fetched from the bot's own web server as a person's phone would.
"""

from __future__ import annotations

import io
import re
import signal
import time
from pathlib import Path

import httpx
import pytest
from docx import Document
from sqlmodel import select

from bot.core.numbers import format_integer
from bot.report.preview import previews_available
from bot.store.database import Database
from bot.texts import t
from models import Answer
from tests.integration import test_zalo_process as zalo_process
from tests.integration.test_zalo_process import CHAT, StartBot, free_port
from tests.support.web import tampered
from tests.support.zalo_api import FakeZaloApi, event_update, text_update

pytestmark = pytest.mark.slow

# The fixtures of the Zalo process journeys: the fake API and the bot starter.
api = zalo_process.api
start_bot = zalo_process.start_bot

DRAFT_TIMEOUT = 120.0
LONG = 2_500
VERY_LONG = 6_500
# The longest answer a question of text takes.
ANSWER_LIMIT = 6_000


def public(port: int) -> dict[str, str]:
    """The web server's settings: listening on `port`, reached at the same address."""
    return {
        "BAOCAO_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BAOCAO_WEB_LISTEN": f"127.0.0.1:{port}",
    }


def answers(tmp_path: Path) -> list[str]:
    """Every answer stored in the bot's database, in the order written."""
    database = Database(f"sqlite:///{tmp_path / 'baocao.db'}")
    try:
        with database.session() as session:
            rows = session.exec(select(Answer).order_by(Answer.id)).all()  # type: ignore[arg-type]
            return [str(row.value) for row in rows]
    finally:
        database.dispose()


def test_start_duthao_link_docx_tampered_link_and_preview(
    start_bot: StartBot, api: FakeZaloApi
) -> None:
    port = free_port()
    bot = start_bot(**public(port))
    welcome = bot.say("/start")
    assert welcome.startswith("Xin chào Lan!")
    assert "⬜ 4. Công tác quản lý của lãnh đạo (0/3)" in welcome
    assert "👉 Gõ một số từ 1 đến 10 để chọn." in welcome
    bot.say("4")
    bot.say("Lãnh đạo trung tâm chỉ đạo sát sao.")

    before = len(api.texts(CHAT))
    api.push(text_update(CHAT, "/duthao", "duthao-1"))
    prefix = f"http://127.0.0.1:{port}/d/"
    api.wait_for(lambda: any(prefix in s for s in api.texts(CHAT)[before:]), DRAFT_TIMEOUT)
    sent = "\n".join(api.texts(CHAT)[before:])
    found = re.search(re.escape(prefix) + r"([A-Za-z0-9_.\-]+)", sent)
    assert found is not None, sent
    link = found.group(0)
    assert t("zalo.draft_link", link=link) in sent

    with httpx.Client(timeout=60) as web:
        page = web.get(link)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        docx = web.get(f"{link}/docx")
        assert docx.status_code == 200
        document = Document(io.BytesIO(docx.content))
        text = "\n".join(paragraph.text for paragraph in document.paragraphs)
        assert "Lãnh đạo trung tâm chỉ đạo sát sao." in text
        # One character changed in the signed token: refused, the page says what to do.
        token = found.group(1)
        changed = tampered(token)
        for url in (prefix + changed, f"{prefix}{changed}/docx"):
            refused = web.get(url)
            assert refused.status_code == 403
            assert "set-cookie" not in refused.headers

        if previews_available():
            api.wait_for(lambda: bool(api.calls("sendPhoto")), DRAFT_TIMEOUT)
            photo = api.calls("sendPhoto")[0].body
            assert photo["chat_id"] == CHAT
            assert photo["photo"] == f"{link}/preview-1.png"
            image = web.get(photo["photo"])
            assert image.status_code == 200
            assert image.headers["content-type"] == "image/png"
            assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            assert api.calls("sendPhoto") == []
    assert not api.refused
    assert bot.process.poll() is None


def test_bad_input_gets_a_clear_message_and_loses_nothing(
    start_bot: StartBot, api: FakeZaloApi, tmp_path: Path
) -> None:
    bot = start_bot()
    bot.say("/start")
    bot.say("4")
    # Empty and blank texts: said so, nothing stored, the question still waits.
    for number, text in enumerate(("", "   \n "), 1):
        before = len(api.texts(CHAT))
        api.push(text_update(CHAT, text, f"empty-{number}"))
        assert api.wait_texts(CHAT, before + 1)[before] == t("zalo.empty")
    # Only emoji: no words to keep; the question is asked again.
    emoji = bot.say("😀🙏👍")
    assert t("answer.empty") in emoji.splitlines()[0], emoji
    assert "Câu 1/3" in emoji
    # Events the bot cannot read, documented and not: a clear answer to each.
    for number, event in enumerate(
        (
            "message.image.received",
            "message.sticker.received",
            "message.unsupported.received",
            "message.video.received",
            "user.reaction.added",
        ),
        1,
    ):
        before = len(api.texts(CHAT))
        api.push(event_update(event, CHAT, f"event-{number}"))
        answer = api.wait_texts(CHAT, before + 1)[before]
        assert answer, event
        if event in ("message.video.received", "user.reaction.added"):
            assert answer == t("zalo.unknown_event")
        else:
            assert "gõ" in answer.casefold(), answer
    assert answers(tmp_path) == []
    # Over 2 000 characters (up to the 6 000 an answer may have): stored whole; over 6 000:
    # refused with the lengths and the question asked again. Every message the bot sends
    # stays within Zalo's 2 000 characters.
    long_answer = ("Trung tâm tổ chức dân chủ, công khai. " * 80)[:LONG].strip()
    very_long = ("Đội ngũ được bồi dưỡng thường xuyên.\n\n" * 200)[:VERY_LONG]
    nearly_limit = very_long[:ANSWER_LIMIT].strip()
    assert "Câu 2/3" in bot.say(long_answer)
    refused = bot.say(very_long)
    too_long = t("answer.too_long", length=format_integer(len(very_long)), limit="6.000")
    assert refused.startswith(f"❗ {too_long}"), refused
    assert "Câu 2/3" in refused
    assert "Câu 3/3" in bot.say(nearly_limit)
    assert answers(tmp_path) == [long_answer, nearly_limit]
    assert all(1 <= len(text) <= 2000 for text in api.texts(CHAT))
    assert not api.refused
    assert bot.process.poll() is None


def test_a_typed_number_picks_the_choice_shown_before_a_restart(
    start_bot: StartBot, api: FakeZaloApi, tmp_path: Path
) -> None:
    bot = start_bot()
    bot.say("/start")
    bot.say("3")
    bot.say("Tuyển sinh ổn định.")
    bot.say("100")
    # More dropouts than learners: the check offers "1. ✏️ Sửa lại" (typed "1").
    asked = bot.say("200")
    assert f"1. {t('button.fix')}" in asked, asked
    assert "👉 Gõ 1 để chọn." in asked
    # Killed without a shutdown, as a crash or a redeploy would.
    bot.process.send_signal(signal.SIGKILL)
    bot.process.wait(timeout=10)
    again = start_bot()
    # "1" is still "fix": the question is asked again, not answered with 1.
    fixed = again.say("1")
    assert fixed.startswith("Phần 3.1 • Câu 3/6"), fixed
    assert "Đã trả lời: 200 HV" in fixed
    assert answers(tmp_path)[-1] == "200"


def test_a_webhook_update_is_stored_before_it_is_acknowledged(
    start_bot: StartBot, api: FakeZaloApi
) -> None:
    port = free_port()
    secret = "s3cret-of-the-webhook"
    url = "https://baocao.example.edu.vn/zalo/webhook"
    local = f"http://127.0.0.1:{port}/zalo/webhook"
    headers = {"X-Bot-Api-Secret-Token": secret}
    options = {"ZALO_WEBHOOK_SECRET": secret, "BAOCAO_WEB_LISTEN": f"127.0.0.1:{port}"}
    bot = start_bot("--zalo-webhook-url", url, ready=lambda: api.webhook is not None, **options)
    for number, text in enumerate(("/start", "4"), 1):
        sent = httpx.post(local, json=text_update(CHAT, text, f"w-{number}"), headers=headers)
        assert sent.status_code == 200
        api.wait_texts(CHAT, number)
    answer = "Ban giám đốc công khai tài chính mỗi quý."
    acknowledged = httpx.post(
        local, json=text_update(CHAT, answer, "w-3"), headers=headers, timeout=10
    )
    assert acknowledged.status_code == 200
    # Killed the moment Zalo has its 200: the answer must be in the database already.
    bot.process.send_signal(signal.SIGKILL)
    bot.process.wait(timeout=10)
    api.webhook = None
    again = start_bot()
    review = again.say("/xem")
    assert answer in review, review
    # Still one answer: the question after it is the second.
    assert "Câu 2/3" in again.say("/tiep")
    time.sleep(0.2)
    assert not api.refused

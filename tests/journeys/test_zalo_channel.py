"""The Zalo channel in one process: real engine and database, the fake Zalo API on loopback.

The bot long-polls the fake server as it would Zalo; each test types messages as a Zalo user
and reads what the server received.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from sqlmodel import select

from bot.conversation.engine import ConversationEngine
from bot.texts import t
from handlers.zalo.channel import ZaloChannel
from handlers.zalo.client import ZaloClient
from handlers.zalo.inbox import Inbox
from handlers.zalo.polling import poll
from models import Answer
from tests.support.zalo_api import TOKEN, FakeZaloApi, event_update, text_update

CHAT = "8a1b2c3d4e5f"
MARKUP = re.compile(r"</?[a-z]+>|\*\*|__|\[[^\]]*\]\(")


@dataclass
class Bot:
    api: FakeZaloApi
    numbers: Callable[[], str]

    def say(self, text: str, *, chat: str = CHAT, message_id: str | None = None) -> str:
        message_id = message_id or self.numbers()
        self.api.push(text_update(chat, text, message_id))
        return message_id

    async def answer(self, count: int, *, chat: str = CHAT, timeout: float = 20) -> list[str]:
        """Waits until the chat has `count` texts in all; the new ones since `seen`."""
        deadline = time.monotonic() + timeout
        while len(self.api.texts(chat)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {self.api.texts(chat)}")
            await asyncio.sleep(0.02)
        return self.api.texts(chat)

    async def turn(self, text: str, **kwargs: object) -> str:
        """Says `text` and returns the bot's next message (joined when split)."""
        before = len(self.api.texts(CHAT))
        self.say(text, **kwargs)  # type: ignore[arg-type]
        await self.answer(before + 1)
        await asyncio.sleep(0.1)  # a split answer's other parts
        return "\n".join(self.api.texts(CHAT)[before:])


@pytest.fixture
async def bot(engine: ConversationEngine) -> AsyncIterator[Bot]:
    with FakeZaloApi(poll_wait=0.3) as api:
        client = ZaloClient(TOKEN, api.base_url)
        channel = ZaloChannel(engine, client, time_limit=60)
        inbox = Inbox(channel)
        stop = asyncio.Event()
        task = asyncio.create_task(poll(client, inbox, stop, first_backoff=0.05))
        counter = iter(range(1, 10_000))
        yield Bot(api, lambda: f"msg-{next(counter)}")
        stop.set()
        await asyncio.wait_for(task, 5)
        await inbox.drain(5)
        await client.aclose()


async def test_start_welcomes_in_vietnamese_with_numbered_choices(bot: Bot) -> None:
    welcome = await bot.turn("/start")
    assert "Xin chào Lan" in welcome
    assert "Gõ 1" in welcome or "một số từ 1 đến" in welcome
    assert not MARKUP.search(welcome)
    # The demo's section menu: "1. Thông tin chung" selects by its number.
    assert "1. Thông tin chung" in welcome


async def test_a_section_answered_by_typed_numbers_and_text(
    bot: Bot, engine: ConversationEngine
) -> None:
    await bot.turn("/start")
    first = await bot.turn("1")
    assert "Tóm tắt tình hình năm học?" in first
    saved = await bot.turn("Năm học ổn định, chất lượng tăng.")
    assert "Số học viên đầu năm?" in saved
    assert "Số học viên bỏ học?" in await bot.turn("591")
    note = await bot.turn("12")
    assert "Ghi chú thêm" in note
    # The optional note offers /boqua as typed text.
    assert "/boqua" in note
    assert "Điểm trung bình?" in await bot.turn("/boqua")
    with engine.database.session() as session:
        stored = {row.question_id: row.value for row in session.exec(select(Answer)).all()}
    assert stored["enrolled"] == 591 and stored["dropouts"] == 12


async def test_a_choice_is_selected_by_its_words(bot: Bot) -> None:
    await bot.turn("/start")
    await bot.turn("/viec")
    section = await bot.turn("2")
    assert "Kết quả học lực" in section
    await bot.turn("100 10 50 40")
    question = await bot.turn("50 5 25 20")
    assert "Có tham gia cuộc thi" in question
    assert "1. Có\n2. Không\n👉 Gõ 1 hoặc 2 để chọn." in question
    # The choice's own word selects it, as its number would.
    after = await bot.turn("không")
    assert "✅ Không" in after
    assert "Điểm" in after or "Câu" in after


async def test_choices_the_engine_did_not_number_are_numbered_and_picked(bot: Bot) -> None:
    await bot.turn("/start")
    await bot.turn("/viec")
    await bot.turn("2")
    check = await bot.turn("100 10 50 30")
    assert "1. ✅ Đúng\n2. ✏️ Nhập lại\n👉 Gõ 1 hoặc 2 để chọn." in check
    # "1" alone is no table row: only the choice shown last makes it "✅ Đúng".
    kept = await bot.turn("1")
    assert kept.startswith("✅ Đã lưu dòng THCS.")
    assert "Dòng 2/2: THPT" in kept


async def test_a_redelivered_message_is_handled_once(bot: Bot, engine: ConversationEngine) -> None:
    await bot.turn("/start")
    await bot.turn("1")
    await bot.turn("Tóm tắt.")
    first = await bot.turn("591", message_id="same-id")
    again = await bot.turn("591", message_id="same-id")
    # The same replies again (the first may never have arrived), the answer stored once.
    assert again == first
    next_question = await bot.turn("7")
    assert "Ghi chú thêm" in next_question


async def test_menu_and_question_mark_list_the_commands(bot: Bot) -> None:
    for typed in ("menu", "?", "Menu"):
        reply = await bot.turn(typed)
        assert "/tiep" in reply and "/duthao" in reply and "/viec" in reply
        assert t("telegram.commands.duthao") in reply


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ("message.image.received", "attachment.photo"),
        ("message.sticker.received", "attachment.sticker"),
        ("message.unsupported.received", "attachment.other"),
    ],
)
async def test_photos_stickers_and_unsupported_messages_get_a_clear_answer(
    bot: Bot, event: str, kind: str
) -> None:
    await bot.turn("/start")
    await bot.turn("1")
    before = len(bot.api.texts(CHAT))
    bot.api.push(event_update(event, CHAT, bot.numbers()))
    texts = await bot.answer(before + 1)
    assert t(kind) in texts[before]
    # The question is still waiting.
    assert "Tóm tắt tình hình năm học?" in texts[before]


async def test_unknown_events_and_empty_messages_are_answered_and_lose_nothing(bot: Bot) -> None:
    await bot.turn("/start")
    await bot.turn("1")
    before = len(bot.api.texts(CHAT))
    bot.api.push(event_update("message.reaction.received", CHAT, bot.numbers()))
    assert (await bot.answer(before + 1))[before] == t("zalo.unknown_event")
    assert await bot.turn("   ") == t("zalo.empty")
    # Emoji only says nothing: the engine says so and asks again.
    emoji = await bot.turn("👍🎉")
    assert t("answer.empty") in emoji and "Tóm tắt tình hình năm học?" in emoji


@pytest.mark.parametrize("length", [2500, 6500])
async def test_over_long_answers_are_refused_clearly_or_sent_back_in_pieces(
    bot: Bot, length: int
) -> None:
    await bot.turn("/start")
    await bot.turn("1")
    long_text = ("Câu văn dài về tình hình năm học. " * 400)[:length]
    reply = await bot.turn(long_text)
    texts = bot.api.texts(CHAT)
    assert all(1 <= len(text) <= 2000 for text in texts)
    assert not bot.api.refused
    assert "Số học viên đầu năm?" in reply or "ký tự" in reply


async def test_long_replies_are_split_at_two_thousand_characters(bot: Bot) -> None:
    await bot.turn("/start")
    await bot.turn("1")
    paragraph = "Một đoạn văn khá dài của bản báo cáo. " * 30
    answer = "\n\n".join([paragraph] * 4)
    await bot.turn(answer)
    await bot.turn("/xem")
    await asyncio.sleep(0.3)
    assert all(len(text) <= 2000 for text in bot.api.texts(CHAT))
    assert not bot.api.refused


async def test_rate_limited_and_failing_polls_are_retried(bot: Bot) -> None:
    bot.api.fail("getUpdates", 429, {"ok": False, "error_code": 429, "description": "Too many"})
    bot.api.fail("getUpdates", 500, {"ok": False, "error_code": 500, "description": "boom"})
    bot.api.fail("sendMessage", 429, {"ok": False, "error_code": 429, "description": "slow"})
    welcome = await bot.turn("/start")
    assert "Xin chào Lan" in welcome

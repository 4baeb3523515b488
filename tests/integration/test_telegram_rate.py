"""TELEGRAM_RATE_LIMIT: the Bot API calls per second the bot spaces itself to (0: none)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.core.settings import Settings
from bot.store.database import Database
from handlers.telegram.app import build_application
from tests.support.bot_api import OfflineBotApi

TOKEN = "123456:RATE"
MESSAGES = 12


async def _seconds_to_send(rate: str, tmp_path: Path) -> float:
    settings = Settings(
        telegram_bot_token=TOKEN,
        TELEGRAM_RATE_LIMIT=rate,
        BAOCAO_REMINDER_SWEEP_SECONDS=0,
        _env_file=None,
    )
    database = Database(f"sqlite:///{tmp_path / f'rate{rate}.db'}")
    api = OfflineBotApi(record=False)
    application = build_application(
        settings,
        ConversationEngine(database, EngineOptions()),
        request=api,
        get_updates_request=OfflineBotApi(),
    )
    async with application:
        began = time.monotonic()
        await asyncio.gather(
            *(application.bot.send_message(chat_id=1000 + n, text="…") for n in range(MESSAGES))
        )
        seconds = time.monotonic() - began
    database.dispose()
    assert api.counts["sendMessage"] == MESSAGES
    return seconds


async def test_the_bot_spaces_its_calls_to_the_rate_set(tmp_path: Path) -> None:
    # 5 a second: a burst of 5, then the other 7 over 1.4 s.
    assert await _seconds_to_send("5", tmp_path) >= 1.2


async def test_a_rate_of_zero_sends_without_spacing(tmp_path: Path) -> None:
    assert await _seconds_to_send("0", tmp_path) < 1.0

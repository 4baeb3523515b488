"""The "typing…" indicator Telegram shows while the bot works on an update."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

# "typing…" appears only when the engine takes longer than this; Telegram shows it ~5 s.
TYPING_AFTER = 0.5
TYPING_REFRESH = 4.0


@asynccontextmanager
async def typing(bot: Bot, chat_id: int, *, after: float) -> AsyncIterator[None]:
    """Shows "typing…" in the chat while the block runs longer than `after` seconds.

    With `after` at 0 the indicator is sent before the block starts (known long work).
    """

    async def show() -> None:
        with suppress(TelegramError):  # a courtesy: its failure must not fail the update
            await bot.send_chat_action(chat_id, ChatAction.TYPING)

    async def keep_typing() -> None:
        while True:
            await show()
            await asyncio.sleep(TYPING_REFRESH)

    # Most updates finish well before `after`: a timer that starts the indicator only then is
    # far cheaper than a task started and cancelled for every update.
    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Task[None]] = []
    if after <= 0:
        await show()
    timer = loop.call_later(
        TYPING_REFRESH if after <= 0 else after,
        lambda: tasks.append(loop.create_task(keep_typing())),
    )
    try:
        yield
    finally:
        timer.cancel()
        for task in tasks:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

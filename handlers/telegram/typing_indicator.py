"""The "typing…" indicator Telegram shows while the bot works on an update."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from types import TracebackType

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import TelegramError

# "typing…" appears only when the engine takes longer than this; Telegram shows it ~5 s.
TYPING_AFTER = 0.5
TYPING_REFRESH = 4.0


class Typing:
    """Shows "typing…" in the chat while the `async with` block runs longer than `after` s.

    With `after` at 0 the indicator is sent before the block starts (known long work). Most
    updates finish well before `after`: a timer that starts the indicator only then is far
    cheaper than a task started and cancelled for every update.
    """

    __slots__ = ("_task", "_timer", "after", "bot", "chat_id")

    def __init__(self, bot: Bot, chat_id: int, *, after: float) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.after = after
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> None:
        loop = asyncio.get_running_loop()
        if self.after <= 0:
            await self._show()
        delay = TYPING_REFRESH if self.after <= 0 else self.after
        self._timer = loop.call_later(delay, self._start, loop)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
        task = self._task
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._task = loop.create_task(self._keep_typing())

    async def _keep_typing(self) -> None:
        while True:
            await self._show()
            await asyncio.sleep(TYPING_REFRESH)

    async def _show(self) -> None:
        with suppress(TelegramError):  # a courtesy: its failure must not fail the update
            await self.bot.send_chat_action(self.chat_id, ChatAction.TYPING)

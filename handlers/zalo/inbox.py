"""Updates handled side by side across chats, one after another within a chat."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

from bot.texts import t
from handlers.zalo.channel import ZaloChannel, read_update

log = logging.getLogger(__name__)


class Inbox:
    """Starts each update as a task behind the previous one of its chat."""

    def __init__(self, channel: ZaloChannel) -> None:
        self.channel = channel
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    def submit(self, update: Any) -> asyncio.Future[bool]:
        """Queues the update in its chat's turn; the future says once whether it was stored
        (True too for an update answered without storing anything, such as a sticker)."""
        inbound = read_update(update)
        key = inbound.chat_id if inbound else ""
        previous = self._tails.get(key)
        stored: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._handle(update, previous, stored))
        self._tails[key] = task
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        task.add_done_callback(lambda done: self._forget(key, done))
        return stored

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        if self._tails.get(key) is task:
            del self._tails[key]

    async def _handle(
        self, update: Any, previous: asyncio.Task[None] | None, stored: asyncio.Future[bool]
    ) -> None:
        try:
            if previous is not None:
                with suppress(Exception):
                    await asyncio.shield(previous)
            await self.channel.handle(update, stored)
            if not stored.done():
                stored.set_result(True)  # handled without a store (a sticker, an empty text)
        except asyncio.CancelledError:
            if not stored.done():
                stored.set_result(False)
            raise
        except Exception:  # one update must not stop the others
            if not stored.done():
                stored.set_result(False)
            log.exception("Zalo update failed: %.300r", update)
            inbound = read_update(update)
            if inbound is not None:
                with suppress(Exception):
                    await self.channel.say(inbound.chat_id, t("zalo.error"))

    async def drain(self, timeout: float) -> None:
        """Lets the running updates finish for up to `timeout` seconds, then cancels them."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)
        for task in set(self._running):
            task.cancel()
        for task in set(self._running):
            with suppress(asyncio.CancelledError):
                await task

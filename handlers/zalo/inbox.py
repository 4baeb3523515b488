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

    def submit(self, update: Any) -> None:
        """Queues the update in its chat's turn."""
        inbound = read_update(update)
        key = inbound.chat_id if inbound else ""
        previous = self._tails.get(key)
        task = asyncio.create_task(self._handle(update, previous))
        self._tails[key] = task
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        task.add_done_callback(lambda done: self._forget(key, done))

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        if self._tails.get(key) is task:
            del self._tails[key]

    async def _handle(self, update: Any, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            with suppress(Exception):
                await asyncio.shield(previous)
        try:
            await self.channel.handle(update)
        except asyncio.CancelledError:
            raise
        except Exception:  # one update must not stop the others
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

"""Long polling: updates handled side by side across chats, in order within a chat.

Telegram's updates are confirmed (by the offset of the next getUpdates) only once handled,
so a crash makes Telegram deliver them again. Two guards keep one update from hurting the
others: an update PTB cannot parse is confirmed at once, logged and answered where its chat
can be read; an update that was started twice without finishing (it crashed the process) is
given up the third time, durably counted in the database.

On stop no more updates are fetched; those in hand get `GRACE_UPDATES` seconds to finish
(their replies sent), then the finished ones are confirmed and the rest, cancelled, are left
for Telegram to deliver again.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Iterable
from contextlib import suppress
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, BaseUpdateProcessor
from telegram.warnings import PTBUserWarning

from bot.conversation import transaction
from bot.texts import t
from handlers.telegram.adapter import CHANNEL, CHANNEL_KEY, TelegramChannel
from handlers.waiting import unless_stopped

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
# Seconds a long poll waits at Telegram for the next update.
POLL_TIMEOUT = 30
# Seconds added to the long poll's wait before the request counts as timed out.
READ_MARGIN = 10.0
# Longest pause between attempts while Telegram cannot be reached.
MAX_BACKOFF = 30.0
# While some update is still in hand Telegram returns it at once: poll again after this.
BUSY_PAUSE = 0.2
# Attempts started without finishing after which an update is given up.
MAX_ATTEMPTS = 2
# Updates handled at once (across chats; one chat's updates wait for each other).
CONCURRENT_UPDATES = 64
# Seconds the updates in hand may take to finish once polling stops (as the webhook's).
GRACE_UPDATES = 6.0

T = TypeVar("T")

# `fetch` leaves getUpdates' result raw (through `Bot.do_api_request`); PTB's advice to use
# `Bot.get_updates` instead, which parses every update at once, is silenced for it only.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)


def chat_key(update: object) -> object:
    """What orders updates: their chat (or user); updates without either stand alone."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        return ("update", update.update_id)
    return ("object", id(update))


class PerChatProcessor(BaseUpdateProcessor):
    """Runs updates of different chats at once and those of one chat one after another."""

    def __init__(self, max_concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._tails: dict[object, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Waits for the chat's previous update, then handles this one."""
        key = chat_key(update)
        previous = self._tails.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = mine
        try:
            if previous is not None:
                await asyncio.shield(previous)
            await coroutine
        finally:
            mine.set_result(None)
            if self._tails.get(key) is mine:
                del self._tails[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def private_chat_of(raw: dict[str, Any]) -> int | None:
    """The private chat an update came from, read from its raw JSON without trusting it."""
    for field in ("message", "edited_message"):
        message = raw.get(field)
        if isinstance(message, dict):
            chat = message.get("chat")
            if isinstance(chat, dict) and chat.get("type") == "private":
                chat_id = chat.get("id")
                return chat_id if isinstance(chat_id, int) else None
    query = raw.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("from"), dict):
        user_id = query["from"].get("id")
        return user_id if isinstance(user_id, int) else None
    return None


class Inbox:
    """The updates in hand: which are running, which are done, and the offset to confirm."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.running: dict[int, asyncio.Task[None]] = {}
        # Handled but not confirmed yet, because an earlier update is still running.
        self.done: set[int] = set()
        self.highest = -1

    @property
    def offset(self) -> int:
        """The first update not handled yet: everything before it may be confirmed."""
        if self.running:
            return min(self.running)
        return self.highest + 1 if self.highest >= 0 else 0

    def fresh(self, raws: Iterable[Any]) -> list[dict[str, Any]]:
        """The fetched updates not already running or done."""
        offset = self.offset
        self.done = {update_id for update_id in self.done if update_id >= offset}
        kept = []
        for raw in raws:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int):
                log.error("an update without an id was dropped: %.300r", raw)
                continue
            if update_id in self.running or update_id in self.done or update_id < offset:
                continue
            kept.append(raw)
        return kept

    async def take(self, raws: list[dict[str, Any]]) -> None:
        """Counts an attempt at each update, then starts those that may still be tried."""
        database = channel_of_app(self.application).engine.database
        ids = [str(raw["update_id"]) for raw in raws]
        try:
            earlier = await asyncio.to_thread(
                transaction.start_attempts, database, channel=CHANNEL, event_ids=ids
            )
        except OperationalError as err:
            # Handled all the same: each is told it was not saved (see TelegramChannel).
            log.error("attempts of updates %s not counted: %s", ids, err)
            earlier = dict.fromkeys(ids, 0)
        for raw in raws:
            update_id: int = raw["update_id"]
            self.highest = max(self.highest, update_id)
            if earlier[str(update_id)] >= MAX_ATTEMPTS:
                log.error(
                    "update %s gave up after %d attempts: %.300r", update_id, MAX_ATTEMPTS, raw
                )
                await self.tell(raw, "telegram.gave_up")
                self.done.add(update_id)
                continue
            try:
                update = Update.de_json(raw, self.application.bot)
            except Exception:  # any malformed field: the update can never be handled
                log.exception("update %s cannot be read: %.300r", update_id, raw)
                await self.tell(raw, "telegram.unreadable_update")
                self.done.add(update_id)
                continue
            self.running[update_id] = asyncio.create_task(self.handle(update))

    async def handle(self, update: Update) -> None:
        """Handles one update in its chat's turn; then it counts as done."""
        processor = self.application.update_processor
        try:
            await processor.process_update(update, self.application.process_update(update))
        except asyncio.CancelledError:
            # Stopped before it finished: it stays unconfirmed, for the next process.
            del self.running[update.update_id]
            raise
        del self.running[update.update_id]
        self.done.add(update.update_id)

    async def tell(self, raw: dict[str, Any], key: str) -> None:
        """Says why an update was dropped, in its private chat when that can be read."""
        chat_id = private_chat_of(raw)
        if chat_id is not None:
            await channel_of_app(self.application).say(self.application.bot, chat_id, t(key))

    async def settle(self, pause: float) -> None:
        """Waits until some running update finishes, at most `pause` seconds."""
        if self.running:
            await asyncio.wait(
                list(self.running.values()), timeout=pause, return_when=asyncio.FIRST_COMPLETED
            )

    async def drain(self, grace: float) -> None:
        """Lets the running updates finish for up to `grace` seconds."""
        if self.running:
            await asyncio.wait(list(self.running.values()), timeout=grace)

    async def stop(self) -> None:
        """Cancels what still runs: unconfirmed, it comes again to the next process."""
        for task in list(self.running.values()):
            task.cancel()
        for task in list(self.running.values()):
            with suppress(asyncio.CancelledError):
                await task


def channel_of_app(application: Application) -> TelegramChannel:
    """The channel the application was built with."""
    channel = application.bot_data[CHANNEL_KEY]
    if not isinstance(channel, TelegramChannel):
        raise TypeError(f"bot_data[{CHANNEL_KEY!r}] is not a TelegramChannel")
    return channel


async def fetch(bot: Bot, offset: int, timeout: int, *, limit: int = 100) -> list[Any]:
    """One getUpdates, its result left as raw JSON: one bad update must not hide the others."""
    params = {"offset": offset, "timeout": timeout, "limit": limit}
    result = await bot.do_api_request(
        "getUpdates",
        api_kwargs={**params, "allowed_updates": ALLOWED_UPDATES},
        read_timeout=timeout + READ_MARGIN,
    )
    return list(result) if isinstance(result, list) else []


async def poll(
    application: Application, stop: asyncio.Event, *, timeout: int = POLL_TIMEOUT
) -> None:
    """Long-polls updates and handles them until `stop` is set (see the module's doc)."""
    bot = application.bot
    inbox = Inbox(application)
    backoff = 1.0
    webhook_cleared = False
    while not stop.is_set():
        try:
            if not webhook_cleared:
                # Polling and a webhook exclude each other; a webhook left from another run
                # would make every getUpdates fail.
                await unless_stopped(stop, bot.delete_webhook(), quiet=(TelegramError,))
                webhook_cleared = True
            wait = 0 if inbox.running else timeout
            raws = await unless_stopped(
                stop, fetch(bot, inbox.offset, wait), quiet=(TelegramError,)
            )
        except InvalidToken:
            raise
        except TelegramError as err:
            # Network trouble, flood control or another instance polling: wait and retry.
            log.warning("polling failed (%s); again in %.0f s", err, backoff)
            await unless_stopped(stop, asyncio.sleep(backoff))
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        backoff = 1.0
        fresh = inbox.fresh(raws or ())
        if fresh:
            await inbox.take(fresh)
        elif inbox.running:
            await unless_stopped(stop, inbox.settle(BUSY_PAUSE), quiet=(TelegramError,))
    await inbox.drain(GRACE_UPDATES)
    offset = inbox.offset  # the first update still running: it and those after come again
    await inbox.stop()
    if offset:
        # Confirms the handled updates, so a clean restart does not see them again.
        with suppress(TelegramError):
            await fetch(bot, offset, 0, limit=1)

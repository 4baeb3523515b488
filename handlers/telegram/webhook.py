"""Webhook mode: Telegram posts each update; the bot answers the POST once the update is handled.

Answering after handling (not on receipt, as python-telegram-bot's own webhook server does)
is what makes several instances behind one proxy safe: Telegram sends a chat's next update
only once the previous one is answered, so a chat's updates stay in order whichever instance
takes them, and an update whose instance died unanswered is sent again (the processed-event
claim then handles it once). Between instances sharing PostgreSQL, a chat's transactions
also wait for each other on its advisory lock (`bot.conversation.transaction.lock_chat`).

SIGTERM (or SIGINT) stops taking updates, finishes those in flight, stops the reminder sweep
after its current message, gives back its claimed reminders and exits, within `GRACE`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.conversation import heavy, transaction
from bot.texts import t
from handlers.telegram.adapter import CHANNEL
from handlers.telegram.poll import ALLOWED_UPDATES, MAX_ATTEMPTS, channel_of_app, private_chat_of
from handlers.telegram.reminder_runner import stop_reminders
from handlers.web.server import build_web_app, serve_web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Seconds from SIGTERM to exit, at most: updates in flight get GRACE_UPDATES of them.
GRACE = 10.0
GRACE_UPDATES = 6
# Longest pause between attempts to register the webhook while Telegram cannot be reached.
MAX_BACKOFF = 30.0


class Attempts:
    """Counts an attempt at each update before it is handled, those of a moment together.

    The updates that arrive while a count is being written are counted in the next one:
    one transaction per moment instead of one per update.
    """

    def __init__(self, application: Application) -> None:
        self.application = application
        self._waiting: dict[str, asyncio.Future[int]] = {}
        self._writer: asyncio.Task[None] | None = None

    async def start(self, update_id: int) -> int:
        """Counts one more attempt at the update; the attempts made before."""
        future = self._waiting.get(str(update_id))
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[str(update_id)] = future
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        return await asyncio.shield(future)

    async def _write(self) -> None:
        database = channel_of_app(self.application).engine.database
        try:
            await asyncio.sleep(0)  # the updates of this moment join
            while self._waiting:
                waiting, self._waiting = self._waiting, {}
                ids = list(waiting)
                try:
                    earlier = await asyncio.to_thread(
                        transaction.start_attempts, database, channel=CHANNEL, event_ids=ids
                    )
                except Exception as err:
                    # Handled all the same: each is told if it was not saved (TelegramChannel).
                    log.error("attempts of updates %s not counted: %s", ids, err)
                    earlier = dict.fromkeys(ids, 0)
                for update_id, future in waiting.items():
                    if not future.done():
                        future.set_result(earlier[update_id])
        finally:
            self._writer = None


class TelegramWebhook:
    """The webhook's route: checks the secret, handles the update, then answers 200."""

    def __init__(self, application: Application, secret_token: str) -> None:
        self.application = application
        self.secret_token = secret_token
        self.attempts = Attempts(application)

    async def receive(self, request: Request) -> Response:
        if request.headers.get(SECRET_HEADER) != self.secret_token:
            log.warning("webhook POST without the right secret token refused")
            return Response(status_code=403)
        try:
            raw: Any = await request.json()
        except ValueError:
            return Response(status_code=400)
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        if not isinstance(update_id, int):
            log.error("an update without an id was dropped: %.300r", raw)
            return Response(status_code=200)
        await self.handle(raw, update_id)
        return Response(status_code=200)

    async def handle(self, raw: dict[str, Any], update_id: int) -> None:
        """Handles one update in its chat's turn, as long polling does."""
        application = self.application
        if await self.attempts.start(update_id) >= MAX_ATTEMPTS:
            log.error("update %s gave up after %d attempts: %.300r", update_id, MAX_ATTEMPTS, raw)
            await self.tell(raw, "telegram.gave_up")
            return
        try:
            update = Update.de_json(raw, application.bot)
        except Exception:  # any malformed field: the update can never be handled
            log.exception("update %s cannot be read: %.300r", update_id, raw)
            await self.tell(raw, "telegram.unreadable_update")
            return
        processor = application.update_processor
        await processor.process_update(update, application.process_update(update))

    async def tell(self, raw: dict[str, Any], key: str) -> None:
        """Says why an update was dropped, in its private chat when that can be read."""
        chat_id = private_chat_of(raw)
        if chat_id is not None:
            await channel_of_app(self.application).say(self.application.bot, chat_id, t(key))

    def route(self, path: str) -> Route:
        """The POST route Telegram posts updates to."""
        return Route(f"/{path}", self.receive, methods=["POST"])


async def register_webhook(
    application: Application, url: str, secret_token: str, stop: asyncio.Event
) -> None:
    """Registers the webhook with Telegram, trying again while it cannot be reached."""
    backoff = 1.0
    while not stop.is_set():
        try:
            await application.bot.set_webhook(
                url, secret_token=secret_token, allowed_updates=ALLOWED_UPDATES
            )
            return
        except InvalidToken:
            raise
        except TelegramError as err:
            log.warning("webhook not registered (%s); again in %.0f s", err, backoff)
            try:
                await asyncio.wait_for(stop.wait(), backoff)
            except TimeoutError:
                backoff = min(backoff * 2, MAX_BACKOFF)


def listen_address(host: str, port: int) -> str:
    """`host:port` as the web server takes it (an IPv6 host in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def serve_webhook(
    application: Application,
    *,
    url: str,
    path: str,
    secret_token: str,
    listen: str,
    stop: asyncio.Event | None = None,
) -> None:
    """Serves the webhook until SIGTERM or SIGINT (or `stop`), then winds down in GRACE."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    webhook = TelegramWebhook(application, secret_token)
    app = build_web_app([webhook.route(path)])
    async with application:
        if application.post_init is not None:
            await application.post_init(application)  # the command menu, as run_webhook does
        await application.start()
        server = asyncio.create_task(serve_web(app, listen, stop, grace=GRACE_UPDATES))
        try:
            await register_webhook(application, url, secret_token, stop)
            log.info("Telegram webhook registered; serving on %s", listen)
            await stop.wait()
            log.info("stopping: finishing the updates in flight")
            stopped = asyncio.create_task(stop_reminders(application))
            await server  # no new updates; those in flight answered (or cut at the grace)
            await stopped
        finally:
            if not server.done():
                server.cancel()
            heavy.stop_workers()
            await application.stop()
            await asyncio.to_thread(channel_of_app(application).commits.close, 1.0)
    log.info("Telegram bot stopped")

"""A fake Telegram Bot API on a loopback port, for real `baocao run` processes.

The load tool (bench/load.py), the province bench, the fault tests and the webhook tests
share it. It answers getMe, setWebhook, sendMessage and the other calls the bot makes as
Telegram does, records every message it is sent (with the moment it arrived) and wakes
whoever waits for a chat's next message. It can be limited like Telegram (messages per
second overall and per chat, 429 with retry_after beyond), be slow (each message held a
while before it is answered) and be told to fail: 5xx, timeouts (the request held past the
client's patience, then dropped) and 429 with retry_after, in bursts. It serves on the
running event loop (`start`) or, for tests whose own loop blocks, from a thread of its own
(`in_thread`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.httputil import HTTPHeaders, parse_body_arguments
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from tests.support.telegram_updates import BOT, MESSAGE_METHODS, bot_message

TRUE_METHODS = frozenset(
    {
        "setWebhook",
        "deleteWebhook",
        "setMyCommands",
        "sendChatAction",
        "answerCallbackQuery",
        "close",
        "logOut",
    }
)


@dataclass(frozen=True)
class Sent:
    """One message the bot sent (or edited) and when it reached the fake API."""

    method: str
    chat_id: int
    text: str
    at: float


@dataclass(frozen=True)
class Fault:
    """What the next message call gets instead of success.

    `status` 429 carries `retry_after`; `hold` seconds > 0 keeps the request unanswered that
    long and then drops the connection (a timeout, as the client sees it).
    """

    status: int = 502
    retry_after: int = 1
    hold: float = 0.0


@dataclass
class Limits:
    """Telegram's flood limits: messages per second overall and per chat."""

    overall: float = 30.0
    per_chat: float = 1.0
    _recent: deque[float] = field(default_factory=deque)
    _last: dict[int, float] = field(default_factory=dict)

    def retry_after(self, chat_id: int, now: float) -> int:
        """0 when a message to `chat_id` may go now (and counts it), else seconds to wait."""
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        last = self._last.get(chat_id)
        if last is not None and now - last < 1.0 / self.per_chat:
            return 1
        if len(self._recent) >= self.overall:
            return 1
        self._recent.append(now)
        self._last[chat_id] = now
        return 0


class FakeTelegram:
    """The fake's state: calls counted, messages recorded, faults queued, waiters woken."""

    def __init__(self, token: str, *, limits: Limits | None = None) -> None:
        self.token = token
        self.limits = limits
        self.counts: Counter[str] = Counter()
        self.refused: Counter[int] = Counter()  # error status -> answers given
        self.sent: list[Sent] = []
        self.webhook: dict[str, str] = {}
        self.faults: deque[Fault] = deque()
        self.message_id = 100
        self.send_delay = 0.0  # seconds each message call is held (a slow Telegram)
        self.on_message: Callable[[Sent], None] | None = None
        self.port = 0
        self._server: HTTPServer | None = None

    @property
    def base_url(self) -> str:
        """TELEGRAM_API_BASE_URL for the bot."""
        return f"http://127.0.0.1:{self.port}/bot"

    def texts_to(self, chat_id: int) -> list[str]:
        """The texts sent to a chat, in order."""
        return [sent.text for sent in list(self.sent) if sent.chat_id == chat_id]

    def fail_next(self, *faults: Fault) -> None:
        """The next message calls get these faults, one each, before any succeeds again."""
        self.faults.extend(faults)

    def start(self) -> int:
        """Listens on a free loopback port of the running event loop; returns the port."""
        # Refusals (429s under the limits) are counted, not logged one by one.
        logging.getLogger("tornado.access").setLevel(logging.ERROR)
        app = Application([(r"/bot([^/]+)/(\w+)", _MethodHandler, {"fake": self})])
        sockets = bind_sockets(0, "127.0.0.1")
        self._server = HTTPServer(app, idle_connection_timeout=60)
        self._server.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])
        return self.port

    def stop(self) -> None:
        """Stops listening."""
        if self._server is not None:
            self._server.stop()

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The status and body Telegram would answer (a recorded success or a refusal)."""
        if method in MESSAGE_METHODS:
            chat_id = int(params.get("chat_id", 0))
            now = time.monotonic()
            if self.limits is not None:
                wait = self.limits.retry_after(chat_id, now)
                if wait:
                    return self.refuse(429, wait)
            self.counts[method] += 1
            if method.startswith("send"):
                self.message_id += 1
            text = str(params.get("text") or params.get("caption") or "")
            sent = Sent(method, chat_id, text, now)
            self.sent.append(sent)
            if self.on_message is not None:
                self.on_message(sent)
            return 200, {"ok": True, "result": self._message(chat_id, params, text)}
        self.counts[method] += 1
        if method == "getMe":
            return 200, {"ok": True, "result": BOT}
        if method == "getWebhookInfo":
            url = self.webhook.get("url", "")
            return 200, {"ok": True, "result": {"url": url, "pending_update_count": 0}}
        if method == "setWebhook":
            self.webhook = {k: str(v) for k, v in params.items()}
        if method in TRUE_METHODS:
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def refuse(self, status: int, retry_after: int) -> tuple[int, dict[str, Any]]:
        """An error answer (counted): 429 with its retry_after, or a 5xx."""
        self.refused[status] += 1
        body: dict[str, Any] = {"ok": False, "error_code": status}
        if status == 429:
            body["description"] = f"Too Many Requests: retry after {retry_after}"
            body["parameters"] = {"retry_after": retry_after}
        else:
            body["description"] = "Bad Gateway"
        return status, body

    def _message(self, chat_id: int, params: dict[str, Any], text: str) -> dict[str, Any]:
        message_id = int(params.get("message_id") or self.message_id)
        markup = params.get("reply_markup")
        if isinstance(markup, str) and markup.startswith("{"):
            return bot_message(message_id, chat_id, text, json.loads(markup))
        return bot_message(message_id, chat_id, text)


@contextmanager
def in_thread(fake: FakeTelegram) -> Iterator[FakeTelegram]:
    """Serves `fake` from a thread with an event loop of its own while the block runs."""
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def start() -> None:
        fake.start()
        started.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(start)
        loop.run_forever()
        # Requests still held (a slow or failing fake) end here, not in a closed loop.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the fake Bot API did not start")
    try:
        yield fake
    finally:
        loop.call_soon_threadsafe(fake.stop)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


class _MethodHandler(RequestHandler):
    """One Bot API method: /bot<token>/<method>, by GET or POST (form, multipart or JSON)."""

    def initialize(self, fake: FakeTelegram) -> None:
        self.fake = fake

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        fake = self.fake
        if token != fake.token:
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        params = self._params()
        if method in MESSAGE_METHODS and fake.send_delay:
            await asyncio.sleep(fake.send_delay)
        if method in MESSAGE_METHODS and fake.faults:
            fault = fake.faults.popleft()
            if fault.hold > 0:
                await asyncio.sleep(fault.hold)
                fake.refused[0] += 1
                if self.request.connection is not None:
                    self.request.connection.close()
                return
            self._reply(*fake.refuse(fault.status, fault.retry_after))
            return
        self._reply(*fake.answer(method, params))

    def _params(self) -> dict[str, Any]:
        request = self.request
        params: dict[str, Any] = {k: v[-1].decode() for k, v in request.query_arguments.items()}
        kind = request.headers.get("Content-Type", "")
        if kind.startswith("application/json") and request.body:
            params.update(json.loads(request.body))
            return params
        arguments: dict[str, list[bytes]] = {}
        files: dict[str, Any] = {}
        parse_body_arguments(kind, request.body, arguments, files, HTTPHeaders(request.headers))
        params.update({k: v[-1].decode() for k, v in arguments.items()})
        return params

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))

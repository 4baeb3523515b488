"""A fake Telegram Bot API over HTTP, for tests that run `baocao run` as a real process.

It answers the calls the bot makes at start and when it replies, records each with the
moment it arrived, and can hold `sendMessage` for a while (a slow Telegram), so a test can
stop the bot while its updates are in flight. Served by uvicorn in a thread of the test.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.bot_api import BOT, DATE
from tests.support.ports import free_port


@dataclass
class Recorded:
    """One call: its method, parameters and when it arrived (time.monotonic)."""

    method: str
    params: dict[str, Any]
    at: float


@dataclass
class FakeBotApi:
    """The server's state: calls made, the webhook set, how long a message is held."""

    port: int = field(default_factory=free_port)
    send_delay: float = 0.0
    calls: list[Recorded] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    _message_id: int = 100
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """TELEGRAM_API_BASE_URL for the bot."""
        return f"http://127.0.0.1:{self.port}/bot"

    def named(self, method: str) -> list[Recorded]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def texts_to(self, chat_id: int) -> list[str]:
        """The texts sent to a chat, in order."""
        return [
            str(call.params.get("text", ""))
            for call in self.named("sendMessage")
            if str(call.params.get("chat_id")) == str(chat_id)
        ]

    async def _answer(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        params: dict[str, Any] = {}
        body = (await request.body()).decode()
        if request.headers.get("content-type", "").startswith("application/json"):
            params = json.loads(body or "{}")
        else:  # python-telegram-bot posts a form, each value JSON where it is not text
            for key, value in parse_qsl(body):
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        if method == "sendMessage" and self.send_delay:
            await asyncio.sleep(self.send_delay)
        with self._lock:
            self.calls.append(Recorded(method, params, time.monotonic()))
            self._message_id += 1
            message_id = self._message_id
        result: Any = True
        if method == "getMe":
            result = BOT
        elif method == "setWebhook":
            self.webhook = params
        elif method in ("sendMessage", "editMessageText"):
            chat = {"id": params.get("chat_id"), "type": "private"}
            result = {
                "message_id": message_id,
                "date": DATE,
                "chat": chat,
                "from": BOT,
                "text": params.get("text", ""),
            }
        return JSONResponse({"ok": True, "result": result})

    def serve(self) -> FakeBotApiServer:
        """Starts serving in a thread of its own."""
        return FakeBotApiServer(self)


class FakeBotApiServer:
    """The fake Bot API running in a thread; `close` stops it."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        app = Starlette(routes=[Route("/bot{token}/{method}", api._answer, methods=["POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=api.port, log_config=None, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

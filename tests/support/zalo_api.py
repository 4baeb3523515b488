"""A fake Zalo Bot Platform API on loopback, built from the documented shapes.

Every method is a POST of JSON to `/bot<TOKEN>/<method>`; answers are `{"ok": true,
"result": …}` or `{"ok": false, "error_code": N, "description": "…"}`. `getUpdates` hands
out ONE queued update (no update id, no offset) or, after its wait, a "timeout" error;
it refuses while a webhook is set. `sendMessage` refuses texts outside 1-2 000 characters.
Failures (429 with a retry, server errors) can be queued per method.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "1234567890:zalo-test-secret"
BOT = {"id": "1234567890", "account_name": "bao_cao_bot", "account_type": "BASIC"}
KNOWN = {
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "sendMessage",
    "sendPhoto",
    "sendSticker",
    "sendChatAction",
}


@dataclass
class Sent:
    """One call the bot made."""

    method: str
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


def text_update(chat_id: str, text: str, message_id: str, name: str = "Lan") -> dict[str, Any]:
    """A `message.text.received` update as Zalo documents it."""
    return event_update("message.text.received", chat_id, message_id, name, text=text)


def event_update(
    event_name: str, chat_id: str, message_id: str, name: str = "Lan", **extra: Any
) -> dict[str, Any]:
    """An update of any event kind."""
    message = {
        "message_id": message_id,
        "date": int(time.time() * 1000),
        "chat": {"id": chat_id, "chat_type": "PRIVATE"},
        "from": {"id": chat_id, "display_name": name, "is_bot": False},
        **extra,
    }
    return {"event_name": event_name, "message": message}


class FakeZaloApi:
    """The fake server: start it, queue updates, read what the bot sent."""

    def __init__(self, *, token: str = TOKEN, poll_wait: float = 1.0) -> None:
        self.token = token
        self.poll_wait = poll_wait
        self.sent: list[Sent] = []
        self.updates: list[dict[str, Any]] = []
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.webhook: dict[str, str] | None = None
        self.refused: list[tuple[str, str]] = []
        self.lock = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        # A long poll the bot gave up on (it stopped) is no error of the fake.
        self.server.handle_error = lambda *_args: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """What ZALO_API_BASE_URL is set to."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeZaloApi:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- what tests do ----------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> None:
        """Queues an update for the next getUpdates."""
        with self.lock:
            self.updates.append(update)
            self.lock.notify_all()

    def fail(self, method: str, status: int, body: dict[str, Any]) -> None:
        """The next call of `method` gets this answer instead."""
        with self.lock:
            self.failures.setdefault(method, []).append((status, body))

    def calls(self, method: str) -> list[Sent]:
        with self.lock:
            return [call for call in self.sent if call.method == method]

    def texts(self, chat_id: str) -> list[str]:
        """Every text sent to a chat, in order."""
        return [c.body["text"] for c in self.calls("sendMessage") if c.body["chat_id"] == chat_id]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Waits until `predicate` holds (checked on every call the bot makes)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; sent: {[c.body for c in self.sent][-8:]}")
                self.lock.wait(min(left, 0.2))

    def wait_texts(self, chat_id: str, count: int, timeout: float = 30.0) -> list[str]:
        """Waits until the chat has received `count` texts in all; returns them all."""
        self.wait_for(lambda: len(self.texts(chat_id)) >= count, timeout)
        return self.texts(chat_id)

    # -- the server -------------------------------------------------------------------

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The status and JSON answer of one call."""
        prefix = f"/bot{self.token}/"
        if not path.startswith("/bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path.removeprefix(prefix)
        if method not in KNOWN:
            return 404, {"ok": False, "error_code": 404, "description": "Method not found"}
        with self.lock:
            queued = self.failures.get(method)
            if queued:
                return queued.pop(0)
        if method == "getUpdates":
            return self._get_updates(body)
        with self.lock:
            self.sent.append(Sent(method, body))
            self.lock.notify_all()
            return self._result(method, body)

    def _result(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage":
            text = body.get("text")
            if not isinstance(body.get("chat_id"), str) or not isinstance(text, str):
                return 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
            if not 1 <= len(text) <= 2000:
                self.refused.append((method, text))
                return 400, {"ok": False, "error_code": 400, "description": "text length"}
            date = int(time.time() * 1000)
            return 200, {"ok": True, "result": {"message_id": f"m{len(self.sent)}", "date": date}}
        if method == "setWebhook":
            secret = body.get("secret_token") or ""
            if not 8 <= len(secret) <= 256:
                return 400, {"ok": False, "error_code": 400, "description": "secret_token"}
            self.webhook = {"url": str(body.get("url")), "secret_token": secret}
            return 200, {"ok": True, "result": {"url": body.get("url")}}
        if method == "deleteWebhook":
            self.webhook = None
            return 200, {"ok": True, "result": {"url": ""}}
        if method == "getWebhookInfo":
            return 200, {"ok": True, "result": {"url": (self.webhook or {}).get("url", "")}}
        if method == "getMe":
            return 200, {"ok": True, "result": BOT}
        return 200, {"ok": True, "result": {"message_id": f"m{len(self.sent)}"}}

    def _get_updates(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.webhook is not None:
            return 400, {"ok": False, "error_code": 400, "description": "webhook is active"}
        wait = min(float(body.get("timeout") or 0), self.poll_wait)
        deadline = time.monotonic() + wait
        with self.lock:
            while not self.updates:
                left = deadline - time.monotonic()
                if left <= 0:
                    return 408, {"ok": False, "error_code": 408, "description": "Request timeout"}
                self.lock.wait(left)
            update = self.updates.pop(0)
            self.sent.append(Sent("getUpdates", {"delivered": update}))
            self.lock.notify_all()
        return 200, {"ok": True, "result": update}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if len(raw) < length:
                    # The bot was killed while it sent the call: no call reached Zalo.
                    self.close_connection = True
                    return
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    status, answer = 400, {"ok": False, "error_code": 400, "description": "JSON"}
                else:
                    status, answer = api.answer(self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                """Quiet."""

        return Handler

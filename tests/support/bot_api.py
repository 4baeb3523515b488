"""An offline Telegram Bot API for python-telegram-bot: the adapter's tests and the bench.

It answers every call locally as the Bot API would, records and counts the calls, remembers
each chat's newest inline keyboard, refuses unknown methods with a 404, hands out queued
updates to `getUpdates`, and can make the next calls of a method fail.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, ClassVar

from telegram.request import BaseRequest, RequestData

from tests.support.telegram_updates import BOT, MESSAGE_METHODS, bot_message

FIRST_MESSAGE_ID = 100


@dataclass
class Call:
    """One Bot API call the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)


class OfflineBotApi(BaseRequest):
    """Answers the Bot API locally, records every call, refuses unknown methods.

    `record=False` keeps only the counts and the keyboards, not every call's parameters
    (the bench measures memory, and the calls would add to it).
    """

    KNOWN: ClassVar[set[str]] = {
        "getMe",
        "getUpdates",
        "setMyCommands",
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "sendChatAction",
        "sendDocument",
        "deleteWebhook",
    }

    def __init__(self, *, record: bool = True) -> None:
        self.record = record
        self.calls: list[Call] = []
        self.counts: Counter[str] = Counter()
        self.unknown: list[str] = []
        self.failures: dict[str, list[tuple[int, str] | Exception]] = {}
        self.message_id = FIRST_MESSAGE_ID
        self.pending: list[list[dict[str, Any]]] = []
        # chat id -> (message id, inline keyboard) of the newest message with a keyboard
        self.last_markup: dict[int, tuple[int, dict[str, Any]]] = {}

    def fail(self, method: str, *failures: tuple[int, str] | Exception) -> None:
        """Makes the next calls of `method` fail, one failure per call."""
        self.failures.setdefault(method, []).extend(failures)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if name not in self.KNOWN:
            self.unknown.append(name)
            return 404, json.dumps(
                {"ok": False, "error_code": 404, "description": f"Not Found: {name}"}
            ).encode()
        pending = self.failures.get(name)
        if pending:
            failure = pending.pop(0)
            if isinstance(failure, Exception):
                raise failure
            status, description = failure
            body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
            if status == 429:
                body["parameters"] = {"retry_after": 0}  # flood control: wait, then retry
            return status, json.dumps(body).encode()
        self.counts[name] += 1
        if self.record:
            files = (
                request_data.multipart_data if request_data and request_data.contains_files else {}
            )
            self.calls.append(Call(name, params, dict(files or {})))
        return 200, json.dumps({"ok": True, "result": self.result(name, params)}).encode()

    def result(self, name: str, params: dict[str, Any]) -> Any:
        """What the Bot API would answer to a successful call."""
        if name == "getMe":
            return BOT
        if name == "getUpdates":
            return self.pending.pop(0) if self.pending else []
        if name not in MESSAGE_METHODS:
            return True
        if name.startswith("send"):
            self.message_id += 1
        chat_id = int(params["chat_id"])
        message_id = int(params.get("message_id", self.message_id))
        markup = (
            params.get("reply_markup") if isinstance(params.get("reply_markup"), dict) else None
        )
        if markup is not None:
            self.last_markup[chat_id] = (message_id, markup)
        return bot_message(message_id, chat_id, params.get("text", ""), markup)

    def named(self, *methods: str) -> list[Call]:
        """The recorded calls of the given methods, in order."""
        return [c for c in self.calls if c.method in methods]

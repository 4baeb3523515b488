"""A person on Telegram, played through the emulator's client API over HTTP.

The user types, sends photos, stickers and files, presses inline buttons, and reads the
messages the bot sent or edited since their last action.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.telegram_updates import command_entities

WAIT = 5.0
POLL = 0.02


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent to the chat, as it reads now (after any edit)."""

    message_id: int
    text: str
    buttons: list[tuple[str, str]]
    document: dict[str, Any] | None
    edits: int

    def button(self, label: str) -> tuple[str, str] | None:
        """The (label, data) of the first button whose label contains `label`."""
        return next((b for b in self.buttons if label in b[0]), None)


class FakeUser:
    """One user in a private chat (or a group) with the bot under test."""

    def __init__(
        self,
        http: httpx.Client,
        token: str,
        *,
        user_id: int = 4242,
        first_name: str = "Hương",
        last_name: str = "Nguyễn",
        chat_id: int | None = None,
        chat_type: str = "private",
    ) -> None:
        self.http = http
        self.token = token
        self.person = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "last_name": last_name,
        }
        chat_id = user_id if chat_id is None else chat_id
        self.chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            self.chat |= {"first_name": first_name, "last_name": last_name}
        else:
            self.chat["title"] = "Tổ Giáo vụ"
        self.seen: dict[int, int] = {}
        self.presses = 0

    @property
    def full_name(self) -> str:
        return f"{self.person['first_name']} {self.person['last_name']}"

    # -- acting ---------------------------------------------------------------------------

    def _post(self, route: str, body: dict[str, Any]) -> None:
        self.mark()
        response = self.http.post(route, json={"botToken": self.token, **body})
        response.raise_for_status()

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {"from": self.person, "chat": self.chat, "date": int(time.time()), **fields}

    def say(self, text: str) -> None:
        """Types a message; a leading / makes it a command, as Telegram marks it."""
        entities = command_entities(text)
        if entities:
            self._post("/sendCommand", self._message(text=text, entities=entities))
        else:
            self._post("/sendMessage", self._message(text=text))

    def send(self, **fields: Any) -> None:
        """Sends a message without text: photo=[…], sticker={…}, voice={…}."""
        self._post("/sendMessage", self._message(**fields))

    def send_document(
        self,
        content: bytes | Path,
        file_name: str | None = None,
        mime_type: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Sends a file, as from the paperclip; returns the message's `document`.

        The bytes are first stored in the emulator (`POST /e2e/upload`), so the bot can fetch
        them with getFile and a download, as from Telegram. The name defaults to the path's,
        the type to the one the name suggests; `fields` go into the message (caption=…).
        """
        if isinstance(content, Path):
            file_name = file_name or content.name
            content = content.read_bytes()
        if not file_name:
            raise ValueError("a file sent from bytes needs a file_name")
        mime_type = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        response = self.http.post(
            "/e2e/upload",
            params={"file_name": file_name, "mime_type": mime_type},
            content=content,
            headers={"content-type": "application/octet-stream"},
        )
        response.raise_for_status()
        document: dict[str, Any] = response.json()["result"]
        self.send(document=document, **fields)
        return document

    def press(self, label: str) -> BotMessage:
        """Presses the newest button whose label contains `label`; returns its message."""
        for message in reversed(self.messages()):
            found = message.button(label)
            if found:
                self.press_data(message, found[1])
                return message
        raise AssertionError(f"no button {label!r} in the chat")

    def press_data(self, message: BotMessage, data: str) -> None:
        """Presses a button of a message by its callback data."""
        self.presses += 1
        self._post(
            "/sendCallback",
            {
                "from": self.person,
                "date": int(time.time()),
                "message": {"message_id": message.message_id, "chat": {"id": self.chat["id"]}},
                "data": data,
            },
        )

    # -- reading --------------------------------------------------------------------------

    def history(self) -> list[dict[str, Any]]:
        """Everything the emulator holds for the bot, oldest first."""
        response = self.http.post("/getUpdatesHistory", json={"token": self.token})
        response.raise_for_status()
        return list(response.json()["result"])

    def messages(self) -> list[BotMessage]:
        """The bot's messages in this chat, oldest first, as they read now."""
        found: list[BotMessage] = []
        for item in self.history():
            raw = item.get("message") or {}
            if "chat_id" not in raw or str(raw["chat_id"]) != str(self.chat["id"]):
                continue
            keyboard = (raw.get("reply_markup") or {}).get("inline_keyboard") or []
            found.append(
                BotMessage(
                    message_id=int(item["messageId"]),
                    text=str(raw.get("text", raw.get("caption", ""))),
                    buttons=[(b["text"], b["callback_data"]) for row in keyboard for b in row],
                    document=raw.get("document"),
                    edits=int(item.get("edits", 0)),
                )
            )
        return found

    def sent_update_ids(self) -> list[int]:
        """The update ids of what this user sent, oldest first."""
        return [
            int(item["updateId"])
            for item in self.history()
            if "callbackQuery" in item
            or ("from" in (item.get("message") or {}) and "chat_id" not in item["message"])
        ]

    def mark(self) -> None:
        """Remembers the chat as it is, so later reads show only what changed."""
        self.seen = {m.message_id: m.edits for m in self.messages()}

    def changed(self) -> list[BotMessage]:
        """Messages sent or edited since the last mark."""
        return [m for m in self.messages() if self.seen.get(m.message_id) != m.edits]

    def wait(
        self, done: Callable[[list[BotMessage]], bool], timeout: float = WAIT
    ) -> list[BotMessage]:
        """Waits until what changed satisfies `done`; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            changed = self.changed()
            if done(changed):
                return changed
            if time.monotonic() > deadline:
                texts = "\n---\n".join(m.text for m in changed) or "(nothing)"
                raise AssertionError(f"the bot did not answer as expected; it sent:\n{texts}")
            time.sleep(POLL)

    def expect(self, part: str, timeout: float = WAIT) -> BotMessage:
        """The first changed message containing `part`, once it arrives."""
        changed = self.wait(lambda ms: any(part in m.text for m in ms), timeout)
        return next(m for m in changed if part in m.text)

    def expect_last(self, text: str, timeout: float = WAIT) -> BotMessage:
        """Waits until the newest changed message reads exactly `text`."""
        changed = self.wait(lambda ms: bool(ms) and ms[-1].text == text, timeout)
        return changed[-1]

    def quiet(self, seconds: float) -> list[BotMessage]:
        """What changed during `seconds` (nothing, when the bot stays silent)."""
        time.sleep(seconds)
        return self.changed()

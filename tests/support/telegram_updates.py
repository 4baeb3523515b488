"""Telegram's JSON as tests and benches need it: raw updates a person sends, the bot's messages.

One place for the bot's identity and the shapes of a `message` update, a command's entity,
a `callback_query` press and a Message the Bot API answers with, shared by the offline Bot
API (tests/support/bot_api.py), the HTTP fake (tests/support/fake_telegram.py), the adapter's
contract tests, the webhook tests, the load run and the benches.
"""

from __future__ import annotations

from typing import Any

BOT = {"id": 123456, "is_bot": True, "first_name": "Báo cáo", "username": "baocao_bot"}
DATE = 1_700_000_000
FIRST_NAME, LAST_NAME = "Hương", "Nguyễn"
# Bot API methods whose result is the Message sent or edited.
MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"}
)

PHOTO = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
STICKER = {
    "file_id": "s1",
    "file_unique_id": "u2",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


def person(user_id: int) -> dict[str, Any]:
    """The Telegram user Hương Nguyễn with this id."""
    return {"id": user_id, "is_bot": False, "first_name": FIRST_NAME, "last_name": LAST_NAME}


def private_chat(user_id: int) -> dict[str, Any]:
    """The private chat between that user and the bot."""
    return {"id": user_id, "type": "private", "first_name": FIRST_NAME, "last_name": LAST_NAME}


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram marks a text starting with / with (none otherwise)."""
    if not text.startswith("/"):
        return []
    return [{"type": "bot_command", "offset": 0, "length": len(text.split(" ", 1)[0])}]


def message_update(
    update_id: int, user_id: int, chat: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    """A `message` update from the user (in their private chat unless `chat` is given).

    `fields` go into the message (text=…, photo=…); a text starting with / carries its
    bot_command entity.
    """
    message = {
        "message_id": update_id,
        "date": DATE,
        "chat": chat or private_chat(user_id),
        "from": person(user_id),
        **fields,
    }
    text = fields.get("text")
    if isinstance(text, str) and text.startswith("/"):
        message["entities"] = command_entities(text)
    return {"update_id": update_id, "message": message}


def callback_update(
    update_id: int, user_id: int, data: str, pressed: dict[str, Any]
) -> dict[str, Any]:
    """A `callback_query` update: the user pressed a button of the bot's message `pressed`."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq{update_id}",
            "from": person(user_id),
            "chat_instance": str(-user_id),
            "data": data,
            "message": pressed,
        },
    }


def bot_message(
    message_id: int, chat_id: int, text: str, markup: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A Message the bot sent to a chat, as the Bot API returns it (and as a press carries it)."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": DATE,
        "chat": {"id": chat_id, "type": "private"},
        "from": BOT,
        "text": text,
    }
    if markup is not None:
        message["reply_markup"] = markup
    return message

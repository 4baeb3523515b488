"""Neutral replies drawn in Telegram's shapes: texts cut to its limits, inline keyboards as the
Bot API's JSON, and the replies of one turn joined into as few messages as possible."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.core.replies import Button, Outgoing, Reply

log = logging.getLogger(__name__)

TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)
CALLBACK_DATA_LIMIT = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)

# A `reply_markup` as the Bot API takes it: {"inline_keyboard": [[{"text", "callback_data"}]]}.
Markup = dict[str, Any]


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, limit: int) -> str:
    """The longest start of `text` of at most `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def _cut_line(line: str, limit: int) -> list[str]:
    """A line longer than the limit, cut between words where it can be."""
    pieces: list[str] = []
    while telegram_length(line) > limit:
        head = _prefix(line, limit)
        space = head.rfind(" ")
        if space > 0:
            head = head[:space]
        pieces.append(head)
        line = line[len(head) :].lstrip(" ")
    pieces.append(line)
    return pieces


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """The text as messages of at most `limit` characters, cut at line boundaries."""
    if telegram_length(text) <= limit:
        return [text] if text.strip() else []
    chunks: list[str] = []
    lines: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _cut_line(line, limit):
            added = telegram_length(piece) + (1 if lines else 0)
            if lines and size + added > limit:
                chunks.append("\n".join(lines))
                lines, size, added = [], 0, telegram_length(piece)
            lines.append(piece)
            size += added
    chunks.append("\n".join(lines))
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


def split_caption(caption: str, limit: int = CAPTION_LIMIT) -> tuple[str, str]:
    """A caption that fits, cut at a line boundary, and the rest for a follow-up message."""
    if telegram_length(caption) <= limit:
        return caption, ""
    head, *rest = split_text(caption, limit)
    return head, "\n".join(rest)


def keyboard_of(rows: Sequence[Sequence[Button]]) -> Markup | None:
    """The Bot API's inline keyboard for the engine's buttons, as the JSON it is sent as;
    a code Telegram cannot carry is left out.

    Plain dicts, not PTB's InlineKeyboardButton objects: those would be built attribute by
    attribute only to be turned back into these dicts for every message.
    """
    keyboard: list[list[dict[str, str]]] = []
    for row in rows:
        kept: list[dict[str, str]] = []
        for button in row:
            if not button.code or len(button.code.encode()) > CALLBACK_DATA_LIMIT:
                log.warning(
                    "button %r dropped: its code does not fit in callback data", button.label
                )
                continue
            kept.append({"text": button.label, "callback_data": button.code})
        if kept:
            keyboard.append(kept)
    return {"inline_keyboard": keyboard} if keyboard else None


def compose(replies: Sequence[Outgoing]) -> list[Outgoing]:
    """The replies as few messages as possible: a text without buttons joins the next text.

    The engine often answers "saved" or "not understood" and then asks; one message per turn
    keeps the chat short and costs one Bot API call instead of two.
    """
    composed: list[Outgoing] = []
    for reply in replies:
        previous = composed[-1] if composed else None
        if (
            isinstance(reply, Reply)
            and isinstance(previous, Reply)
            and not reply.replace
            and not previous.replace
            and not previous.buttons
        ):
            composed[-1] = Reply(f"{previous.text}\n\n{reply.text}", reply.buttons)
        else:
            composed.append(reply)
    return composed

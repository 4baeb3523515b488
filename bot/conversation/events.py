"""Neutral incoming events: what any chat channel turns its updates into."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sender:
    """Who sent an event, on which channel."""

    channel: str
    external_id: str
    display_name: str = ""


@dataclass(frozen=True)
class Text:
    """A typed message."""

    text: str


@dataclass(frozen=True)
class ButtonPress:
    """A press on a button the bot sent; `code` is untrusted and checked by the engine."""

    code: str


@dataclass(frozen=True)
class Command:
    """A slash command such as /tiep, with what follows it."""

    name: str
    argument: str = ""


@dataclass(frozen=True)
class Attachment:
    """A photo, sticker, voice note, file or anything that is not text."""

    kind: str
    file_name: str | None = None
    data: bytes | None = None
    # Why a file meant to be read has no data: "too_big", or "not_fetched" (download failed).
    problem: str | None = None


Incoming = Text | ButtonPress | Command | Attachment


def parse_typed(text: str) -> Text | Command:
    """A typed line as a command when it starts with '/', otherwise as text."""
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1 and not stripped[1].isdigit():
        head, _, rest = stripped[1:].partition(" ")
        # Telegram appends @botname to commands in groups.
        return Command(head.split("@", 1)[0].lower(), rest.strip())
    return Text(text)

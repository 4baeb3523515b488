"""Neutral outgoing messages (what the engine answers, for any channel to draw), button codes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The channel name of Telegram chat accounts (`ChatIdentity.channel`).
TELEGRAM = "telegram"

# Button codes are "<step>:<action>", at most CODE_LIMIT bytes (Telegram's callback data). A
# press is checked against the current step, except the navigation actions (SECTION + a
# section id, RESUME), valid from any message: a reminder carries them with step 0, never current.
CODE_LIMIT = 64
SECTION = "s:"
RESUME = "resume"


def code_from_anywhere(action: str) -> str:
    """The code of a navigation button sent outside the conversation (a reminder)."""
    return f"0:{action}"


@dataclass(frozen=True)
class Button:
    """A choice; `command` is the typed equivalent for channels without buttons."""

    code: str
    label: str
    command: str | None = None


@dataclass(frozen=True)
class Reply:
    """A text message with optional rows of buttons.

    `replace` asks the channel to edit the message whose button was pressed instead of
    sending a new one (channels that cannot edit send it as a new message).
    """

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    replace: bool = False


@dataclass(frozen=True)
class DocumentReply:
    """A file for the user, with a caption."""

    file_name: str
    data: bytes
    caption: str
    # Where the draft history already keeps this very file, if it does: a channel that
    # writes documents to disk (the terminal) points there instead of writing a copy.
    kept_at: Path | None = None
    # A signed web link to this draft's page, and a PNG of its first page, when the bot's
    # web server has a public URL (channels that cannot send files rely on them).
    link: str | None = None
    preview_url: str | None = None


@dataclass(frozen=True)
class Notice:
    """A message for another person (the director told a section is finished, a teacher
    told a section was assigned), addressed to their chat account on a channel."""

    channel: str
    external_id: str
    text: str
    buttons: list[list[Button]] = field(default_factory=list)


@dataclass(frozen=True)
class HeavyJob:
    """Work standing for its replies (a draft, an audit), run after the event commits.

    `function` is a module-level function and `args` plain data, so a worker process can
    run it (see `bot.conversation.heavy`).
    """

    function: Callable[..., list[Outgoing]]
    args: tuple[Any, ...]

    def run(self) -> list[Outgoing]:
        """The replies the work answers."""
        return self.function(*self.args)


Outgoing = Reply | DocumentReply | Notice | HeavyJob

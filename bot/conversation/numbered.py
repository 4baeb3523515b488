"""Replies for channels without buttons: choices as numbered lines, typed numbers as presses.

A channel that can only send text (Zalo, the terminal) draws a reply's buttons with
`render`, keeps the `Choice`s it shows last in each chat, and turns what the person types
back into a press with `pick`: the number shown beside a choice, or the choice's own words.
Navigation buttons become their typed command (/lai, /xem…). `split_message` cuts a long
text on paragraph boundaries for channels with a message limit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.conversation.commands import MENU_COMMANDS
from bot.conversation.events import ButtonPress, Incoming, Text
from bot.core.numbers import format_integer
from bot.core.replies import Button, Reply
from bot.core.text import fold
from bot.texts import t

# A label the engine numbered itself ("1. Có", "⬜ 3. Công tác…", "☑ 2. …", "4").
_OWN_NUMBER = re.compile(r"^\W*?(\d+)(?:\.\s|$)")
# Emoji and marks a label starts with ("✏️ Nhập lại").
_MARKS = re.compile(r"^[^\w]+")
# What is typed to ask for the list of commands, folded ("lệnh", "trợ giúp" typed any way).
HELP_WORDS = frozenset({"menu", "?", "lenh", "tro giup"})


@dataclass(frozen=True)
class Choice:
    """A choice as it was shown: its number, the press it stands for, its words."""

    number: int
    code: str
    label: str


def _fold(text: str) -> str:
    """Text compared loosely: NFC, case-folded, spaces collapsed, ellipsis and marks dropped."""
    text = unicodedata.normalize("NFC", text).casefold().replace("…", " ")
    return " ".join(text.split()).strip(" .:·-")


def _words(label: str) -> str:
    """A label without its own number and the marks before it ("⬜ 3. Tên" -> "tên")."""
    match = _OWN_NUMBER.match(label)
    return _fold(_MARKS.sub("", label[match.end() :] if match else label))


def _shown(label: str, text: str) -> bool:
    """Whether the reply's text already lists this label (a section menu lists its sections)."""
    head = label.rstrip("…").strip()
    return bool(head) and any(line.strip().startswith(head) for line in text.splitlines())


def or_list(numbers: Sequence[int]) -> str:
    """ "1", "1 hoặc 2", "1, 2 hoặc 3", or "từ 1 đến 9" for longer lists."""
    words = [format_integer(n) for n in numbers]
    if len(words) == 1:
        return words[0]
    if len(words) > 4 and list(numbers) == list(range(numbers[0], numbers[-1] + 1)):
        return t("numbered.range", first=words[0], last=words[-1])
    return t("numbered.or", head=", ".join(words[:-1]), last=words[-1])


def render(reply: Reply) -> tuple[str, list[Choice]]:
    """The reply as plain text with numbered choices and typed commands, and the choices."""
    lines = [reply.text] if reply.text else []
    choices: list[Choice] = []
    commands: list[Button] = []
    plain: list[Button] = []
    for row in reply.buttons:
        for button in row:
            if button.command:
                commands.append(button)
                continue
            match = _OWN_NUMBER.match(button.label)
            if match is None:
                plain.append(button)
                continue
            # The engine numbered it: the same number selects it, typed or picked here.
            choices.append(Choice(int(match.group(1)), button.code, button.label))
            if not _shown(button.label, reply.text) and not button.label.isdigit():
                lines.append(button.label)
    taken = max((choice.number for choice in choices), default=0)
    for offset, button in enumerate(plain, 1):
        choice = Choice(taken + offset, button.code, button.label)
        choices.append(choice)
        lines.append(f"{choice.number}. {button.label}")
    if choices:
        numbers = sorted(choice.number for choice in choices)
        lines.append(t("numbered.hint", numbers=or_list(numbers)))
    if commands:
        lines.append(" · ".join(f"{b.command} {b.label}" for b in commands))
    return "\n".join(lines), choices


def pick(choices: Sequence[Choice], typed: str) -> str | None:
    """The code of the choice a typed text selects: its number or its words; else None."""
    text = typed.strip()
    if text.isascii() and text.isdigit():
        number = int(text)
        return next((c.code for c in choices if c.number == number), None)
    folded = _fold(text)
    if not folded:
        return None
    matches = [c.code for c in choices if _words(c.label) == folded]
    return matches[0] if len(matches) == 1 else None


def asks_for_commands(event: Incoming) -> bool:
    """Whether a typed message asks for the list of commands ("menu", "?")."""
    return isinstance(event, Text) and fold(event.text) in HELP_WORDS


def interpret(event: Incoming, choices: Sequence[Choice]) -> Incoming:
    """A typed text as the press of the choice it selects; anything else unchanged."""
    if not isinstance(event, Text):
        return event
    code = pick(choices, event.text)
    return ButtonPress(code) if code is not None else event


def commands_text() -> str:
    """The commands of the menu, one a line, from the command registry."""
    lines = [t("numbered.commands")]
    lines += [f"/{name} – {t(f'telegram.commands.{name}')}" for name in MENU_COMMANDS]
    return "\n".join(lines)


def split_message(text: str, limit: int) -> list[str]:
    """The text as messages of at most `limit` characters, cut between paragraphs, then
    between lines, then between words; nothing is lost and no message is empty."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    messages: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        for part in _fit(paragraph, limit):
            joined = f"{current}\n\n{part}" if current else part
            if len(joined) <= limit:
                current = joined
                continue
            messages.append(current)
            current = part
    if current:
        messages.append(current)
    return [message.strip() for message in messages if message.strip()]


def _fit(paragraph: str, limit: int) -> list[str]:
    """A paragraph as parts of at most `limit` characters, cut between lines or words."""
    if len(paragraph) <= limit:
        return [paragraph]
    parts: list[str] = []
    current = ""
    for line in paragraph.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit + 1)
            cut = cut if cut > 0 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        joined = f"{current}\n{line}" if current else line
        if len(joined) <= limit:
            current = joined
        else:
            parts.append(current)
            current = line
    if current:
        parts.append(current)
    return parts

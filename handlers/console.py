"""The terminal channel: the same conversation as Telegram, typed at a prompt."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from bot.conversation.engine import ConversationEngine
from bot.conversation.events import Command, Sender, parse_typed
from bot.core.numbers import format_integer
from bot.core.replies import Button, DocumentReply, Notice, Outgoing, Reply
from bot.texts import t

CHANNEL = "console"
# A terminal in canonical mode (Linux's N_TTY) keeps at most 4095 bytes of a line and
# drops the rest without telling anyone; a line that long may have lost its end.
TTY_LINE_LIMIT = 4095


class LineTooLong(Exception):  # noqa: N818 (reads as the event it names)
    """A line read from a terminal that may have been cut by the terminal's line limit."""


def read_terminal_line(prompt: str) -> str:
    """One line typed at the prompt, like `input`, but a line that reached the terminal's
    limit raises LineTooLong instead of coming back cut short."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    raw = sys.stdin.buffer.readline()
    if not raw:
        raise EOFError
    line = raw.removesuffix(b"\n").removesuffix(b"\r")
    if len(line) >= TTY_LINE_LIMIT and sys.stdin.isatty():
        raise LineTooLong
    return line.decode(sys.stdin.encoding or "utf-8", errors="replace")


def console_sender() -> Sender:
    """The person at the terminal."""
    user = getpass.getuser()
    return Sender(CHANNEL, user, user)


def render_buttons(rows: Iterable[list[Button]]) -> list[str]:
    """Buttons as text: choices as they are labelled, navigation as its command."""
    lines: list[str] = []
    commands: list[str] = []
    for row in rows:
        for button in row:
            if button.command:
                commands.append(f"{button.command} {button.label}")
            elif not button.label.isdigit():
                lines.append(f"   [{button.label}]")
    if commands:
        lines.append("   " + " · ".join(commands))
    return lines


def save_document(document: DocumentReply, folder: Path) -> Path:
    """Writes a document reply into a folder; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / document.file_name
    path.write_bytes(document.data)
    return path


def render(outgoing: Outgoing, drafts_dir: Path) -> str:
    """One outgoing message as terminal text (documents are written to disk)."""
    if isinstance(outgoing, DocumentReply):
        path = outgoing.kept_at or save_document(outgoing, drafts_dir)
        return f"{outgoing.caption}\n{t('draft.saved_to', path=path)}"
    if isinstance(outgoing, Notice):
        # The terminal has one person; a message for someone else is shown as such.
        return t("console.notice", to=outgoing.external_id, text=outgoing.text)
    assert isinstance(outgoing, Reply)
    return "\n".join([outgoing.text, *render_buttons(outgoing.buttons)])


class ConsoleChannel:
    """Reads lines from the terminal, hands them to the engine, prints the replies."""

    def __init__(
        self,
        engine: ConversationEngine,
        drafts_dir: Path,
        *,
        read: Callable[[str], str] = read_terminal_line,
        write: Callable[[str], None] = print,
        sender: Sender | None = None,
    ) -> None:
        # Nothing sends reminders from a terminal: the engine must not promise them.
        engine.options = replace(engine.options, delivers_reminders=False)
        self.engine = engine
        self.drafts_dir = drafts_dir
        self.read = read
        self.write = write
        self.sender = sender or console_sender()

    def send(self, line: str) -> list[Outgoing]:
        """Handles one typed line and prints what the bot answers."""
        replies = self.engine.handle(self.sender, parse_typed(line))
        for reply in replies:
            self.write(render(reply, self.drafts_dir))
            self.write("")
        return replies

    def run(self) -> None:
        """The loop: greet, then read until end of input or Ctrl-C."""
        self.write(t("console.banner"))
        for reply in self.engine.handle(self.sender, Command("start")):
            self.write(render(reply, self.drafts_dir))
            self.write("")
        while True:
            try:
                line = self.read_message()
            except (EOFError, KeyboardInterrupt):
                self.write("\n" + t("console.goodbye"))
                return
            except LineTooLong:
                # Never store (and acknowledge) an answer that lost its end.
                self.write(t("terminal.line_too_long", limit=format_integer(TTY_LINE_LIMIT)))
                self.write("")
                continue
            if line.strip():
                self.send(line)

    def read_message(self) -> str:
        """One message; a line ending in a backslash continues on the next (paragraphs).

        A line cut by the terminal refuses the whole message (LineTooLong)."""
        lines = [self.read("› ")]
        while lines[-1].endswith("\\"):
            lines[-1] = lines[-1][:-1].rstrip()
            lines.append(self.read("  "))
        return "\n".join(lines)

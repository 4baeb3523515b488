"""A transcript helper: a person who types, presses buttons, and reads what comes back."""

from __future__ import annotations

from bot.conversation.engine import ConversationEngine
from bot.conversation.events import Attachment, ButtonPress, Incoming, Sender, parse_typed
from bot.core.replies import Button, DocumentReply, Outgoing, Reply


class Chat:
    """Talks to the engine as one sender; keeps the last replies to read and press."""

    def __init__(self, engine: ConversationEngine, user_id: str = "teacher-1") -> None:
        self.engine = engine
        self.sender = Sender("test", user_id, "Cô Hương")
        self.replies: list[Outgoing] = []

    def send(self, event: Incoming, *, event_id: str | None = None) -> str:
        """Sends an event and returns the text of every reply, joined."""
        self.replies = self.engine.handle(self.sender, event, event_id=event_id)
        return self.text

    def say(self, line: str, *, event_id: str | None = None) -> str:
        """Types a line (a leading '/' makes it a command)."""
        return self.send(parse_typed(line), event_id=event_id)

    def attach(self, kind: str) -> str:
        """Sends a photo, sticker or file."""
        return self.send(Attachment(kind))

    @property
    def text(self) -> str:
        return "\n".join(r.text if isinstance(r, Reply) else r.caption for r in self.replies)

    @property
    def buttons(self) -> list[Button]:
        return [b for r in self.replies if isinstance(r, Reply) for row in r.buttons for b in row]

    def press(self, label: str) -> str:
        """Presses the button of the last replies whose label contains `label`."""
        matches = [b for b in self.buttons if label in b.label]
        assert matches, f"no button {label!r} among {[b.label for b in self.buttons]}"
        return self.send(ButtonPress(matches[-1].code))

    @property
    def document(self) -> DocumentReply:
        found = [r for r in self.replies if isinstance(r, DocumentReply)]
        assert found, "no document in the last replies"
        return found[0]

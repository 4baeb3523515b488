"""An engine made to fail one sender's events, as a bug in that event would."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from bot.conversation.engine import ConversationEngine
from bot.conversation.events import Sender

BUG = "a bug in this event"


def fail_events_of(
    monkeypatch: pytest.MonkeyPatch,
    engine: ConversationEngine,
    external_id: str,
    *,
    after_writes: bool = True,
) -> None:
    """The sender's events raise RuntimeError(BUG): after their writes are made (so that
    the rollback must undo them), or at once."""
    real = engine.handle_in

    def failing(session: Session, who: Sender, *args: Any, **kwargs: Any) -> Any:
        if who.external_id != external_id:
            return real(session, who, *args, **kwargs)
        if after_writes:
            real(session, who, *args, **kwargs)
        raise RuntimeError(BUG)

    monkeypatch.setattr(engine, "handle_in", failing)

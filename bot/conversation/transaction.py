"""An event's bookkeeping beside its own transaction: attempts, and replies kept for redelivery.

A channel counts an attempt before it hands an event over (`start_attempts`); the event's
transaction keeps its replies and clears the count (`keep_replies`). So an event that
crashed the process twice is known when it comes a third time, and an event delivered again
after its answer was stored gets the same replies again (`replayed`) instead of silence:
the reply may never have reached the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.core.clock import now
from bot.core.replies import Button, HeavyJob, Outgoing, Reply
from bot.store import hot_path
from bot.store.database import Database
from bot.texts import t
from models import EventAttempt

# How long an event's attempts and replies are kept: Telegram keeps updates for 24 hours.
KEEP = timedelta(days=2)


def _row(session: Session, *, channel: str, event_id: str) -> EventAttempt | None:
    statement = select(EventAttempt).where(
        EventAttempt.channel == channel, EventAttempt.event_id == event_id
    )
    return session.exec(statement).first()


def _dump(reply: Reply | HeavyJob) -> dict[str, Any]:
    if isinstance(reply, HeavyJob):
        # Its result is not kept: delivered again, the event says the work was cut short.
        return {"interrupted": True}
    buttons = [[[b.code, b.label, b.command] for b in row] for row in reply.buttons]
    return {"text": reply.text, "buttons": buttons}


def _load(data: dict[str, Any]) -> Reply:
    if data.get("interrupted"):
        return Reply(t("upload.interrupted"))
    buttons = [
        [Button(code, label, command) for code, label, command in row] for row in data["buttons"]
    ]
    return Reply(str(data["text"]), buttons)


def keep_replies(
    session: Session, *, channel: str, event_id: str, replies: Sequence[Outgoing]
) -> None:
    """Keeps the event's replies to its sender: texts, and where heavy work stood."""
    kept = [_dump(reply) for reply in replies if isinstance(reply, Reply | HeavyJob)]
    hot_path.keep_replies(session, channel=channel, event_id=event_id, replies=kept)


def replayed(session: Session, *, channel: str, event_id: str) -> list[Outgoing]:
    """The replies kept for an event already handled (none when nothing was kept)."""
    row = _row(session, channel=channel, event_id=event_id)
    if row is None or not row.replies:
        return []
    return [_load(data) for data in row.replies]


def start_attempts(
    database: Database, *, channel: str, event_ids: Sequence[str]
) -> dict[str, int]:
    """Counts one more attempt at each event, durably; returns the attempts made before.

    Rows older than KEEP are dropped in the same transaction.
    """
    earlier: dict[str, int] = {}
    with database.session() as session:
        session.execute(delete(EventAttempt).where(col(EventAttempt.updated_at) < now() - KEEP))
        rows = session.exec(
            select(EventAttempt).where(
                EventAttempt.channel == channel, col(EventAttempt.event_id).in_(list(event_ids))
            )
        ).all()
        found = {row.event_id: row for row in rows}
        for event_id in event_ids:
            row = found.get(event_id) or EventAttempt(channel=channel, event_id=event_id)
            earlier[event_id] = row.attempts
            row.attempts += 1
            row.updated_at = now()
            session.add(row)
    return earlier

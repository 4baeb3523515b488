"""Processed event ids: an event handled once, a redelivery ignored, old ids pruned."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    bindparam,
    delete,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.core.clock import now
from bot.store.database import table_of
from bot.store.prepared import Prepared
from models import (
    ProcessedEvent,
)

# How long an event id counts as handled. Telegram keeps an update it could not deliver for
# 24 hours at most, so a redelivery (after a crash, or a webhook retry) always comes within
# a day of the first delivery; twice that is the window. After it an id is new again:
# Telegram's update ids start over, at random, after a week without updates, and a new
# bot token or webhook may bring ids seen before, which must be answered, not swallowed.
EVENT_WINDOW = timedelta(days=2)
# The claim whose row id is a multiple of PRUNE_EVERY also deletes rows older than the
# window, at most PRUNE_BATCH of them (one statement on the index on time): the table
# stays about a window's worth of events, whichever process handles them.
PRUNE_EVERY = 500
PRUNE_BATCH = 2000


def claim_event(session: Session, *, channel: str, event_id: str) -> bool:
    """Records an incoming event id; False when it was already handled within the window.

    On SQLite and PostgreSQL one `INSERT … ON CONFLICT DO UPDATE … WHERE`, with no
    savepoint: on SQLite, releasing a savepoint opened outside a transaction commits it,
    which cost each event a second durable commit. An id handled longer ago than
    `EVENT_WINDOW` is taken as a new event (its row gets the new time). As the first write
    of the event it also takes SQLite's write lock at once, so what the event reads next
    stays true until it commits.
    """
    statement = _CLAIM_EVENT.get(session.get_bind().dialect.name)
    moment = now()
    if statement is not None:
        params = {
            "channel": channel,
            "event_id": event_id,
            "processed_at": moment,
            "handled_since": moment - EVENT_WINDOW,
        }
        # The id comes back only when the row was written (rowcount is not reliable here:
        # PostgreSQL's driver reports -1 for an INSERT … RETURNING).
        claimed = statement.scalar(session, params)
        if claimed is not None and claimed % PRUNE_EVERY == 0:
            prune_events(session, before=moment - EVENT_WINDOW)
        return claimed is not None
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(channel=channel, event_id=event_id))
    except IntegrityError:
        return False
    return True


def prune_events(session: Session, *, before: datetime, limit: int = PRUNE_BATCH) -> int:
    """Deletes up to `limit` processed-event rows older than `before`; how many it deleted.

    On PostgreSQL rows another transaction holds are skipped (SKIP LOCKED), so a prune never
    waits for, or deadlocks with, another process's prune or claim.
    """
    old = (
        sa_select(_EVENTS.c.id)
        .where(_EVENTS.c.processed_at < before)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = session.connection().execute(delete(_EVENTS).where(_EVENTS.c.id.in_(old)))
    return int(result.rowcount)


_EVENTS = table_of(ProcessedEvent)


def _claim_event_statement(insert_of: Any) -> Any:
    """The event's row, inserted, or renewed when its id was handled before the window."""
    statement = insert_of(_EVENTS)
    return statement.on_conflict_do_update(
        index_elements=["channel", "event_id"],
        set_={"processed_at": statement.excluded.processed_at},
        where=_EVENTS.c.processed_at < bindparam("handled_since"),
    ).returning(_EVENTS.c.id)


_CLAIM_KEYS = ("channel", "event_id", "processed_at", "handled_since")
_CLAIM_EVENT = {
    "sqlite": Prepared(_claim_event_statement(sqlite_insert), _CLAIM_KEYS),
    "postgresql": Prepared(_claim_event_statement(postgresql_insert), _CLAIM_KEYS),
}

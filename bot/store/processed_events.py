"""Processed event ids: an event handled once, a redelivery ignored (and given the replies
kept for it), old ids pruned."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, null, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

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
# window among the PRUNE_BATCH oldest (two statements on the primary key): the table stays
# about a window's worth of events, whichever process handles them.
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

    Only the `limit` oldest ids are looked at (the table has no index on the time, which
    would cost each event a page more): ids grow with time, but for an id renewed after the
    window (`claim_event`), which waits until its new time is old too. On PostgreSQL rows
    another transaction holds are skipped (SKIP LOCKED), so a prune never waits for, or
    deadlocks with, another process's prune or claim.
    """
    connection = session.connection()
    last = connection.execute(_NTH_OLDEST, {"offset": limit - 1}).scalar()
    old = (
        sa_select(_EVENTS.c.id)
        .where(_EVENTS.c.processed_at < before)
        .order_by(_EVENTS.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if last is not None:
        old = old.where(_EVENTS.c.id <= last)
    result = connection.execute(delete(_EVENTS).where(_EVENTS.c.id.in_(old.scalar_subquery())))
    return int(result.rowcount)


def keep_replies(
    session: Session, *, channel: str, event_id: str, replies: list[dict[str, Any]]
) -> None:
    """Keeps the event's replies (as `transaction.keep_replies` dumps them) in its row.

    The row its claim inserted in this transaction, on a page written already: one
    UPDATE on SQLite and PostgreSQL, without the ORM's unit of work (an event not claimed
    gets its row, as if claimed now).
    """
    where = {"where_channel": channel, "where_event_id": event_id}
    if _KEEP_REPLIES.execute(session, {**where, "replies": replies}):
        return
    moment = now()
    statement = _KEEP_NEW_REPLIES.get(session.get_bind().dialect.name)
    if statement is not None:
        params = {"channel": channel, "event_id": event_id, "replies": replies, "at": moment}
        statement.execute(session, params)
        return
    row = _event(session, channel=channel, event_id=event_id)
    row = row or ProcessedEvent(channel=channel, event_id=event_id, processed_at=moment)
    row.replies = replies
    session.add(row)


def kept_replies(session: Session, *, channel: str, event_id: str) -> list[dict[str, Any]]:
    """The replies kept for a handled event (none when nothing was kept)."""
    row = _event(session, channel=channel, event_id=event_id)
    return [] if row is None or not row.replies else list(row.replies)


def handled(session: Session, *, channel: str, event_ids: Iterable[str]) -> set[str]:
    """Which of the events were handled within the window (a redelivery of them is
    answered with their kept replies, never given up)."""
    since = now() - EVENT_WINDOW
    statement = sa_select(_EVENTS.c.event_id).where(
        _EVENTS.c.channel == channel,
        _EVENTS.c.event_id.in_(list(event_ids)),
        _EVENTS.c.processed_at >= since,
    )
    return set(session.connection().execute(statement).scalars())


def _event(session: Session, *, channel: str, event_id: str) -> ProcessedEvent | None:
    statement = sa_select(ProcessedEvent).where(
        col(ProcessedEvent.channel) == channel, col(ProcessedEvent.event_id) == event_id
    )
    return session.execute(statement).scalar_one_or_none()


_EVENTS = table_of(ProcessedEvent)


def _claim_event_statement(insert_of: Any) -> Any:
    """The event's row, inserted, or renewed when its id was handled before the window
    (the replies kept were another event's)."""
    statement = insert_of(_EVENTS)
    return statement.on_conflict_do_update(
        index_elements=["channel", "event_id"],
        set_={"processed_at": statement.excluded.processed_at, "replies": null()},
        where=_EVENTS.c.processed_at < bindparam("handled_since"),
    ).returning(_EVENTS.c.id)


_CLAIM_KEYS = ("channel", "event_id", "processed_at", "handled_since")
_CLAIM_EVENT = {
    "sqlite": Prepared(_claim_event_statement(sqlite_insert), _CLAIM_KEYS),
    "postgresql": Prepared(_claim_event_statement(postgresql_insert), _CLAIM_KEYS),
}
# The id of the (offset+1)-th oldest row: how far a prune looks.
_NTH_OLDEST = sa_select(_EVENTS.c.id).order_by(_EVENTS.c.id).limit(1).offset(bindparam("offset"))


_KEEP_REPLIES = Prepared(
    update(_EVENTS).where(
        _EVENTS.c.channel == bindparam("where_channel"),
        _EVENTS.c.event_id == bindparam("where_event_id"),
    ),
    ("where_channel", "where_event_id", "replies"),
)


def _keep_replies_statement(insert_of: Any) -> Any:
    """The row of an event not claimed, with its replies."""
    statement = insert_of(_EVENTS).values(
        channel=bindparam("channel"),
        event_id=bindparam("event_id"),
        processed_at=bindparam("at", type_=_EVENTS.c.processed_at.type),
        replies=bindparam("replies", type_=_EVENTS.c.replies.type),
    )
    return statement.on_conflict_do_update(
        index_elements=["channel", "event_id"], set_={"replies": statement.excluded.replies}
    )


_KEEP_NEW_REPLIES = {
    "sqlite": Prepared(_keep_replies_statement(sqlite_insert)),
    "postgresql": Prepared(_keep_replies_statement(postgresql_insert)),
}

"""Last period's answers offered to a period (questions marked `carry`), read once per
process: asked at every `carry` question, they would cost a query each time."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session

from bot.workflow.periods import carried_answers
from models import Period, require_id

# Periods kept at most per database (a few answers each); past it the cache starts anew.
MAX_PERIODS = 512
# What this transaction read, shared once it is committed: `session.info` key.
_PENDING = "bot.workflow.carried.pending"
# A period by its id and creation moment: its carried answers are written with it, in the
# transaction that opens it, and never change after; an id used again (a database restored
# or made anew) comes with another moment.
_Key = tuple[int, datetime]
_SHARED: dict[Engine, dict[_Key, dict[str, Any]]] = {}
_SHARED_LOCK = threading.Lock()


def carried_of(session: Session, period: Period) -> dict[str, Any]:
    """The period's carried answers by question id (a copy the caller may change)."""
    key = (require_id(period), period.created_at)
    shared = _shared(session)
    found = shared.get(key)
    if found is None:
        found = carried_answers(session, period_id=key[0])
        # Shared only once committed: a period opened in this transaction may be undone.
        session.info.setdefault(_PENDING, {})[key] = found
    return dict(found)


def _shared(session: Session) -> dict[_Key, dict[str, Any]]:
    engine: Engine = session.get_bind().engine
    found = _SHARED.get(engine)
    if found is None:
        with _SHARED_LOCK:
            found = _SHARED.setdefault(engine, {})
    return found


@event.listens_for(Session, "after_commit")
def _share(session: Session) -> None:
    """Shares what the committed transaction read."""
    pending = session.info.get(_PENDING)
    if not pending or session.get_nested_transaction() is not None:
        return
    shared = _shared(session)
    if len(shared) + len(pending) > MAX_PERIODS:
        shared.clear()
    shared.update(pending)
    pending.clear()


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    """A rollback, of a savepoint too, may undo the period read: what it read goes."""
    pending = session.info.get(_PENDING)
    if pending:
        pending.clear()

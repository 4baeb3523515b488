"""Per-process memos of what committed transactions read, one per database engine.

A transaction keeps what it read aside (`pending`); only once it commits is that shared with
the process's later transactions (`shared`), and any rollback, of a savepoint too, drops it:
what an undone transaction read may never have existed. `bot.store.answers_cache` and
`bot.workflow.carried` are built on it.

One listener per session event settles every memo (and drops what `transaction_scoped`
keys hold): SQLAlchemy's dispatch of a listener costs about as much as the listener, and
these run at every commit.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

K = TypeVar("K")
V = TypeVar("V")

# Every memo of the process, settled by `_share` and `_forget`.
_MEMOS: list[CommittedMemo[Any, Any]] = []
# `Session.info` keys whose value holds for one transaction (savepoint) only.
_SCOPED: list[str] = []
# `Session.info` keys whose value holds until a rollback, of a savepoint too.
_UNTIL_ROLLBACK: list[str] = []


def transaction_scoped(key: str) -> None:
    """Has `Session.info[key]` dropped at every commit and rollback, of a savepoint too."""
    _SCOPED.append(key)


def dropped_at_rollback(key: str) -> None:
    """Has `Session.info[key]` dropped at every rollback, of a savepoint too."""
    _UNTIL_ROLLBACK.append(key)


class CommittedMemo(Generic[K, V]):
    """What committed transactions read, by key, for each database engine of the process."""

    def __init__(self, name: str, max_entries: int) -> None:
        # Past `max_entries` in one engine's memo, it starts anew (each key misses once).
        self.max_entries = max_entries
        self._key = f"bot.store.committed.{name}"
        self._shared: weakref.WeakKeyDictionary[Engine, dict[K, V]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        _MEMOS.append(self)

    def pending(self, session: Session) -> dict[K, V]:
        """What this session's transaction kept, shared once it commits."""
        pending: dict[K, V] | None = session.info.get(self._key)
        if pending is None:
            pending = session.info[self._key] = {}
        return pending

    def pending_if_any(self, session: Session) -> dict[K, V] | None:
        """What this session's transaction kept, without making room for it."""
        return session.info.get(self._key)

    def shared(self, session: Session) -> dict[K, V]:
        """What committed transactions on the session's database kept."""
        # The session's one bind read straight (`get_bind` gives that one, after some
        # work), or asked for when it has none, to fail as it fails.
        bind = session.bind
        engine: Engine = (bind if bind is not None else session.get_bind()).engine
        found = self._shared.get(engine)
        if found is None:
            with self._lock:
                found = self._shared.setdefault(engine, {})
        return found

    def _share(self, session: Session, pending: dict[K, V]) -> None:
        shared = self.shared(session)
        if len(shared) + len(pending) > self.max_entries:
            shared.clear()
        shared.update(pending)
        pending.clear()


@event.listens_for(Session, "after_commit")
def _share(session: Session) -> None:
    """Shares what each memo kept, once the whole transaction commits (not at a savepoint's
    release: the transaction around it may still be rolled back)."""
    info = session.info
    for key in _SCOPED:
        info.pop(key, None)
    for memo in _MEMOS:
        pending = info.get(memo._key)
        if pending:
            if session._nested_transaction is not None:
                return
            memo._share(session, pending)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    """Drops what each memo kept: a rollback, of a savepoint too, may undo what was read."""
    info = session.info
    for key in _SCOPED:
        info.pop(key, None)
    for key in _UNTIL_ROLLBACK:
        info.pop(key, None)
    for memo in _MEMOS:
        pending = info.get(memo._key)
        if pending:
            pending.clear()

"""Per-process memos of what committed transactions read, one per database engine.

A transaction keeps what it read aside (`pending`); only once it commits is that shared with
the process's later transactions (`shared`), and any rollback, of a savepoint too, drops it:
what an undone transaction read may never have existed. `bot.store.answers_cache` and
`bot.workflow.carried` are built on it.
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


class CommittedMemo(Generic[K, V]):
    """What committed transactions read, by key, for each database engine of the process."""

    def __init__(self, name: str, max_entries: int) -> None:
        # Past `max_entries` in one engine's memo, it starts anew (each key misses once).
        self.max_entries = max_entries
        self._key = f"bot.store.committed.{name}"
        self._shared: weakref.WeakKeyDictionary[Engine, dict[K, V]] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        event.listen(Session, "after_commit", self._share)
        event.listen(Session, "after_soft_rollback", self._forget)

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
        engine: Engine = session.get_bind().engine
        found = self._shared.get(engine)
        if found is None:
            with self._lock:
                found = self._shared.setdefault(engine, {})
        return found

    def _share(self, session: Session) -> None:
        pending = session.info.get(self._key)
        if not pending or session.get_nested_transaction() is not None:
            return
        shared = self.shared(session)
        if len(shared) + len(pending) > self.max_entries:
            shared.clear()
        shared.update(pending)
        pending.clear()

    def _forget(self, session: Session, _previous: Any) -> None:
        pending = session.info.get(self._key)
        if pending:
            pending.clear()

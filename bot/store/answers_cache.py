"""What an event reads of a period, kept from one event to the next while the period's
revision (counted by database triggers, models/revisions.py) has not moved.

Every event reads its period's answers, finished sections and kept checks, and most of
them changed nothing since the last event but the event's own answer. The cache is
checked inside the event's transaction, after the period is locked, against the revision
read there: any write to those rows by anyone (another instance on the same PostgreSQL,
the command line, a migration) moves the revision, and the next event reads them again.

What a transaction reads, and what its own answers change (`wrote`, through
`hot_path.write_answer`), is kept aside for that transaction and only shared once it
commits, at the revision it counted (the one read, plus one per answer row written). A
write it did not follow (a section finished, a check kept, a row deleted, by this
transaction or the ORM's flush at its commit) moved the revision past that count, so the
next event, which compares the revision it reads with the one kept, reads the period
again: the revision never goes back, and no write leaves it where it was. A rollback, of a
savepoint too, drops everything the transaction kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, event
from sqlalchemy import select as sa_select
from sqlmodel import Session

from bot.store.committed import CommittedMemo, transaction_scoped
from bot.store.database import table_of
from bot.store.prepared import Prepared, connection_of
from models import Period

# Periods kept per database at most: past that the cache starts again (a period misses once).
MAX_PERIODS = 4096
# Where `note_revision` keeps a period's revision read by another query, in `Session.info`.
_NOTED = "bot.store.answers_cache.noted"
# Dropped at every commit and rollback (a kept session's next transaction may be the same
# object; a rollback, of a savepoint too, may undo what was noted).
transaction_scoped(_NOTED)
_PERIODS = table_of(Period)
_REVISION = Prepared(sa_select(_PERIODS.c.revision).where(_PERIODS.c.id == bindparam("id")))


@dataclass
class PeriodAnswers:
    """What an event needs of a period: values, skipped ids, finished sections, kept checks."""

    values: dict[str, Any]
    skipped: set[str]
    finished: set[str]
    confirmed: set[str]
    # Question ids that have a stored row (answered or skipped).
    stored: set[str] = field(default_factory=set)

    def copy(self) -> PeriodAnswers:
        """A copy whose dict and sets may be changed (the values themselves are shared:
        answers are replaced, never changed in place)."""
        return PeriodAnswers(
            values=dict(self.values),
            skipped=set(self.skipped),
            finished=set(self.finished),
            confirmed=set(self.confirmed),
            stored=set(self.stored),
        )


@dataclass
class _Kept:
    revision: int
    answers: PeriodAnswers
    # Taken from what was shared, and not changed since: nothing new to share.
    known: bool = False


# Per database (its engine): period id -> what was committed at a revision.
_MEMO: CommittedMemo[int, _Kept] = CommittedMemo("period_answers", MAX_PERIODS)


@lru_cache(maxsize=16384)
def decoded(text: str) -> Any:
    """A stored answer's JSON text as a value, remembered.

    Every event reads all its period's answers again, and most of them have not changed
    since the last event: decoding each text once saves that work, and gives an unchanged
    answer the very same object, which the evaluation cache then recognises at once.
    Answer values are never changed in place, only replaced, so sharing them is safe.
    """
    return json.loads(text)


def revision_of(session: Session, *, period_id: int) -> int:
    """The period's revision as this transaction sees it: the one `note_revision` kept
    when it still holds, else read."""
    noted = session.info.get(_NOTED)
    if noted is not None and noted[1] == period_id:
        _connection, driver = connection_of(session)
        if (
            driver is not None
            and noted[0] is session._transaction
            and noted[3] == driver.total_changes
            and driver.in_transaction
        ):
            return int(noted[2])
    return int(_REVISION.scalar(session, {"id": period_id}) or 0)


def note_revision(session: Session, *, period_id: int, revision: int | None) -> None:
    """Keeps the period's revision just read with other things (`hot_path.member_context`),
    so that `revision_of` needs no query of its own.

    On SQLite only, and only in a transaction that holds the write lock (the driver opens
    one only for a write, or at BEGIN IMMEDIATE): no other connection can change the period
    until it ends. It holds while the session's transaction (savepoint) is the same and the
    connection changed no row since (`total_changes` counts the triggers' rows too, and
    never goes back, not even at a rollback).
    """
    _connection, driver = connection_of(session)
    if driver is None or revision is None or not driver.in_transaction:
        session.info.pop(_NOTED, None)
        return
    noted = (session._transaction, period_id, revision, driver.total_changes)
    session.info[_NOTED] = noted


def cached(session: Session, *, period_id: int, revision: int) -> PeriodAnswers | None:
    """A copy of what is known of the period at `revision`, or None; what is found is
    kept for the transaction too, to follow its writes."""
    pending = _pending(session)
    kept = pending.get(period_id) or _shared(session).get(period_id)
    if kept is None or kept.revision != revision:
        return None
    if pending.get(period_id) is not kept:
        pending[period_id] = _Kept(revision, kept.answers.copy(), known=True)
    return kept.answers.copy()


def remember(session: Session, *, period_id: int, revision: int, answers: PeriodAnswers) -> None:
    """Keeps what the transaction read of the period at `revision` (shared on commit)."""
    _pending(session)[period_id] = _Kept(revision, answers.copy())


def wrote(
    session: Session,
    *,
    period_id: int,
    question_id: str,
    value: Any,
    skipped: bool,
    rows: int,
    text: str | None = None,
) -> None:
    """Follows an answer row written by the transaction (`rows`: how many it changed;
    `text`: the value's JSON text as written, when it was made already)."""
    pending = _pending(session)
    kept = pending.get(period_id)
    if kept is None:
        return
    if rows != 1:
        del pending[period_id]  # not the one row the revision counts: read it again
        return
    answers = kept.answers
    answers.stored.add(question_id)
    if skipped:
        answers.values.pop(question_id, None)
        answers.skipped.add(question_id)
    else:
        # As the next event would read it back: JSON's types, and the very same object.
        if value is None:
            answers.values[question_id] = None
        else:
            answers.values[question_id] = decoded(text if text else json.dumps(value))
        answers.skipped.discard(question_id)
    kept.revision += 1
    kept.known = False


def _pending(session: Session) -> dict[int, _Kept]:
    return _MEMO.pending(session)


def _shared(session: Session) -> dict[int, _Kept]:
    return _MEMO.shared(session)


@event.listens_for(Session, "before_commit")
def _drop_known(session: Session) -> None:
    """Drops what the transaction only took from what was shared, unchanged: nothing new to
    share. What it read or followed is shared at its counted revision, as it is: reading the
    revision again here would cost each event a statement, and tell nothing the next event's
    own comparison does not (see the module's docstring)."""
    pending = _MEMO.pending_if_any(session)
    if not pending or session._nested_transaction is not None:  # a savepoint's release
        return
    for period_id, kept in list(pending.items()):
        if kept.known:
            del pending[period_id]

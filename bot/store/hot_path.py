"""One event's reads and writes, in few Core SQL statements built once."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Table,
    Text,
    bindparam,
    cast,
    false,
    insert,
    literal,
    null,
    true,
    union_all,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select as sa_select
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.attributes import instance_state
from sqlmodel import Session

from bot.core.clock import now
from bot.store import answers_cache
from bot.store.answers_cache import PeriodAnswers
from bot.store.answers_cache import decoded as _decoded
from bot.store.committed import dropped_at_rollback
from bot.store.database import table_of
from bot.store.prepared import Prepared, Serialized, connection_of
from models import (
    Answer,
    AnswerChange,
    Assignment,
    ChatIdentity,
    ConfirmedCheck,
    Conversation,
    Member,
    Period,
    SectionProgress,
    Unit,
)

# -- one event's reads and writes, in few statements built once -----------------------------
#
# Every event reads the member with their unit, period and conversation, then the period's
# answers, and writes an answer and the conversation: the statements are built once here
# (building and keying a statement cost as much as running it on SQLite), and the writes go
# straight to the tables, without the ORM's unit of work.


_ANSWERS = table_of(Answer)
_CONVERSATIONS = table_of(Conversation)


_MEMBERS, _UNITS, _PERIODS = table_of(Member), table_of(Unit), table_of(Period)
_IDENTITIES = table_of(ChatIdentity)
# The models read whole by `member_context`, in the order of its columns.
_CONTEXT_MODELS: tuple[tuple[Any, Table], ...] = (
    (Member, _MEMBERS),
    (Unit, _UNITS),
    (Period, _PERIODS),
)


def _member_context_statement() -> Any:
    member, unit, period = _MEMBERS.c, _UNITS.c, _PERIODS.c
    current = (
        sa_select(period.id)
        .where(period.unit_id == member.unit_id, period.status != "final")
        .order_by(period.id.desc())
        .limit(1)
        .correlate(_MEMBERS)
        .scalar_subquery()
    )
    conversation, identity = _CONVERSATIONS.c, _IDENTITIES.c
    joined = (
        _IDENTITIES.join(_MEMBERS, member.id == identity.member_id)
        .join(_UNITS, unit.id == member.unit_id)
        .outerjoin(_PERIODS, period.id == current)
        .outerjoin(_CONVERSATIONS, conversation.member_id == member.id)
    )
    return (
        sa_select(
            *(column for _model, table in _CONTEXT_MODELS for column in table.c),
            conversation.id,
            conversation.period_id,
            # Its text: decoded only when not known already (`bot.conversation.state`).
            cast(conversation.state, Text),
            identity.id,
        )
        .select_from(joined)
        .where(
            identity.channel == bindparam("channel"),
            identity.external_id == bindparam("external_id"),
        )
    )


def _period_answers_statement() -> Any:
    answer, progress, checks = _ANSWERS.c, table_of(SectionProgress).c, table_of(ConfirmedCheck).c
    period_id: Any = bindparam("period_id")
    return union_all(
        # The value comes as its JSON text, decoded by `_decoded` (`answers_cache.decoded`).
        sa_select(
            literal("a"), answer.question_id, cast(answer.value, Text), answer.skipped
        ).where(answer.period_id == period_id),
        sa_select(literal("f"), progress.section_id, null(), progress.finished).where(
            progress.period_id == period_id, progress.finished.is_(True)
        ),
        sa_select(literal("c"), checks.check_key, null(), true()).where(
            checks.period_id == period_id
        ),
    )


_MEMBER_CONTEXT = Prepared(_member_context_statement(), typed=True)
_PERIOD_ANSWERS = Prepared(_period_answers_statement())
_ANSWER_FIELDS = ("value", "skipped", "author_id", "updated_at")
_INSERT_ANSWER = Prepared(insert(_ANSWERS), ("period_id", "question_id", *_ANSWER_FIELDS))
_UPDATE_ANSWER = Prepared(
    update(_ANSWERS).where(
        _ANSWERS.c.period_id == bindparam("where_period_id"),
        _ANSWERS.c.question_id == bindparam("where_question_id"),
    ),
    ("where_period_id", "where_question_id", *_ANSWER_FIELDS),
)
_INSERT_CHANGE = Prepared(
    insert(table_of(AnswerChange)),
    ("period_id", "question_id", "member_id", "old_value", "new_value", "changed_at", "source"),
)
_TAKE_WRITE_LOCK = update(_PERIODS).where(false()).values(status=_PERIODS.c.status)
_INSERT_CONVERSATION = insert(_CONVERSATIONS)


_ASSIGNMENTS = table_of(Assignment).c
_MEMBER_SECTIONS = Prepared(
    sa_select(_ASSIGNMENTS.section_id).where(
        _ASSIGNMENTS.period_id == bindparam("period_id"),
        _ASSIGNMENTS.member_id == bindparam("member_id"),
    )
)
_UPDATE_CONVERSATION = Prepared(
    update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("where_id")),
    ("where_id", "period_id", "state", "updated_at", "identity_id"),
)


@dataclass
class MemberContext:
    """The member behind a chat account, their unit, its current period and where they are."""

    member: Member
    unit: Unit
    period: Period | None
    conversation_id: int | None
    conversation_period_id: int | None
    # The conversation state as its stored JSON text (None without a conversation row):
    # decoded by whoever needs it, only when it is not known already.
    conversation_text: str | None
    # The chat account the event came from, kept with the conversation as the one used last.
    identity_id: int | None = None

    @property
    def conversation_state(self) -> dict[str, Any] | None:
        """The conversation state decoded, as the column's JSON type reads it."""
        return None if self.conversation_text is None else json.loads(self.conversation_text)


def member_context(session: Session, *, channel: str, external_id: str) -> MemberContext | None:
    """`member_by_identity`, `unit_of`, `current_period` and the conversation in one query.

    The member, unit and period come as the ORM would load them (in the session, changes
    to them flushed with it), but built straight from the row: the ORM's loading cost five
    times the query. A kept session (`Database.session(kept=True)`) keeps the instances it
    built, and a later transaction that finds one untouched since fills it with its own row
    instead of building another (`_Loader.instance`).
    """
    if session.autoflush:
        session.flush()  # what was added before is read back, as the ORM's query would
    params = {"channel": channel, "external_id": external_id}
    rows, convert = _MEMBER_CONTEXT.raw_rows(session, params)
    if not rows:
        return None
    row = rows[0]
    kept: dict[Any, _KeptInstance] | None = session.info.get(_KEPT)
    if kept is None or len(kept) > _MAX_KEPT:
        kept = session.info[_KEPT] = {}
    member, unit, period = (loader.instance(session, row, convert, kept) for loader in _loaders())
    if period is not None:
        answers_cache.note_revision(session, period_id=period.id, revision=row[_revision_index()])
    return MemberContext(member, unit, period, *row[_CONVERSATION_START:])


# Where `member_context` keeps its instances in a session's `Session.info`, and how many at
# most (past that it starts anew: a session serving that many members has memory to spare).
_KEPT = "bot.store.hot_path.kept"
_MAX_KEPT = 3000
# All of them go at a rollback, of a savepoint too: the kept reference would hold an instance
# the rollback undid in the identity map (a weak one otherwise), where a row given the same
# key later (an id the rollback freed) would clash with it.
dropped_at_rollback(_KEPT)
_CONVERSATION_START = sum(len(table.c) for _model, table in _CONTEXT_MODELS)


@cache
def _revision_index() -> int:
    """Where the period's revision is in `member_context`'s row."""
    start = len(_MEMBERS.c) + len(_UNITS.c)
    return start + list(_PERIODS.c).index(_PERIODS.c.revision)


@dataclass(slots=True)
class _KeptInstance:
    """An instance `member_context` built, with the row's values it was last given, as read
    and as converted."""

    instance: Any
    raw: Sequence[Any]
    values: Sequence[Any]


@dataclass(frozen=True)
class _Loader:
    """A model read whole by `member_context`: its mapper, the attribute of each column of
    its table in the table's order (the primary key first), where those columns are in the
    row, and which of them hold mutable values (JSON)."""

    mapper: Any
    names: tuple[str, ...]
    start: int
    stop: int
    mutable: tuple[int, ...]

    def instance(
        self, session: Session, row: Sequence[Any], convert: bool, kept: dict[Any, _KeptInstance]
    ) -> Any:
        """The row's instance of the model in the session: the one it holds already, else
        one kept from an earlier transaction and untouched since (its values replaced by
        the row's), else a new one. None for a row an outer join left empty."""
        raw = row[self.start : self.stop]
        if raw[0] is None:
            return None
        mapper = self.mapper
        key = mapper.identity_key_from_primary_key((raw[0],))
        found = session.identity_map.get(key)
        if found is not None:
            return found
        entry = kept.get(key)
        if entry is not None and entry.raw == raw:
            values = entry.values
        else:
            values = _MEMBER_CONTEXT.converted(row, self.start, self.stop) if convert else raw
        if entry is not None and self._untouched(entry.instance, key):
            instance = entry.instance
            entry.raw, entry.values = raw, values
        else:
            # What the ORM's loading does for a row not in the session (orm/loading.py,
            # `_instance`): `session.add` would cost three times as much, walking cascades.
            instance = mapper.class_manager.new_instance()
            kept[key] = _KeptInstance(instance, raw, values)
        fields = instance.__dict__
        fields.update(zip(self.names, values, strict=True))
        for index in self.mutable:
            if values[index] is not None:  # the kept value stays as read
                fields[self.names[index]] = copy.deepcopy(values[index])
        state = instance_state(instance)
        state.key = key
        state.session_id = session.hash_key
        session.identity_map._add_unpresent(state, key)
        return instance

    def _untouched(self, instance: Any, key: Any) -> bool:
        """Whether a kept instance is as this module left it, out of any session: no change
        pending, nothing expired (a rollback expires what it undid), not deleted, and
        nothing but its columns loaded."""
        state = instance_state(instance)
        return (
            state.session_id is None
            and state.key == key
            and not state.modified
            and not state.expired_attributes
            and not state.expired
            and not state.was_deleted
            and len(instance.__dict__) == len(self.names) + 1  # and its `_sa_instance_state`
        )


@cache
def _loaders() -> tuple[_Loader, ...]:
    # The ORM sets its models' attributes up at its first query or flush; the instances
    # built here come first in a new process that reads a known member before anything
    # else (the terminal chat run again), and need them set up.
    configure_mappers()
    loaders = []
    start = 0
    for model, table in _CONTEXT_MODELS:
        assert list(table.primary_key.columns) == [table.c[0]]
        mapper = sa_inspect(model)
        names = tuple(mapper.get_property_by_column(column).key for column in table.c)
        mutable = tuple(i for i, column in enumerate(table.c) if isinstance(column.type, JSON))
        loaders.append(_Loader(mapper, names, start, start + len(names), mutable))
        start += len(names)
    return tuple(loaders)


def lock_period(session: Session, *, period_id: int) -> int | None:
    """Makes the events of one period wait for each other until their transactions end.

    An event reads the period's answers and writes some back whole (a table answer holds
    every row): two events reading at once would each write back the other's row as it was,
    and one row would be lost. On PostgreSQL the period row is locked `FOR NO KEY UPDATE`
    (rows referring to the period can still be inserted meanwhile, though its answers wait:
    the trigger counting them updates the period's revision) and the period re-read, so a
    status changed while this event waited is seen; its revision is returned (None on
    other dialects). SQLite has one writer at a time,
    but Python's driver runs the reads before a transaction's first write outside it: a
    write statement now (one that changes no row is enough) takes the write lock, waiting
    for another writer to commit, before the answers are read. After `claim_event`, the
    event's first write, it holds that lock already: the driver opens a transaction only
    before a write statement, so an open one means the lock is held, and no statement is
    needed.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        period = session.get(
            Period, period_id, with_for_update={"key_share": True}, populate_existing=True
        )
        return None if period is None else period.revision
    connection, driver = connection_of(session)
    if driver is not None and driver.in_transaction:
        return None
    connection.execute(_TAKE_WRITE_LOCK)
    return None


def member_sections(session: Session, *, period_id: int, member_id: int) -> set[str]:
    """The top sections assigned to a member in a period (an assignment made in this
    transaction and not yet flushed included, as the ORM's query would find it)."""
    session.flush()
    rows = _MEMBER_SECTIONS.rows(session, {"period_id": period_id, "member_id": member_id})
    return {row[0] for row in rows}


def period_answers(session: Session, *, period_id: int) -> PeriodAnswers:
    """`answer_values`, `finished_sections` and `confirmed_checks` in one query.

    The period is locked first (`lock_period`): what an event writes back, such as a
    whole table with one row changed, is built from what is read here.
    """
    revision = lock_period(session, period_id=period_id)
    if revision is None:
        revision = answers_cache.revision_of(session, period_id=period_id)
    kept = answers_cache.cached(session, period_id=period_id, revision=revision)
    if kept is not None:
        return kept
    found = PeriodAnswers({}, set(), set(), set())
    rows = _PERIOD_ANSWERS.rows(session, {"period_id": period_id})
    for kind, key, text, flag in rows:
        if kind == "a":
            found.stored.add(key)
            if flag:
                found.skipped.add(key)
            else:
                found.values[key] = None if text is None else _decoded(text)
        elif kind == "f":
            found.finished.add(key)
        else:
            found.confirmed.add(key)
    answers_cache.remember(session, period_id=period_id, revision=revision, answers=found)
    return found


def write_answer(
    session: Session,
    *,
    period_id: int,
    question_id: str,
    value: Any,
    member_id: int | None,
    skipped: bool,
    exists: bool,
    old: Any,
    source: str | None = None,
) -> None:
    """The one writer of an answer and its audit trail entry (a new answer, or a changed value).

    `exists` and `old` are the stored row as the caller read it in this transaction (the
    turn from `period_answers`, `queries.save_answer` by looking it up).
    """
    changed_at = now()
    serialized = Serialized(value)  # its text made once, for the answer and the change
    fields = {
        "value": serialized,
        "skipped": skipped,
        "author_id": member_id,
        "updated_at": changed_at,
    }
    if exists:
        where = {"where_period_id": period_id, "where_question_id": question_id}
        written = _UPDATE_ANSWER.execute(session, {**where, **fields})
    else:
        written = _INSERT_ANSWER.execute(
            session, {"period_id": period_id, "question_id": question_id, **fields}
        )
    answers_cache.wrote(
        session,
        period_id=period_id,
        question_id=question_id,
        value=value,
        skipped=skipped,
        rows=written,
        text=serialized.text,
    )
    if old != value or not exists:
        change = {
            "period_id": period_id,
            "question_id": question_id,
            "member_id": member_id,
            "old_value": old,
            "new_value": serialized,
            "changed_at": changed_at,
            "source": source,
        }
        _INSERT_CHANGE.execute(session, change)


def write_conversation(
    session: Session,
    *,
    conversation_id: int | None,
    member_id: int,
    period_id: int | None,
    state: str,
    identity_id: int | None,
) -> None:
    """The member's conversation state (its JSON text) written by id, creating the row when
    there is none yet.

    `identity_id`, the chat the event came from, rides along: the chat used last costs no
    statement of its own.
    """
    fields: dict[str, Any] = {
        "period_id": period_id,
        "updated_at": now(),
        "identity_id": identity_id,
    }
    if conversation_id is not None and connection_of(session)[1] is not None:
        # SQLite's cursor binds the text as it is: no decoding and encoding it again.
        bound = Serialized(None)
        bound.text = state
        _UPDATE_CONVERSATION.execute(
            session, {"where_id": conversation_id, "state": bound, **fields}
        )
        return
    fields["state"] = json.loads(state)  # SQLAlchemy's JSON type encodes it
    if conversation_id is None:
        session.connection().execute(_INSERT_CONVERSATION, {"member_id": member_id, **fields})
    else:
        _UPDATE_CONVERSATION.execute(session, {"where_id": conversation_id, **fields})

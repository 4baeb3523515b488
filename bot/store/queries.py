"""Data functions over the tables: keyword-only, each taking the caller's session."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Table,
    Text,
    bindparam,
    cast,
    delete,
    false,
    insert,
    literal,
    null,
    true,
    union_all,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from bot.core.clock import now
from bot.questionnaire.answers import clean_name
from bot.texts import t
from models import (
    Answer,
    AnswerChange,
    Assignment,
    ChatIdentity,
    ConfirmedCheck,
    Conversation,
    Member,
    Period,
    ProcessedEvent,
    SectionProgress,
    Unit,
)


def member_by_identity(session: Session, *, channel: str, external_id: str) -> Member | None:
    """The member behind a chat account, if any."""
    statement = (
        select(Member)
        .join(ChatIdentity, col(ChatIdentity.member_id) == col(Member.id))
        .where(ChatIdentity.channel == channel, ChatIdentity.external_id == external_id)
    )
    return session.exec(statement).first()


def create_unit(session: Session, **fields: Any) -> Unit:
    """A new unit."""
    unit = Unit(**fields)
    session.add(unit)
    session.flush()
    return unit


def add_member(
    session: Session,
    *,
    unit: Unit,
    display_name: str,
    role: str,
    channel: str | None = None,
    external_id: str | None = None,
) -> Member:
    """A new member of a unit, linked to a chat account when one is given; the name is
    kept without controls or invisible characters (it reaches the report)."""
    name = clean_name(display_name) or t("member_name.unnamed")
    member = Member(unit_id=unit.id, display_name=name, role=role)  # type: ignore[arg-type]
    session.add(member)
    session.flush()
    if channel and external_id:
        session.add(
            ChatIdentity(member_id=member.id, channel=channel, external_id=external_id)  # type: ignore[arg-type]
        )
        session.flush()
    return member


def open_period(
    session: Session,
    *,
    unit: Unit,
    template_id: str,
    template_version: int,
    year: str,
    report_date: date | None = None,
    deadline: date | None = None,
    term: int | None = None,
) -> Period:
    """A new open reporting period."""
    period = Period(
        unit_id=unit.id,  # type: ignore[arg-type]
        template_id=template_id,
        template_version=template_version,
        year=year,
        term=term,
        report_date=report_date,
        deadline=deadline,
    )
    session.add(period)
    session.flush()
    return period


def current_period(session: Session, *, unit_id: int) -> Period | None:
    """The unit's most recent period that is not final."""
    statement = (
        select(Period)
        .where(Period.unit_id == unit_id, Period.status != "final")
        .order_by(col(Period.id).desc())
    )
    return session.exec(statement).first()


def answers_of(session: Session, *, period_id: int) -> dict[str, Answer]:
    """Every stored answer of a period by question id."""
    rows = session.exec(select(Answer).where(Answer.period_id == period_id)).all()
    return {row.question_id: row for row in rows}


def answer_values(session: Session, *, period_id: int) -> tuple[dict[str, Any], set[str]]:
    """The stored values of a period by question id, and the ids skipped on purpose.

    Reads plain columns rather than ORM objects: every event needs this, and building
    an `Answer` per row was most of the engine's cost per message.
    """
    rows = session.exec(
        select(Answer.question_id, Answer.value, Answer.skipped).where(
            Answer.period_id == period_id
        )
    ).all()
    values = {question_id: value for question_id, value, skipped in rows if not skipped}
    return values, {question_id for question_id, _, skipped in rows if skipped}


def save_answer(
    session: Session,
    *,
    period_id: int,
    question_id: str,
    value: Any,
    member_id: int | None,
    skipped: bool = False,
    source: str | None = None,
) -> Answer:
    """Stores an answer and records the change in the audit trail (with its `source` when
    it was not typed in chat)."""
    existing = session.exec(
        select(Answer).where(Answer.period_id == period_id, Answer.question_id == question_id)
    ).first()
    old = existing.value if existing else None
    if existing is None:
        existing = Answer(period_id=period_id, question_id=question_id)
    existing.value = value
    existing.skipped = skipped
    existing.author_id = member_id
    existing.updated_at = now()
    session.add(existing)
    if old != value or existing.id is None:
        session.add(
            AnswerChange(
                period_id=period_id,
                question_id=question_id,
                member_id=member_id,
                old_value=old,
                new_value=value,
                source=source,
            )
        )
    session.flush()
    return existing


def conversation_of(session: Session, *, member_id: int) -> Conversation:
    """The member's conversation, created empty on first use."""
    found = session.exec(select(Conversation).where(Conversation.member_id == member_id)).first()
    if found is None:
        found = Conversation(member_id=member_id, state={})
        session.add(found)
        session.flush()
    return found


def save_conversation(
    session: Session, *, conversation: Conversation, period_id: int | None, state: dict[str, Any]
) -> None:
    """Stores where the member is."""
    conversation.period_id = period_id
    conversation.state = state
    conversation.updated_at = now()
    session.add(conversation)


def finished_sections(session: Session, *, period_id: int) -> set[str]:
    """The ids of the top sections marked finished."""
    rows = session.exec(
        select(SectionProgress).where(
            SectionProgress.period_id == period_id, col(SectionProgress.finished).is_(True)
        )
    ).all()
    return {row.section_id for row in rows}


def set_section_finished(
    session: Session, *, period_id: int, section_id: str, member_id: int | None, finished: bool
) -> None:
    """Marks a top section finished (or reopened)."""
    row = session.exec(
        select(SectionProgress).where(
            SectionProgress.period_id == period_id, SectionProgress.section_id == section_id
        )
    ).first()
    if row is None:
        row = SectionProgress(period_id=period_id, section_id=section_id)
    row.finished = finished
    row.finished_by = member_id if finished else None
    row.finished_at = now() if finished else None
    session.add(row)


def confirmed_checks(session: Session, *, period_id: int) -> set[str]:
    """Keys of the failed checks someone chose to keep."""
    rows = session.exec(select(ConfirmedCheck).where(ConfirmedCheck.period_id == period_id))
    return {row.check_key for row in rows.all()}


def confirm_checks(
    session: Session, *, period_id: int, keys: list[str], member_id: int | None
) -> None:
    """Records failed checks as kept on purpose."""
    known = confirmed_checks(session, period_id=period_id)
    for key in keys:
        if key not in known:
            session.add(ConfirmedCheck(period_id=period_id, check_key=key, member_id=member_id))
    session.flush()


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
        claimed = session.connection().execute(statement, params).scalar()
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


# -- one event's reads and writes, in few statements built once -----------------------------
#
# Every event reads the member with their unit, period and conversation, then the period's
# answers, and writes an answer and the conversation: the statements are built once here
# (building and keying a statement cost as much as running it on SQLite), and the writes go
# straight to the tables, without the ORM's unit of work.


def _table(model: type[SQLModel]) -> Table:
    """The table behind a model."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


_EVENTS = _table(ProcessedEvent)


def _claim_event_statement(insert_of: Any) -> Any:
    """The event's row, inserted, or renewed when its id was handled before the window."""
    statement = insert_of(_EVENTS)
    return statement.on_conflict_do_update(
        index_elements=["channel", "event_id"],
        set_={"processed_at": statement.excluded.processed_at},
        where=_EVENTS.c.processed_at < bindparam("handled_since"),
    ).returning(_EVENTS.c.id)


_CLAIM_EVENT = {
    "sqlite": _claim_event_statement(sqlite_insert),
    "postgresql": _claim_event_statement(postgresql_insert),
}
_ANSWERS = _table(Answer)
_CONVERSATIONS = _table(Conversation)


def _member_context_statement() -> Any:
    current = (
        sa_select(col(Period.id))
        .where(col(Period.unit_id) == col(Member.unit_id), col(Period.status) != "final")
        .order_by(col(Period.id).desc())
        .limit(1)
        .correlate(_table(Member))
        .scalar_subquery()
    )
    conversation = _CONVERSATIONS.c
    return (
        sa_select(
            Member, Unit, Period, conversation.id, conversation.period_id, conversation.state
        )
        .join(ChatIdentity, col(ChatIdentity.member_id) == col(Member.id))
        .join(Unit, col(Unit.id) == col(Member.unit_id))
        .outerjoin(Period, col(Period.id) == current)
        .outerjoin(_CONVERSATIONS, conversation.member_id == col(Member.id))
        .where(
            col(ChatIdentity.channel) == bindparam("channel"),
            col(ChatIdentity.external_id) == bindparam("external_id"),
        )
    )


def _period_answers_statement() -> Any:
    answer, progress, checks = _ANSWERS.c, _table(SectionProgress).c, _table(ConfirmedCheck).c
    period_id: Any = bindparam("period_id")
    return union_all(
        # The value comes as its JSON text, decoded by `_decoded` (see there).
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


_MEMBER_CONTEXT = _member_context_statement()
_PERIOD_ANSWERS = _period_answers_statement()
_INSERT_ANSWER = insert(_ANSWERS)
_UPDATE_ANSWER = update(_ANSWERS).where(
    _ANSWERS.c.period_id == bindparam("where_period_id"),
    _ANSWERS.c.question_id == bindparam("where_question_id"),
)
_INSERT_CHANGE = insert(_table(AnswerChange))
_PERIODS = _table(Period)
_TAKE_WRITE_LOCK = update(_PERIODS).where(false()).values(status=_PERIODS.c.status)
_INSERT_CONVERSATION = insert(_CONVERSATIONS)
_UPDATE_CONVERSATION = update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("where_id"))


@dataclass
class MemberContext:
    """The member behind a chat account, their unit, its current period and where they are."""

    member: Member
    unit: Unit
    period: Period | None
    conversation_id: int | None
    conversation_period_id: int | None
    conversation_state: dict[str, Any] | None


def member_context(session: Session, *, channel: str, external_id: str) -> MemberContext | None:
    """`member_by_identity`, `unit_of`, `current_period` and the conversation in one query."""
    params = {"channel": channel, "external_id": external_id}
    row = session.execute(_MEMBER_CONTEXT, params).first()
    if row is None:
        return None
    member, unit, period, conversation_id, conversation_period_id, state = row
    return MemberContext(member, unit, period, conversation_id, conversation_period_id, state)


@dataclass
class PeriodAnswers:
    """What an event needs of a period: values, skipped ids, finished sections, kept checks."""

    values: dict[str, Any]
    skipped: set[str]
    finished: set[str]
    confirmed: set[str]
    # Question ids that have a stored row (answered or skipped).
    stored: set[str] = field(default_factory=set)


def lock_period(session: Session, *, period_id: int) -> None:
    """Makes the events of one period wait for each other until their transactions end.

    An event reads the period's answers and writes some back whole (a table answer holds
    every row): two events reading at once would each write back the other's row as it was,
    and one row would be lost. On PostgreSQL the period row is locked `FOR NO KEY UPDATE`
    (rows referring to the period can still be inserted meanwhile) and the period re-read,
    so a status changed while this event waited is seen. SQLite has one writer at a time,
    but Python's driver runs the reads before a transaction's first write outside it: a
    write statement now (one that changes no row is enough) takes the write lock, waiting
    for another writer to commit, before the answers are read. After `claim_event`, the
    event's first write, it holds that lock already and this costs nothing.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.get(Period, period_id, with_for_update={"key_share": True}, populate_existing=True)
    else:
        session.connection().execute(_TAKE_WRITE_LOCK)


@lru_cache(maxsize=16384)
def _decoded(text: str) -> Any:
    """A stored answer's JSON text as a value, remembered.

    Every event reads all its period's answers again, and most of them have not changed
    since the last event: decoding each text once saves that work, and gives an unchanged
    answer the very same object, which the evaluation cache then recognises at once.
    Answer values are never changed in place, only replaced, so sharing them is safe.
    """
    return json.loads(text)


def period_answers(session: Session, *, period_id: int) -> PeriodAnswers:
    """`answer_values`, `finished_sections` and `confirmed_checks` in one query.

    The period is locked first (`lock_period`): what an event writes back, such as a
    whole table with one row changed, is built from what is read here.
    """
    lock_period(session, period_id=period_id)
    found = PeriodAnswers({}, set(), set(), set())
    rows = session.connection().execute(_PERIOD_ANSWERS, {"period_id": period_id})
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
    """`save_answer` for a caller that read the stored row in this transaction.

    `exists` and `old` are that row as read (`period_answers`): no statement to look it up.
    """
    connection = session.connection()
    changed_at = now()
    fields = {"value": value, "skipped": skipped, "author_id": member_id, "updated_at": changed_at}
    if exists:
        where = {"where_period_id": period_id, "where_question_id": question_id}
        connection.execute(_UPDATE_ANSWER, {**where, **fields})
    else:
        connection.execute(
            _INSERT_ANSWER, {"period_id": period_id, "question_id": question_id, **fields}
        )
    if old != value or not exists:
        change = {
            "period_id": period_id,
            "question_id": question_id,
            "member_id": member_id,
            "old_value": old,
            "new_value": value,
            "changed_at": changed_at,
            "source": source,
        }
        connection.execute(_INSERT_CHANGE, change)


def write_conversation(
    session: Session,
    *,
    conversation_id: int | None,
    member_id: int,
    period_id: int | None,
    state: dict[str, Any],
) -> None:
    """`save_conversation` by id, creating the row when the member has none yet."""
    fields = {"period_id": period_id, "state": state, "updated_at": now()}
    connection = session.connection()
    if conversation_id is None:
        connection.execute(_INSERT_CONVERSATION, {"member_id": member_id, **fields})
    else:
        connection.execute(_UPDATE_CONVERSATION, {"where_id": conversation_id, **fields})


def unit_of(session: Session, *, member: Member) -> Unit:
    """The member's unit."""
    unit = session.get(Unit, member.unit_id)
    assert unit is not None  # a foreign key guarantees it
    return unit


# -- units, members and assignments (the director's workflow) -----------------------------


def unit_by_id(session: Session, *, unit_id: int) -> Unit | None:
    """A unit by id."""
    return session.get(Unit, unit_id)


def period_by_id(session: Session, *, period_id: int) -> Period | None:
    """A period by id."""
    return session.get(Period, period_id)


def member_by_id(session: Session, *, member_id: int) -> Member | None:
    """A member by id."""
    return session.get(Member, member_id)


def unlink_identity(session: Session, *, channel: str, external_id: str) -> None:
    """Detaches a chat account from its member (the member and their answers stay)."""
    identity = session.exec(
        select(ChatIdentity).where(
            ChatIdentity.channel == channel, ChatIdentity.external_id == external_id
        )
    ).first()
    if identity is not None:
        session.delete(identity)
        session.flush()


def members_of(session: Session, *, unit_id: int) -> list[Member]:
    """The unit's active members, director first."""
    order = {"director": 0, "deputy": 1, "staff": 2}
    rows = session.exec(
        select(Member).where(Member.unit_id == unit_id, col(Member.active).is_(True))
    ).all()
    return sorted(rows, key=lambda m: (order.get(m.role, 3), m.id or 0))


def identities_of(session: Session, *, member_ids: list[int]) -> dict[int, list[ChatIdentity]]:
    """The chat accounts of members, by member id."""
    found: dict[int, list[ChatIdentity]] = {}
    if not member_ids:
        return found
    rows = session.exec(
        select(ChatIdentity).where(col(ChatIdentity.member_id).in_(member_ids))
    ).all()
    for row in rows:
        found.setdefault(row.member_id, []).append(row)
    return found


def latest_period(session: Session, *, unit_id: int) -> Period | None:
    """The unit's newest period, final or not."""
    return session.exec(
        select(Period).where(Period.unit_id == unit_id).order_by(col(Period.id).desc())
    ).first()


def periods_of(session: Session, *, unit_id: int) -> list[Period]:
    """Every period of a unit, newest first."""
    return list(
        session.exec(
            select(Period).where(Period.unit_id == unit_id).order_by(col(Period.id).desc())
        ).all()
    )


def assignments_of(session: Session, *, period_id: int) -> list[Assignment]:
    """Every assignment of a period."""
    return list(session.exec(select(Assignment).where(Assignment.period_id == period_id)).all())


def section_progress(session: Session, *, period_id: int) -> dict[str, SectionProgress]:
    """The progress rows of a period by section id."""
    rows = session.exec(
        select(SectionProgress).where(SectionProgress.period_id == period_id)
    ).all()
    return {row.section_id: row for row in rows}


def answer_rows(session: Session, *, period_id: int) -> list[Answer]:
    """Every answer row of a period (with author and time)."""
    return list(session.exec(select(Answer).where(Answer.period_id == period_id)).all())

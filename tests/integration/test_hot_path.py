"""The hot path's statements, run straight on SQLite's cursor, write and read what the ORM
functions write and read, byte for byte; a driver error comes out as SQLAlchemy's."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from bot.core.clock import VIETNAM
from bot.store import hot_path, processed_events
from bot.store import queries as store
from bot.store.database import Database, table_of
from bot.store.prepared import Prepared
from models import (
    Answer,
    ChatIdentity,
    EventAttempt,
    Member,
    Period,
    ProcessedEvent,
    Role,
    Unit,
    require_id,
)
from tests.support.factories import open_unit

MOMENT = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=VIETNAM)
# A table answer with Vietnamese text, a decimal, a blank row and a nested list.
TABLE = {"thpt": {"so_hv": 591, "ty_le": 91.8}, "gdtx": None, "ghi_chu": ["Học kỳ I", "Đạt"]}


def _raw(database: Database, sql: str) -> list[tuple[Any, ...]]:
    """Rows as SQLite keeps them (text of dates and JSON included), read without SQLAlchemy."""
    connection = sqlite3.connect(database.url.removeprefix("sqlite:///"))
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def test_answers_and_their_changes_are_stored_as_the_orm_stores_them(database: Database) -> None:
    with time_machine.travel(MOMENT, tick=False), database.session() as session:
        opened = open_unit(session)
        period_id, member_id = require_id(opened.period), opened.director.id
        for question_id, value in (("q_orm", TABLE), ("q_orm", 7), ("q_orm_skip", None)):
            store.save_answer(
                session,
                period_id=period_id,
                question_id=question_id,
                value=value,
                member_id=member_id,
                skipped=value is None,
            )
        hot = [("q_hot", TABLE, False, None), ("q_hot", 7, True, TABLE)]
        for question_id, value, exists, old in [*hot, ("q_hot_skip", None, False, None)]:
            hot_path.write_answer(
                session,
                period_id=period_id,
                question_id=question_id,
                value=value,
                member_id=member_id,
                skipped=value is None,
                exists=exists,
                old=old,
            )
    columns = "value, typeof(value), skipped, author_id, updated_at"
    answers = {
        row[0]: row[1:]
        for row in _raw(database, f"SELECT question_id, {columns} FROM answer ORDER BY id")
    }
    assert answers["q_hot"] == answers["q_orm"]
    assert answers["q_hot_skip"] == answers["q_orm_skip"]
    assert answers["q_hot"][-1] == "2026-03-02 02:15:30.123456"  # UTC, as SQLAlchemy writes
    changes = "member_id, old_value, new_value, typeof(old_value), source, changed_at"
    trail = _raw(database, f"SELECT question_id, {changes} FROM answerchange ORDER BY id")
    assert [row[1:] for row in trail if row[0] == "q_hot"] == [
        row[1:] for row in trail if row[0] == "q_orm"
    ]
    with database.session() as session:
        read = hot_path.period_answers(session, period_id=period_id)
        values, skipped = store.answer_values(session, period_id=period_id)
    assert read.values == values
    assert read.values["q_hot"] == 7
    assert read.skipped == skipped == {"q_orm_skip", "q_hot_skip"}


def test_the_conversation_and_kept_replies_are_stored_as_the_orm_stores_them(
    database: Database,
) -> None:
    state = {"mode": "question", "section_id": "s1", "item": {"tên": "Lan"}, "step": 4}
    replies = [{"text": "✅ Đã lưu: 591", "buttons": [[["4:skip", "Bỏ qua", None]]]}]
    with time_machine.travel(MOMENT, tick=False), database.session() as session:
        opened = open_unit(session)
        other = opened.member(session, "Trần Văn Minh")
        period_id = opened.period.id
        by_orm = store.conversation_of(session, member_id=require_id(opened.director))
        by_orm.state, by_orm.period_id = state, period_id
        by_orm.updated_at = MOMENT
        session.add(by_orm)
        session.add(ProcessedEvent(channel="telegram", event_id="1", replies=replies))
        session.flush()
        mine = store.conversation_of(session, member_id=require_id(other))
        hot_path.write_conversation(
            session,
            conversation_id=mine.id,
            member_id=require_id(other),
            period_id=period_id,
            state=json.dumps(state),  # the text, bound as it is: the ORM's own here
            identity_id=None,
        )
        processed_events.keep_replies(session, channel="telegram", event_id="2", replies=replies)
    kept = _raw(
        database, "SELECT period_id, state, updated_at, identity_id FROM conversation ORDER BY id"
    )
    assert kept[0] == kept[1]
    events = _raw(database, "SELECT replies, processed_at FROM processedevent ORDER BY id")
    assert events[0] == events[1]
    with database.session() as session:
        rows = session.exec(select(ProcessedEvent).order_by(ProcessedEvent.event_id)).all()
        assert [row.replies for row in rows] == [replies, replies]


def test_a_claim_on_a_read_only_database_fails_as_sqlalchemy_fails(database: Database) -> None:
    path = database.url.removeprefix("sqlite:///")
    read_only = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with (
            pytest.raises(OperationalError, match="readonly database"),
            read_only.session() as session,
        ):
            processed_events.claim_event(session, channel="telegram", event_id="1")
    finally:
        read_only.dispose()


def test_a_statement_leaving_a_column_to_its_default_is_refused(database: Database) -> None:
    # `skipped` defaults to False on the Python side: SQLAlchemy would fill it in.
    partial = Prepared(insert(table_of(Answer)), ("period_id", "question_id", "value"))
    with database.session() as session:
        period_id = open_unit(session).period.id
        with pytest.raises(ValueError, match="no default"):
            partial.execute(session, {"period_id": period_id, "question_id": "q", "value": 2})


def _columns(row: Any) -> dict[str, Any]:
    return {column: getattr(row, column) for column in type(row).model_fields}


@pytest.mark.dialect  # SQLite's cursor, and SQLAlchemy's rows on PostgreSQL
def test_the_member_context_holds_what_the_orm_loads_and_its_rows_stay_in_the_session(
    database: Database,
) -> None:
    state = {"mode": "question", "section_id": "s1", "step": 4}
    with time_machine.travel(MOMENT, tick=False), database.session() as session:
        opened = open_unit(
            session,
            channel="telegram",
            external_id="42",
            recipients=["Sở GD&ĐT", "Lưu: VT"],
            deadline=date(2026, 5, 31),
            term=2,
        )
        opened.period.finalized_at = MOMENT
        member_id, period_id = require_id(opened.director), require_id(opened.period)
        conversation = store.conversation_of(session, member_id=member_id)
        conversation.state, conversation.period_id = state, period_id
        session.add(conversation)
    with database.session() as session:
        context = hot_path.member_context(session, channel="telegram", external_id="42")
        assert context is not None
        with database.session() as other:
            orm = (
                other.get(Member, member_id),
                other.get(Unit, context.unit.id),
                other.get(Period, period_id),
            )
            assert [_columns(row) for row in (context.member, context.unit, context.period)] == [
                _columns(row) for row in orm
            ]
        assert context.member.role is Role.DIRECTOR
        assert context.period is not None and context.period.deadline == date(2026, 5, 31)
        assert context.conversation_state == state
        assert context.conversation_period_id == period_id
        for row in (context.member, context.unit, context.period):
            assert sa_inspect(row).persistent and row in session
        assert not session.dirty
        # The session's own instances: what the ORM reads next is the same object...
        assert session.get(Period, period_id) is context.period
        again = hot_path.member_context(session, channel="telegram", external_id="42")
        assert again is not None and again.period is context.period
        # ...and a change to it is written with the transaction.
        context.period.status = "closed"
        context.member.display_name = "Nguyễn Thị Lan Anh"
    with database.session() as session:
        period = session.get(Period, period_id)
        member = session.get(Member, member_id)
        assert period is not None and period.status == "closed"
        assert member is not None and member.display_name == "Nguyễn Thị Lan Anh"


@pytest.mark.dialect
def test_the_member_context_sees_what_the_transaction_added_before(database: Database) -> None:
    with database.session() as session:
        opened = open_unit(session)
        assert hot_path.member_context(session, channel="telegram", external_id="7") is None
        session.add(
            ChatIdentity(
                member_id=require_id(opened.director), channel="telegram", external_id="7"
            )
        )
        context = hot_path.member_context(session, channel="telegram", external_id="7")
        assert context is not None and context.member is opened.director
        assert context.conversation_id is None and context.period is opened.period


def test_dates_on_the_whole_second_are_stored_as_the_orm_stores_them(database: Database) -> None:
    whole = MOMENT.replace(microsecond=0)
    with time_machine.travel(whole, tick=False), database.session() as session:
        opened = open_unit(session)
        period_id = require_id(opened.period)
        store.save_answer(
            session, period_id=period_id, question_id="q_orm", value=1, member_id=None
        )
        hot_path.write_answer(
            session,
            period_id=period_id,
            question_id="q_hot",
            value=1,
            member_id=None,
            skipped=False,
            exists=False,
            old=None,
        )
    stored = dict(_raw(database, "SELECT question_id, updated_at FROM answer"))
    assert stored["q_hot"] == stored["q_orm"] == "2026-03-02 02:15:30.000000"


def test_a_naive_datetime_is_refused_by_a_hot_statement(database: Database) -> None:
    statement = Prepared(
        insert(table_of(EventAttempt)), ("channel", "event_id", "attempts", "updated_at")
    )
    with database.session() as session, pytest.raises(ValueError, match="naive"):
        statement.execute(
            session,
            {
                "channel": "telegram",
                "event_id": "1",
                "attempts": 0,
                "updated_at": MOMENT.replace(tzinfo=None),
            },
        )


def test_each_moment_bound_is_written_as_its_own_time(database: Database) -> None:
    with database.session() as session:
        opened = open_unit(session)
        period_id = require_id(opened.period)
        for question_id, second in (("q1", 1), ("q2", 2)):
            with time_machine.travel(MOMENT.replace(second=second), tick=False):
                hot_path.write_answer(
                    session,
                    period_id=period_id,
                    question_id=question_id,
                    value=second,
                    member_id=None,
                    skipped=False,
                    exists=False,
                    old=None,
                )
    answers = _raw(database, "SELECT question_id, updated_at FROM answer ORDER BY id")
    changes = _raw(database, "SELECT question_id, changed_at FROM answerchange ORDER BY id")
    assert (
        answers
        == changes
        == [
            ("q1", "2026-03-02 02:15:01.123456"),
            ("q2", "2026-03-02 02:15:02.123456"),
        ]
    )

"""A thread's kept session (`Database.session(kept=True)`, the group-commit writer's) and
the connection the hot statements keep for a transaction: used again, they carry nothing
from one use to the next."""

from __future__ import annotations

import gc
import sqlite3
import threading

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlmodel import Session, select

from bot.store import hot_path, processed_events
from bot.store.database import Database
from bot.store.prepared import connection_of
from models import ChatIdentity, Unit, require_id
from tests.support.factories import open_unit

pytestmark = pytest.mark.dialect


def test_a_thread_gets_its_kept_session_again_empty_and_out_of_any_transaction(
    database: Database,
) -> None:
    with database.session(kept=True) as first:
        unit = open_unit(first).unit
        with database.session(kept=True) as nested:
            assert nested is not first  # in use: a nested call gets its own
    with pytest.raises(RuntimeError), database.session(kept=True) as again:
        assert again is first
        assert len(again.identity_map) == 0 and _idle(again)
        again.add(Unit(name="Trường THCS Lê Lợi", place="Quận 3"))
        again.flush()
        raise RuntimeError("the event failed")
    with database.session(kept=True) as third:
        assert third is first and len(third.identity_map) == 0
        names = third.exec(select(Unit.name)).all()
        assert names == [unit.name]  # the failed use's unit was rolled back
    others: list[Session] = []

    def elsewhere() -> None:
        with database.session(kept=True) as session:
            others.append(session)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert others and others[0] is not first


def test_on_sqlite_the_kept_session_keeps_its_connection_out_of_any_transaction(
    database: Database,
) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's connections are checked as they are taken from the pool")
    with database.session(kept=True) as session:
        open_unit(session)
        connection = session.connection()
    # Its driver holds no transaction, so no lock: another connection writes at once.
    assert not connection.closed and not connection.connection.dbapi_connection.in_transaction
    other = sqlite3.connect(database.url.removeprefix("sqlite:///"), timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE unit SET place = 'Quận 5'")
        other.execute("COMMIT")
    finally:
        other.close()
    with database.session(kept=True) as session:
        assert session.connection() is connection
        assert session.exec(select(Unit.place)).all() == ["Quận 5"]  # what was committed since
    database.dispose()  # closes it: the next batch takes another
    assert connection.closed
    with database.session(kept=True) as session:
        assert session.connection() is not connection
        assert session.exec(select(Unit.id)).all()


def test_a_rollback_in_a_later_use_brings_back_nothing_of_an_earlier_one(
    database: Database,
) -> None:
    with database.session(kept=True) as session:
        unit = Unit(name="Trường THCS Lê Lợi", place="Quận 3")
        session.add(unit)
    with database.session(kept=True) as session:
        gone = session.get(Unit, require_id(unit))
        session.delete(gone)
    with database.session(kept=True) as session:
        session.rollback()  # a failed event of a later batch
        assert gone not in session and len(session.identity_map) == 0
        assert sa_inspect(unit).detached  # not made transient, as a new object undone would be
        assert session.exec(select(Unit.id)).all() == []


def test_a_use_whose_flush_failed_is_not_committed(database: Database) -> None:
    with database.session() as session:
        director = open_unit(session).director
        identity = {"member_id": require_id(director), "channel": "t", "external_id": "1"}
        session.add(ChatIdentity(**identity))
    with pytest.raises(InvalidRequestError), database.session(kept=True) as session:
        session.add(Unit(name="Trường THCS Lê Lợi", place="Quận 3"))
        session.flush()
        session.add(ChatIdentity(**identity))
        with pytest.raises(IntegrityError):
            session.flush()  # caught by the caller, the transaction is broken all the same
    with database.session() as session:
        assert session.exec(select(Unit.name)).all() == ["Trung tâm GDNN-GDTX Quận 1"]


def test_a_hot_statement_after_a_failed_flush_is_refused_as_the_orm_refuses_it(
    database: Database,
) -> None:
    """The transaction is the same object, but broken: the connection kept for it must not
    be used (part of the flush may be written), as `Session.connection()` would not be."""
    with database.session() as session:
        director = open_unit(session).director
        identity = {"member_id": require_id(director), "channel": "t", "external_id": "1"}
        session.add(ChatIdentity(**identity))
    with pytest.raises(InvalidRequestError), database.session(kept=True) as session:
        assert processed_events.claim_event(session, channel="t", event_id="1")
        session.add(ChatIdentity(**identity))
        with pytest.raises(IntegrityError):
            session.flush()
        with pytest.raises(InvalidRequestError):
            processed_events.claim_event(session, channel="t", event_id="2")
    with database.session() as session:
        assert processed_events.claim_event(session, channel="t", event_id="2")


def test_a_thread_that_ends_gives_its_kept_connection_back(database: Database) -> None:
    def batch() -> None:
        with database.session(kept=True) as session:
            open_unit(session)

    thread = threading.Thread(target=batch)
    thread.start()
    thread.join()
    gc.collect()
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_the_hot_statements_follow_the_session_into_and_out_of_a_savepoint(
    database: Database,
) -> None:
    with database.session() as session:
        director = open_unit(session).director
        connection, _driver = connection_of(session)
        with pytest.raises(RuntimeError), session.begin_nested():
            # A hot statement first: the savepoint must be begun before it runs.
            assert processed_events.claim_event(session, channel="t", event_id="1")
            session.add(ChatIdentity(member_id=require_id(director), channel="t", external_id="9"))
            assert hot_path.member_context(session, channel="t", external_id="9") is not None
            raise RuntimeError("the event failed")
        assert hot_path.member_context(session, channel="t", external_id="9") is None
        assert processed_events.claim_event(session, channel="t", event_id="1")  # undone
        assert connection_of(session)[0] is connection
    assert connection.closed  # back in the pool with its transaction
    with database.session() as session:
        # A new transaction looks its own connection up, and sees what was committed.
        assert not connection_of(session)[0].closed
        assert not processed_events.claim_event(session, channel="t", event_id="1")


def _idle(session: Session) -> bool:
    """Whether the kept session holds no transaction: on SQLite its driver connection's (the
    session keeps its own ORM transaction open from one use to the next), else the session's."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        dbapi = bind.connection.dbapi_connection  # type: ignore[union-attr]
        return not dbapi.in_transaction  # type: ignore[union-attr]
    return not session.in_transaction()

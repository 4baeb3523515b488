"""The period's revision read with the member context (`hot_path.member_context`) saves
the event its own revision query, only while nothing can have moved it since."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.conversation.group_commit import begin
from bot.store import answers_cache, hot_path
from bot.store import queries as store
from bot.store.database import Database
from bot.store.prepared import connection_of
from models import require_id
from tests.support.factories import open_unit

pytestmark = pytest.mark.dialect

CHANNEL, USER = "telegram", "77"


@pytest.fixture
def period_id(database: Database) -> int:
    with database.session() as session:
        opened = open_unit(session, channel=CHANNEL, external_id=USER)
        period = require_id(opened.period)
        store.save_answer(session, period_id=period, question_id="q1", value=1, member_id=None)
    return period


def _revision(database: Database, period_id: int) -> int:
    with database.engine.connect() as connection:
        found = connection.execute(
            text("SELECT revision FROM period WHERE id = :id"), {"id": period_id}
        ).scalar_one()
    return int(found)


def _context(session: object, period_id: int) -> None:
    context = hot_path.member_context(session, channel=CHANNEL, external_id=USER)  # type: ignore[arg-type]
    assert context is not None and context.period is not None
    assert context.period.id == period_id


def test_the_event_reads_the_revision_with_the_member_and_not_again(
    database: Database, period_id: int
) -> None:
    statements: list[str] = []
    with database.session(kept=True) as session:
        begin(session)
        _context(session, period_id)
        _connection, driver = connection_of(session)
        if driver is not None:
            driver.set_trace_callback(statements.append)
        revision = answers_cache.revision_of(session, period_id=period_id)
        if driver is not None:
            driver.set_trace_callback(None)
    assert revision == _revision(database, period_id)
    if database.engine.dialect.name == "sqlite":
        assert not statements


def test_a_write_after_the_member_context_is_seen(database: Database, period_id: int) -> None:
    with database.session(kept=True) as session:
        begin(session)
        _context(session, period_id)
        before = answers_cache.revision_of(session, period_id=period_id)
        # A write the cache does not follow (the trigger moves the revision).
        store.set_section_finished(
            session, period_id=period_id, section_id="s1", member_id=None, finished=True
        )
        session.flush()
        after = answers_cache.revision_of(session, period_id=period_id)
        read = hot_path.period_answers(session, period_id=period_id)
    assert after == before + 1 == _revision(database, period_id)
    assert read.finished == {"s1"}


def test_a_revision_noted_in_an_earlier_transaction_is_read_again(
    database: Database, other_instance: Database, period_id: int
) -> None:
    with database.session(kept=True) as session:
        begin(session)
        _context(session, period_id)
        noted = answers_cache.revision_of(session, period_id=period_id)
    with other_instance.session() as session:
        store.save_answer(session, period_id=period_id, question_id="q1", value=2, member_id=None)
    with database.session(kept=True) as session:
        begin(session)
        revision = answers_cache.revision_of(session, period_id=period_id)
        read = hot_path.period_answers(session, period_id=period_id)
    assert revision == noted + 1 == _revision(database, period_id)
    assert read.values["q1"] == 2


def test_a_write_in_a_savepoint_after_the_member_context_is_seen(
    database: Database, period_id: int
) -> None:
    with database.session(kept=True) as session:
        begin(session)
        _context(session, period_id)
        before = answers_cache.revision_of(session, period_id=period_id)
        with session.begin_nested():
            store.save_answer(
                session, period_id=period_id, question_id="q1", value=3, member_id=None
            )
        revision = answers_cache.revision_of(session, period_id=period_id)
    assert revision == before + 1 == _revision(database, period_id)


def test_a_revision_read_before_the_write_lock_is_read_again(
    database: Database, other_instance: Database, period_id: int
) -> None:
    with database.session() as session:
        hot_path.period_answers(session, period_id=period_id)  # kept at this revision
    with database.session() as session:
        # No BEGIN IMMEDIATE, no write yet: SQLite's driver reads outside a transaction,
        # and another instance may write in between.
        _context(session, period_id)
        with other_instance.session() as elsewhere:
            store.save_answer(
                elsewhere, period_id=period_id, question_id="q1", value=4, member_id=None
            )
        read = hot_path.period_answers(session, period_id=period_id)
    assert read.values["q1"] == 4

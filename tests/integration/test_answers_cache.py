"""What an event reads of a period is kept between events only while nobody changed it:
another instance, another writer, a rolled-back event or a write the cache did not follow
makes the next event read the period again (models/revisions.py, bot/store/answers_cache.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from bot.store import hot_path
from bot.store import queries as store
from bot.store.answers_cache import PeriodAnswers
from bot.store.database import Database
from bot.store.prepared import connection_of
from models import require_id
from tests.support.factories import open_unit

pytestmark = pytest.mark.dialect


@pytest.fixture
def period_id(database: Database) -> int:
    """A period with two answers, read once (so kept) by `database`."""
    with database.session() as session:
        opened = open_unit(session)
        period = require_id(opened.period)
        for question, value in (("q1", 1), ("q2", {"a": [1, 2]})):
            store.save_answer(
                session, period_id=period, question_id=question, value=value, member_id=None
            )
    _read(database, period)
    return period


def _read(database: Database, period_id: int) -> PeriodAnswers:
    with database.session() as session:
        return hot_path.period_answers(session, period_id=period_id)


def _truth(database: Database, period_id: int) -> tuple[Any, ...]:
    """The period as the ORM reads it, in a session of its own."""
    with database.session() as session:
        values, skipped = store.answer_values(session, period_id=period_id)
        finished = store.finished_sections(session, period_id=period_id)
        confirmed = store.confirmed_checks(session, period_id=period_id)
    return values, skipped, finished, confirmed


def _as_read(answers: PeriodAnswers) -> tuple[Any, ...]:
    return answers.values, answers.skipped, answers.finished, answers.confirmed


def test_what_another_instance_changes_is_read_by_the_next_event(
    database: Database, other_instance: Database, period_id: int
) -> None:
    with other_instance.session() as session:
        store.save_answer(session, period_id=period_id, question_id="q1", value=7, member_id=None)
        store.set_section_finished(
            session, period_id=period_id, section_id="s1", member_id=None, finished=True
        )
        store.confirm_checks(session, period_id=period_id, keys=["k1"], member_id=None)
    read = _read(database, period_id)
    assert read.values["q1"] == 7 and read.finished == {"s1"} and read.confirmed == {"k1"}
    assert _as_read(read) == _truth(database, period_id)


def test_any_writer_moves_the_revision_plain_sql_and_deletes_too(
    database: Database, other_instance: Database, period_id: int
) -> None:
    with other_instance.engine.begin() as connection:
        connection.execute(
            text("UPDATE answer SET skipped = :yes WHERE period_id = :p AND question_id = 'q2'"),
            {"yes": True, "p": period_id},
        )
        connection.execute(
            text("DELETE FROM answer WHERE period_id = :p AND question_id = 'q1'"),
            {"p": period_id},
        )
    read = _read(database, period_id)
    assert read.values == {} and read.skipped == {"q2"} and read.stored == {"q2"}


def test_the_events_own_answer_is_kept_and_the_next_event_reads_no_answers(
    database: Database, period_id: int
) -> None:
    with database.session() as session:
        before = hot_path.period_answers(session, period_id=period_id)
        hot_path.write_answer(
            session,
            period_id=period_id,
            question_id="q3",
            value=[1, "hai"],
            member_id=None,
            skipped=False,
            exists=False,
            old=None,
        )
        hot_path.write_answer(
            session,
            period_id=period_id,
            question_id="q1",
            value=None,
            member_id=None,
            skipped=True,
            exists=True,
            old=before.values["q1"],
        )
    statements: list[str] = []
    with database.session() as session:
        _connection, driver = connection_of(session)
        if driver is not None:
            driver.set_trace_callback(statements.append)
        read = hot_path.period_answers(session, period_id=period_id)
        if driver is not None:
            driver.set_trace_callback(None)
    assert _as_read(read) == _truth(database, period_id)
    assert read.values["q3"] == [1, "hai"] and read.skipped == {"q1"}
    if database.engine.dialect.name == "sqlite":
        assert statements and not [s for s in statements if "FROM answer" in s]


def test_a_rolled_back_event_leaves_nothing_of_it_kept(database: Database, period_id: int) -> None:
    with database.session() as session:
        hot_path.period_answers(session, period_id=period_id)
        with pytest.raises(RuntimeError), session.begin_nested():
            hot_path.write_answer(
                session,
                period_id=period_id,
                question_id="q1",
                value=99,
                member_id=None,
                skipped=False,
                exists=True,
                old=1,
            )
            raise RuntimeError("the event failed")
        # Another event of the batch changes the period in a way the cache does not follow.
        store.set_section_finished(
            session, period_id=period_id, section_id="s2", member_id=None, finished=True
        )
    read = _read(database, period_id)
    assert read.values["q1"] == 1 and read.finished == {"s2"}
    assert _as_read(read) == _truth(database, period_id)


def test_a_write_not_followed_in_the_same_event_is_read_again_by_the_next(
    database: Database, period_id: int
) -> None:
    with database.session() as session:
        hot_path.period_answers(session, period_id=period_id)
        hot_path.write_answer(
            session,
            period_id=period_id,
            question_id="q1",
            value=2,
            member_id=None,
            skipped=False,
            exists=True,
            old=1,
        )
        store.confirm_checks(session, period_id=period_id, keys=["k9"], member_id=None)
        session.execute(text("DELETE FROM answer WHERE question_id = 'q2'"))
        # Left to the ORM's flush at commit: the check before the commit must see it.
        store.set_section_finished(
            session, period_id=period_id, section_id="s3", member_id=None, finished=True
        )
    read = _read(database, period_id)
    assert read.values == {"q1": 2} and read.confirmed == {"k9"} and read.finished == {"s3"}
    assert _as_read(read) == _truth(database, period_id)


def test_an_answer_written_over_a_row_gone_meanwhile_drops_what_was_kept(
    database: Database, period_id: int
) -> None:
    with database.session() as session:
        hot_path.period_answers(session, period_id=period_id)
        # One change the cache does not follow, and an update that changes no row: the
        # revision moved by one, as the cache expects, but not by the write it followed.
        session.execute(text("DELETE FROM answer WHERE question_id = 'q1'"))
        hot_path.write_answer(
            session,
            period_id=period_id,
            question_id="q1",
            value=4,
            member_id=None,
            skipped=False,
            exists=True,
            old=1,
        )
    read = _read(database, period_id)
    assert "q1" not in read.values and read.stored == {"q2"}


def test_a_failed_commit_shares_nothing(database: Database, period_id: int) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        hot_path.period_answers(session, period_id=period_id)
        hot_path.write_answer(
            session,
            period_id=period_id,
            question_id="q1",
            value=5,
            member_id=None,
            skipped=False,
            exists=True,
            old=1,
        )
        raise RuntimeError("the batch failed")
    assert _read(database, period_id).values["q1"] == 1


def test_every_migration_leaves_the_counting_triggers_in_place(
    database: Database, period_id: int
) -> None:
    with database.engine.begin() as connection:
        from models.revisions import drop_triggers

        drop_triggers(connection)
    database.migrate()  # at the newest revision already: only the triggers are made again
    with database.engine.begin() as connection:
        connection.execute(
            text("UPDATE answer SET value = '3' WHERE period_id = :p AND question_id = 'q1'"),
            {"p": period_id},
        )
    assert _read(database, period_id).values["q1"] == 3

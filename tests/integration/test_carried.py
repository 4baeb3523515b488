"""Last period's answers offered to a period are read once per process, and only what a
committed transaction read is kept: a period undone, or a database made anew, is read again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
import time_machine
from sqlalchemy import event
from sqlmodel import Session

from bot.core.clock import VIETNAM
from bot.questionnaire.loader import load_template
from bot.store import queries as store
from bot.store.database import Database
from bot.workflow import periods
from bot.workflow.carried import carried_of
from models import Period, require_id

pytestmark = pytest.mark.dialect

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=VIETNAM)


@contextmanager
def _reads(database: Database) -> Iterator[list[str]]:
    """The statements reading the carried answers while the block runs."""
    seen: list[str] = []

    def note(*args: Any) -> None:
        if "FROM carriedanswer" in args[2]:
            seen.append(args[2])

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", note)


def _second_period(session: Session, democracy: str) -> Period:
    """A unit's second period, offered last period's `democracy` answer (a `carry` one)."""
    template = load_template(KIND)
    unit = store.create_unit(session, name="Trung tâm GDNN-GDTX quận 3", place="Quận 3")
    first = periods.open_period(session, unit=unit, template=template, year="2024-2025")
    store.save_answer(
        session,
        period_id=require_id(first.period),
        question_id="democracy",
        value=democracy,
        member_id=None,
    )
    periods.finalize(session, period=first.period)
    second = periods.open_period(session, unit=unit, template=template, year="2025-2026")
    assert "democracy" in second.offered
    return second.period


def test_a_committed_periods_carried_answers_are_read_once(database: Database) -> None:
    with time_machine.travel(NOON, tick=False):
        with database.session() as session:
            period_id = require_id(_second_period(session, "Dân chủ cơ sở tốt."))
        with _reads(database) as reads:
            for _ in range(3):
                with database.session() as session:
                    period = session.get(Period, period_id)
                    assert period is not None
                    found = carried_of(session, period)
                    assert found == {"democracy": "Dân chủ cơ sở tốt."}
                    found["democracy"] = "changed by a caller"
    assert len(reads) == 1


def test_what_an_undone_transaction_read_is_not_kept(database: Database) -> None:
    # The same moment both times: only the rollback tells the two periods apart.
    with time_machine.travel(NOON, tick=False):
        with database.session() as session:
            undone = _second_period(session, "Bản nháp bị huỷ.")
            assert carried_of(session, undone) == {"democracy": "Bản nháp bị huỷ."}
            session.rollback()
        with database.session() as session:
            period = _second_period(session, "Dân chủ cơ sở tốt.")
        with _reads(database) as reads, database.session() as session:
            period = session.get(Period, require_id(period))
            assert period is not None
            assert carried_of(session, period) == {"democracy": "Dân chủ cơ sở tốt."}
    assert len(reads) == 1


def test_a_period_id_used_again_with_another_moment_is_read_anew(database: Database) -> None:
    with time_machine.travel(NOON, tick=False), database.session() as session:
        period = _second_period(session, "Năm trước.")
        assert carried_of(session, period) == {"democracy": "Năm trước."}
        period_id = require_id(period)
    # What a database restored or made anew may hold: the same id, opened at another moment,
    # offered nothing.
    with database.session() as session:
        session.connection().exec_driver_sql("DELETE FROM carriedanswer")
        period = session.get(Period, period_id)
        assert period is not None
        period.created_at = NOON.replace(minute=1)
        session.add(period)
    with database.session() as session:
        period = session.get(Period, period_id)
        assert period is not None
        assert carried_of(session, period) == {}

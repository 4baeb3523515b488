"""The menu's Core statements read and write what the ORM functions read and write, on
SQLite and PostgreSQL; a progress row the ORM loaded before a mark is not read stale."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from sqlmodel import select

from bot.core.clock import VIETNAM
from bot.store import menu_rows
from bot.store import queries as store
from bot.store.database import Database
from models import Period, SectionProgress, require_id
from tests.support.factories import open_unit

pytestmark = pytest.mark.dialect

MOMENT = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=VIETNAM)


def _rows(database: Database, period_id: int) -> dict[str, tuple[object, ...]]:
    with database.session() as session:
        found = session.exec(
            select(SectionProgress).where(SectionProgress.period_id == period_id)
        ).all()
        return {
            row.section_id: (
                row.finished,
                row.finished_by,
                row.finished_at,
                row.returned_comment,
                row.reopened,
            )
            for row in found
        }


def test_a_mark_writes_what_the_orm_writes(database: Database) -> None:
    with time_machine.travel(MOMENT, tick=False), database.session() as session:
        opened = open_unit(session)
        period_id, member_id = require_id(opened.period), opened.director.id
        for section_id, finished in (("orm", True), ("orm_again", True), ("orm_again", False)):
            store.set_section_finished(
                session,
                period_id=period_id,
                section_id=section_id,
                member_id=member_id,
                finished=finished,
            )
            session.flush()
        for section_id, finished in (("hot", True), ("hot_again", True), ("hot_again", False)):
            menu_rows.mark_section(
                session,
                period_id=period_id,
                section_id=section_id,
                member_id=member_id,
                finished=finished,
            )
    rows = _rows(database, period_id)
    assert rows["hot"] == rows["orm"] == (True, member_id, MOMENT, None, False)
    assert rows["hot_again"] == rows["orm_again"] == (False, None, None, None, False)


def test_a_mark_keeps_the_return_comment_and_loaded_rows_are_read_again(
    database: Database,
) -> None:
    with database.session() as session:
        opened = open_unit(session)
        period, member_id = opened.period, opened.director.id
        period_id = require_id(period)
        session.add(
            SectionProgress(period_id=period_id, section_id="general", returned_comment="Sửa số")
        )
        empty = SectionProgress(period_id=period_id, section_id="quality", returned_comment="")
        session.add(empty)
        session.flush()
        assert menu_rows.returned_sections(session, period_id=period_id) == {
            "general": (False, "Sửa số")
        }
        # The ORM holds the row now (as `periods.may_answer` loads it before a finish).
        loaded = store.section_progress(session, period_id=period_id)["general"]
        assert not loaded.finished
        menu_rows.mark_section(
            session, period_id=period_id, section_id="general", member_id=member_id, finished=True
        )
        assert store.section_progress(session, period_id=period_id)["general"].finished
        assert menu_rows.returned_sections(session, period_id=period_id) == {
            "general": (True, "Sửa số")
        }
        # An ORM change not yet flushed is written before the Core statement reads.
        loaded.finished = False
        assert menu_rows.returned_sections(session, period_id=period_id) == {
            "general": (False, "Sửa số")
        }


def test_open_reports_are_counted_without_the_final_ones(database: Database) -> None:
    with database.session() as session:
        opened = open_unit(session)
        unit_id = require_id(opened.unit)
        assert menu_rows.open_period_count(session, unit_id=unit_id) == 1
        for status in ("open", "closed", "final"):
            session.add(
                Period(unit_id=unit_id, template_id="mini-report", year="2026-2027", status=status)
            )
        session.flush()
        assert menu_rows.open_period_count(session, unit_id=unit_id) == 3
        assert menu_rows.open_period_count(session, unit_id=unit_id) == len(
            [p for p in store.periods_of(session, unit_id=unit_id) if p.status != "final"]
        )

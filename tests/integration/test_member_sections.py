"""A staff member's sections, read with the hot path's statement, are what the ORM holds in
the transaction: its own assignments only, unflushed changes included, on both databases."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.questionnaire.loader import load_template
from bot.store import queries as store
from bot.store.database import Database
from bot.workflow import periods
from models import Assignment, require_id

pytestmark = pytest.mark.dialect


def test_a_members_sections_follow_the_transactions_own_changes(database: Database) -> None:
    template = load_template("bao-cao-tong-ket-nam-hoc-gdnn-gdtx")
    first, second = (s.id for s in template.sections[:2])
    with database.session() as session:
        unit = store.create_unit(session, name="Trung tâm GDNN-GDTX quận 5", place="Quận 5")
        teacher, other = (
            store.add_member(
                session, unit=unit, display_name=name, role="staff", channel="t", external_id=name
            )
            for name in ("Hương", "Minh")
        )
        opened = periods.open_period(
            session, unit=unit, template=template, year="2025-2026"
        ).period
        period_id, teacher_id = require_id(opened), require_id(teacher)
        session.add(Assignment(period_id=period_id, section_id=second, member_id=teacher_id))
        session.add(Assignment(period_id=period_id, section_id=first, member_id=other.id))
        # Not flushed: the ORM's own query would find them, so must this one.
        mine = periods.sections_of(session, period=opened, template=template, member=teacher)
        assert mine == [second]
        row = session.exec(select(Assignment).where(Assignment.member_id == teacher_id)).one()
        session.delete(row)
        session.add(Assignment(period_id=period_id, section_id=first, member_id=teacher_id))
        mine = periods.sections_of(session, period=opened, template=template, member=teacher)
        assert mine == [first]

"""The one writer of answers (`hot_path.write_answer`, also behind `queries.save_answer`):
a new or changed value is stored with an entry in the audit trail, an unchanged one adds none."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.questionnaire.loader import load_template
from bot.store import queries as store
from bot.store.database import Database
from bot.workflow import periods
from models import Answer, AnswerChange, require_id
from tests.conftest import FIXTURE_TEMPLATES

pytestmark = pytest.mark.dialect


def test_save_answer_keeps_the_audit_trail_and_the_loaded_row_current(
    database: Database,
) -> None:
    template = load_template("mini-report", FIXTURE_TEMPLATES)
    with database.session() as session:
        unit = store.create_unit(session, name="Trường A", place="Quận 1")
        lan = store.add_member(
            session,
            unit=unit,
            display_name="Lan",
            role="director",
            channel="test",
            external_id="l",
        )
        period = periods.open_period(session, unit=unit, template=template, year="2025-2026")
        period_id = require_id(period.period)
        for value, source in ((12, None), (12, None), (15, "import"), (None, None)):
            store.save_answer(
                session,
                period_id=period_id,
                question_id="q",
                value=value,
                member_id=lan.id,
                skipped=value is None,
                source=source,
            )
        loaded = session.exec(select(Answer).where(Answer.question_id == "q")).one()
        assert (loaded.value, loaded.skipped) == (None, True)
        store.save_answer(session, period_id=period_id, question_id="q", value=7, member_id=None)
        assert (loaded.value, loaded.skipped, loaded.author_id) == (7, False, None)
        changes = session.exec(select(AnswerChange).order_by(AnswerChange.id)).all()
    assert [(c.old_value, c.new_value, c.source, c.member_id) for c in changes] == [
        (None, 12, None, lan.id),
        (12, 15, "import", lan.id),
        (15, None, None, lan.id),
        (None, 7, None, None),
    ]

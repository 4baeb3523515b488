"""What the member's menu reads and a finished section writes, in Core SQL built once.

The menu is shown after every finished section: loading the unit's periods and the period's
progress rows as ORM objects, and marking the section through the ORM's unit of work, cost
several times what SQLite takes to run the statements (see `bot.store.prepared`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, null
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from bot.core.clock import now
from bot.store.database import table_of
from bot.store.prepared import Prepared
from models import Period, SectionProgress

_PERIODS = table_of(Period)
_PROGRESS = table_of(SectionProgress)


def open_period_count(session: Session, *, unit_id: int) -> int:
    """How many of the unit's reports are not final."""
    return int(_OPEN_PERIODS.scalar(session, {"unit_id": unit_id}) or 0)


def returned_sections(session: Session, *, period_id: int) -> dict[str, tuple[bool, str]]:
    """The sections sent back with a comment: (finished, comment) by section id."""
    _flush_progress(session)
    rows = _RETURNED.rows(session, {"period_id": period_id})
    return {
        section_id: (bool(finished), comment)
        for section_id, finished, comment in rows
        if comment  # an empty comment is no comment, as the menu always read it
    }


def mark_section(
    session: Session, *, period_id: int, section_id: str, member_id: int | None, finished: bool
) -> None:
    """Marks a top section finished (or reopened): one upsert, as
    `bot.store.queries.set_section_finished` does it through the ORM."""
    _flush_progress(session)
    params = {
        "period_id": period_id,
        "section_id": section_id,
        "finished": finished,
        "finished_by": member_id if finished else None,
        "finished_at": now() if finished else None,
    }
    _MARK[session.get_bind().dialect.name].execute(session, params)
    # A progress row the ORM loaded earlier in this transaction would be read stale.
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, SectionProgress) and loaded.period_id == period_id:
            session.expire(loaded)


def _flush_progress(session: Session) -> None:
    """Writes the ORM's pending progress rows first: Core statements do not flush them."""
    if any(isinstance(row, SectionProgress) for row in (*session.new, *session.dirty)):
        session.flush()


_OPEN_PERIODS = Prepared(
    sa_select(func.count())
    .select_from(_PERIODS)
    .where(_PERIODS.c.unit_id == bindparam("unit_id"), _PERIODS.c.status != "final")
)
_RETURNED = Prepared(
    sa_select(_PROGRESS.c.section_id, _PROGRESS.c.finished, _PROGRESS.c.returned_comment).where(
        _PROGRESS.c.period_id == bindparam("period_id"),
        _PROGRESS.c.returned_comment.is_not(None),
    )
)


def _mark_statement(insert_of: Any) -> Any:
    """The section's progress row, created with every column when missing."""
    statement = insert_of(_PROGRESS).values(
        period_id=bindparam("period_id"),
        section_id=bindparam("section_id"),
        finished=bindparam("finished", type_=_PROGRESS.c.finished.type),
        finished_by=bindparam("finished_by", type_=_PROGRESS.c.finished_by.type),
        finished_at=bindparam("finished_at", type_=_PROGRESS.c.finished_at.type),
        returned_comment=null(),
        returned_by=null(),
        returned_at=null(),
        reopened=False,
    )
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["period_id", "section_id"],
        set_={
            "finished": excluded.finished,
            "finished_by": excluded.finished_by,
            "finished_at": excluded.finished_at,
        },
    )


_MARK = {
    "sqlite": Prepared(_mark_statement(sqlite_insert)),
    "postgresql": Prepared(_mark_statement(postgresql_insert)),
}

"""Recurring deadlines of the sector, from which reporting periods are opened.

The district's guidance (huong-dan-nhiem-vu-gdtx-2020-2021) sets reports due "trước ngày
30/6 và 30/12 hàng năm" and quarterly briefings ("giao ban định kỳ hàng quý"); the school
year adds the end of each term.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot.core.clock import now
from models import SectorDeadline

GUIDANCE = "Hướng dẫn nhiệm vụ GDTX năm học 2020-2021"


@dataclass(frozen=True)
class RecurringDate:
    """A date that comes back every year, with what is due then."""

    label: str
    month: int
    day: int
    term: int | None = None
    source: str = GUIDANCE


# The guidance's own dates, the two term ends of the school year, and the quarter ends.
SECTOR_DATES = (
    # 30/6 is also the second quarter's briefing: one date, one row.
    RecurringDate("Báo cáo 6 tháng đầu năm, giao ban quý II (trước ngày 30/6)", 6, 30),
    RecurringDate("Báo cáo cuối năm (trước ngày 30/12)", 12, 30),
    RecurringDate("Sơ kết học kỳ I", 1, 15, term=1, source="Kế hoạch năm học"),
    RecurringDate("Tổng kết năm học", 5, 31, term=2, source="Kế hoạch năm học"),
    RecurringDate("Giao ban quý I", 3, 31, source=GUIDANCE),
    RecurringDate("Giao ban quý III", 9, 30, source=GUIDANCE),
    RecurringDate("Giao ban quý IV", 12, 31, source=GUIDANCE),
)


def add_sector_deadlines(
    session: Session,
    *,
    unit_id: int,
    template_id: str,
    dates: tuple[RecurringDate, ...] | list[RecurringDate] = SECTOR_DATES,
) -> list[SectorDeadline]:
    """Records recurring deadlines for a unit and report kind (a date already there stays)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for item in dates:
        session.execute(
            insert(SectorDeadline.__table__)  # type: ignore[attr-defined]
            .values(
                unit_id=unit_id,
                template_id=template_id,
                label=item.label,
                month=item.month,
                day=item.day,
                term=item.term,
                source=item.source,
                active=True,
                created_at=now(),
            )
            .on_conflict_do_nothing(index_elements=["unit_id", "template_id", "month", "day"])
        )
    return sector_deadlines(session, unit_id=unit_id)


def sector_deadlines(session: Session, *, unit_id: int) -> list[SectorDeadline]:
    """A unit's active recurring deadlines, in calendar order."""
    rows = session.exec(
        select(SectorDeadline)
        .where(SectorDeadline.unit_id == unit_id, col(SectorDeadline.active).is_(True))
        .order_by(col(SectorDeadline.month), col(SectorDeadline.day), col(SectorDeadline.id))
    ).all()
    return list(rows)

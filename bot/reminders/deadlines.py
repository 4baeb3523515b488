"""Recurring deadlines of the sector, from which reporting periods are opened.

The dates are data: `templates/_sector/calendar.yaml` (where they come from is said there),
read once and validated at load.
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot.core.clock import now
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR
from models import SectorDeadline

CALENDAR_FILE = DEFAULT_TEMPLATES_DIR / "_sector" / "calendar.yaml"


class RecurringDate(BaseModel):
    """A date that comes back every year, with what is due then."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    # The term report it belongs to (1 or 2); none: every report of the kind.
    term: int | None = Field(default=None, ge=1, le=2)
    source: str = ""

    @field_validator("label", "source")
    @classmethod
    def _nfc(cls, text: str) -> str:
        return unicodedata.normalize("NFC", text.strip())

    @model_validator(mode="after")
    def _a_real_day(self) -> RecurringDate:
        # 29/02 is allowed (a leap year's), 31/04 never exists.
        if self.day > calendar.monthrange(2028, self.month)[1]:
            raise ValueError(f"{self.day:02d}/{self.month:02d} is no day of the year")
        return self


class SectorCalendar(BaseModel):
    """The sector's recurring dates, each day of the year once."""

    model_config = ConfigDict(extra="forbid")

    dates: list[RecurringDate] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_day_once(self) -> SectorCalendar:
        days = [(d.month, d.day) for d in self.dates]
        if len(days) != len(set(days)):
            raise ValueError("a day of the year is given twice")
        return self


def load_calendar(path: Path) -> tuple[RecurringDate, ...]:
    """The recurring dates of a calendar file; a wrong one raises pydantic's ValidationError."""
    return tuple(SectorCalendar.model_validate(yaml.safe_load(path.read_text("utf-8"))).dates)


@cache
def sector_dates() -> tuple[RecurringDate, ...]:
    """The sector's calendar (read once: it changes with a release, not at run time)."""
    return load_calendar(CALENDAR_FILE)


def add_sector_deadlines(
    session: Session,
    *,
    unit_id: int,
    template_id: str,
    dates: Sequence[RecurringDate] | None = None,
) -> list[SectorDeadline]:
    """Records recurring deadlines (by default the sector's) for a unit and report kind
    (a date already there stays)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for item in sector_dates() if dates is None else dates:
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

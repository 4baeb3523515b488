"""Rows the tests build again and again: a unit with its director and an open period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from bot.store import queries as store
from models import Member, Period, Unit

FIXTURE_KIND = "mini-report"


@dataclass(frozen=True)
class OpenUnit:
    """A unit, its director and its open period, flushed (their ids are set)."""

    unit: Unit
    director: Member
    period: Period

    def member(
        self,
        session: Session,
        name: str,
        *,
        role: str = "staff",
        channel: str | None = None,
        external_id: str | None = None,
    ) -> Member:
        """Another member of the unit (staff unless told)."""
        return store.add_member(
            session,
            unit=self.unit,
            display_name=name,
            role=role,
            channel=channel,
            external_id=external_id,
        )


def open_unit(
    session: Session,
    *,
    name: str = "Trung tâm GDNN-GDTX Quận 1",
    place: str = "Quận 1",
    director: str = "Nguyễn Thị Lan",
    channel: str | None = None,
    external_id: str | None = None,
    template_id: str = FIXTURE_KIND,
    template_version: int = 1,
    year: str = "2025-2026",
    term: int | None = None,
    report_date: date | None = None,
    deadline: date | None = None,
    **unit_fields: Any,
) -> OpenUnit:
    """A new unit (`unit_fields` are more of its columns), its director (linked to the chat
    account `channel`/`external_id` when given) and an open period of `template_id`."""
    unit = store.create_unit(session, name=name, place=place, **unit_fields)
    head = store.add_member(
        session,
        unit=unit,
        display_name=director,
        role="director",
        channel=channel,
        external_id=external_id,
    )
    period = store.open_period(
        session,
        unit=unit,
        template_id=template_id,
        template_version=template_version,
        year=year,
        term=term,
        report_date=report_date,
        deadline=deadline,
    )
    return OpenUnit(unit, head, period)

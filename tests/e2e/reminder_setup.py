"""A period whose teacher owes a reminder due now: what the reminder journeys start from."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.core.clock import school_year_of
from bot.questionnaire.schema import Template
from bot.reminders import service
from bot.store import queries as store
from models import Assignment, Member, Unit, require_id


def open_owing_period(
    session: Session,
    *,
    unit: Unit,
    teacher: Member,
    template: Template,
    section: str,
    first_answer: tuple[str, Any],
    moment: datetime,
    deadline: date,
) -> int:
    """Opens a period with `section` given to `teacher`, one answer of it stored, and a
    reminder policy of one day before at `moment`'s time, no quiet hours; its id."""
    period = store.open_period(
        session,
        unit=unit,
        template_id=template.id,
        template_version=template.version,
        year=school_year_of(moment.date()),
        deadline=deadline,
    )
    period_id = require_id(period)
    session.add(Assignment(period_id=period_id, section_id=section, member_id=require_id(teacher)))
    question_id, value = first_answer
    store.save_answer(
        session,
        period_id=period_id,
        question_id=question_id,
        value=value,
        member_id=require_id(teacher),
    )
    service.change_policy(
        session,
        period_id=period_id,
        now=moment,
        days_before=[1],
        on_due_day=False,
        director_summary=False,
        send_time=f"{moment:%H:%M}",
        quiet_hours=("00:00", "00:00"),
    )
    return period_id


def unit_with_teacher(
    session: Session,
    *,
    name: str,
    place: str,
    director_id: int,
    teacher_channel: str,
    teacher_chat: str,
) -> tuple[Unit, Member]:
    """A unit whose director Lan is on Telegram and whose teacher Mai is on the given chat."""
    unit = store.create_unit(session, name=name, place=place)
    store.add_member(
        session,
        unit=unit,
        display_name="Lan Nguyễn Thị",
        role="director",
        channel="telegram",
        external_id=str(director_id),
    )
    teacher = store.add_member(
        session,
        unit=unit,
        display_name="Mai Lê Thị",
        role="staff",
        channel=teacher_channel,
        external_id=teacher_chat,
    )
    return unit, teacher

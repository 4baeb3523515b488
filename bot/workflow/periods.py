"""Reporting periods: opening one (with last period's figures carried over), assigning
sections, returning a section to its authors, finalising and reopening."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from bot.core.clock import now, today
from bot.questionnaire import index as flow
from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, load_template
from bot.questionnaire.schema import Question, TableQuestion, Template
from bot.store import hot_path
from bot.store import queries as store
from bot.workflow.access import is_lead
from bot.workflow.kinds import record_version
from models import Assignment, CarriedAnswer, Member, Period, SectionProgress, Unit, require_id

log = logging.getLogger(__name__)


class PeriodError(Exception):
    """A workflow request that cannot be done; `reason` is a key of the text catalogue."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class Opened:
    """A newly opened period and what it took from the previous one."""

    period: Period
    previous: Period | None
    filled: list[str]
    offered: list[str]


def open_period(
    session: Session,
    *,
    unit: Unit,
    template: Template,
    year: str,
    term: int | None = None,
    deadline: date | None = None,
    opened_by: int | None = None,
) -> Opened:
    """Opens a period; last period of the same kind fills comparison figures and offers
    answers marked `carry`."""
    for existing in store.periods_of(session, unit_id=require_id(unit)):
        same = (existing.template_id, existing.year, existing.term) == (template.id, year, term)
        if same and existing.status != "final":
            raise PeriodError("already_open", period_id=existing.id)
    previous = _previous_period(session, unit_id=require_id(unit), template_id=template.id)
    period = store.open_period(
        session,
        unit=unit,
        template_id=template.id,
        template_version=template.version,
        year=year,
        term=term,
        deadline=deadline,
    )
    period.opened_by = opened_by
    record_version(session, period, template)
    filled: list[str] = []
    offered: list[str] = []
    if previous is not None:
        filled, offered = _carry_over(session, template, previous, period)
    session.flush()
    return Opened(period, previous, filled, offered)


def _previous_period(session: Session, *, unit_id: int, template_id: str) -> Period | None:
    """The unit's most recent period of the same kind."""
    return session.exec(
        select(Period)
        .where(Period.unit_id == unit_id, Period.template_id == template_id)
        .order_by(col(Period.id).desc())
    ).first()


def _carry_over(
    session: Session, template: Template, previous: Period, period: Period
) -> tuple[list[str], list[str]]:
    """Fills `previous_from` questions and offers `carry` answers from the previous period."""
    try:
        old_template = load_template(previous.template_id, DEFAULT_TEMPLATES_DIR)
    except LookupError:
        old_template = template
    values, _ = store.answer_values(session, period_id=require_id(previous))
    evaluation = evaluate(old_template, values)
    filled: list[str] = []
    offered: list[str] = []
    for slot in flow.all_slots(template):
        question = slot.question
        if question.previous_from is not None:
            value = _previous_value(question, values, evaluation)
            if value is not None:
                store.save_answer(
                    session,
                    period_id=require_id(period),
                    question_id=question.id,
                    value=value,
                    member_id=None,
                )
                filled.append(question.id)
        elif question.carry and question.id in values:
            session.add(
                CarriedAnswer(
                    period_id=require_id(period),
                    question_id=question.id,
                    value=values[question.id],
                    source_period_id=require_id(previous),
                )
            )
            offered.append(question.id)
    return filled, offered


def _previous_value(question: Question, values: dict[str, Any], evaluation: Any) -> Any:
    """The stored form of a `previous_from` question, read from last period's figures."""
    source = question.previous_from
    if isinstance(source, str):
        if source in values:
            return values[source]
        number = evaluation.numbers.get(source)
        if number is None and source in evaluation.figures:
            number = evaluation.figures[source].value
        if number is None:
            return None
        whole = number == number.to_integral_value()
        return int(number) if whole and question.kind == "integer" else _text(number)
    if isinstance(question, TableQuestion) and isinstance(source, dict):
        rows: dict[str, dict[str, Any] | None] = {}
        for row in question.rows:
            cells = {
                column: evaluation.numbers.get(pattern.replace("{row}", row.id))
                for column, pattern in source.items()
            }
            # A row last period did not have ("-") stays empty this time too.
            known = {c: _text(v) for c, v in cells.items() if v is not None}
            rows[row.id] = known if len(known) == len(cells) else None
        return rows if any(rows.values()) else None
    return None


def _text(number: Any) -> str:
    """A Decimal as typed answers store it: '100', '91.82'."""
    return format(number.normalize(), "f")


def carried_answers(session: Session, *, period_id: int) -> dict[str, Any]:
    """Last period's answers offered for this period, by question id."""
    rows = session.exec(select(CarriedAnswer).where(CarriedAnswer.period_id == period_id)).all()
    return {row.question_id: row.value for row in rows}


def change_deadline(session: Session, *, period: Period, deadline: date) -> date | None:
    """Sets a period's deadline; returns the one it had. A final report keeps its deadline
    and a past day is refused; the caller re-plans the reminders."""
    if period.status == "final":
        raise PeriodError("final", period_id=period.id)
    if deadline < today():
        raise PeriodError("past_deadline", deadline=deadline)
    before = period.deadline
    period.deadline = deadline
    session.add(period)
    session.flush()
    return before


# -- assignments --------------------------------------------------------------------------


def assign(
    session: Session,
    *,
    period: Period,
    template: Template,
    section_id: str,
    member: Member,
    assigned_by: int | None,
) -> bool:
    """Gives a top section to a member of the period's unit; False if they already have it."""
    if flow.top_section(template, section_id) is None:
        raise PeriodError("no_section", section=section_id)
    if member.unit_id != period.unit_id or not member.active:
        raise PeriodError("no_member", member=member.id)
    existing = session.exec(
        select(Assignment).where(
            Assignment.period_id == period.id,
            Assignment.section_id == section_id,
            Assignment.member_id == member.id,
        )
    ).first()
    if existing is not None:
        return False
    session.add(
        Assignment(
            period_id=require_id(period),
            section_id=section_id,
            member_id=require_id(member),
            assigned_by=assigned_by,
        )
    )
    session.flush()
    return True


def unassign(session: Session, *, period: Period, section_id: str, member_id: int) -> bool:
    """Takes a section away from a member; False when they did not have it."""
    existing = session.exec(
        select(Assignment).where(
            Assignment.period_id == period.id,
            Assignment.section_id == section_id,
            Assignment.member_id == member_id,
        )
    ).first()
    if existing is None:
        return False
    session.delete(existing)
    session.flush()
    return True


def assignees(session: Session, *, period_id: int) -> dict[str, list[int]]:
    """Member ids by section id."""
    found: dict[str, list[int]] = {}
    for row in store.assignments_of(session, period_id=period_id):
        found.setdefault(row.section_id, []).append(row.member_id)
    return found


def sections_of(
    session: Session, *, period: Period, template: Template, member: Member
) -> list[str]:
    """The top sections a member works on: theirs; for the lead, all of them."""
    every = flow.top_section_ids(template)
    if is_lead(member):
        return list(every)
    mine = hot_path.member_sections(
        session, period_id=require_id(period), member_id=require_id(member)
    )
    return [section_id for section_id in every if section_id in mine]


def may_answer(
    session: Session, *, period: Period, my_sections: list[str], section_id: str
) -> bool:
    """Whether a member may change the answers of a section now: one of `my_sections` (their
    `sections_of`, by role and assignment) and not locked."""
    return section_id in my_sections and not is_locked(
        session, period=period, section_id=section_id
    )


def is_locked(session: Session, *, period: Period, section_id: str) -> bool:
    """A final report's answers are locked, unless the director reopened the section."""
    if period.status != "final":
        return False
    row = store.section_progress(session, period_id=require_id(period)).get(section_id)
    return not (row is not None and row.reopened)


# -- returning, finalising, reopening -----------------------------------------------------


def return_section(
    session: Session, *, period: Period, section_id: str, comment: str, by: Member
) -> SectionProgress:
    """Sends a section back to its authors with a comment; it is no longer finished."""
    row = _progress_row(session, period=period, section_id=section_id)
    row.finished = False
    row.finished_by = None
    row.finished_at = None
    row.returned_comment = comment
    row.returned_by = by.id
    row.returned_at = now()
    session.add(row)
    session.flush()
    return row


def finalize(session: Session, *, period: Period) -> None:
    """Marks the report final: answers are locked from now on."""
    period.status = "final"
    period.finalized_at = now()
    session.add(period)
    for row in store.section_progress(session, period_id=require_id(period)).values():
        if row.reopened:
            row.reopened = False
            session.add(row)
    session.flush()


def reopen_section(session: Session, *, period: Period, section_id: str) -> None:
    """Unlocks one section of a final report for its authors."""
    if period.status != "final":
        raise PeriodError("not_final")
    row = _progress_row(session, period=period, section_id=section_id)
    row.reopened = True
    row.finished = False
    session.add(row)
    session.flush()


def _progress_row(session: Session, *, period: Period, section_id: str) -> SectionProgress:
    row = store.section_progress(session, period_id=require_id(period)).get(section_id)
    if row is None:
        row = SectionProgress(period_id=require_id(period), section_id=section_id)
    return row

"""Progress of a period per section and per person: the director's /tiendo and
`baocao progress`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.core.clock import today
from bot.questionnaire import index as flow
from bot.questionnaire.schema import Template
from bot.store import queries as store
from bot.workflow.access import is_lead
from bot.workflow.hierarchy import ChildState, child_states
from bot.workflow.periods import assignees
from models import Period, Role, require_id


@dataclass
class SectionState:
    """Where one top section stands."""

    id: str
    number: str
    title: str
    answered: int
    total: int
    finished: bool
    returned_comment: str | None
    assignees: list[int]
    last_activity: datetime | None

    @property
    def state(self) -> str:
        """finished | returned | in_progress | not_started."""
        if self.finished:
            return "finished"
        if self.returned_comment:
            return "returned"
        return "in_progress" if self.answered else "not_started"


@dataclass
class PersonState:
    """Where one member stands over the sections assigned to them."""

    member_id: int
    name: str
    role: Role
    sections: list[str] = field(default_factory=list)
    answered: int = 0
    total: int = 0
    finished_sections: int = 0
    last_activity: datetime | None = None
    late: bool = False


@dataclass
class Progress:
    """A period's progress."""

    period: Period
    sections: list[SectionState]
    people: list[PersonState]
    deadline_passed: bool
    # The child units' reports a collecting period asked for (empty otherwise).
    children: list[ChildState] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the keys are part of `baocao progress --json`)."""
        return {
            "period_id": self.period.id,
            "template": self.period.template_id,
            "year": self.period.year,
            "term": self.period.term,
            "status": self.period.status,
            "deadline": self.period.deadline.isoformat() if self.period.deadline else None,
            "deadline_passed": self.deadline_passed,
            "sections": [
                {
                    "section": s.id,
                    "number": s.number,
                    "title": s.title,
                    "answered": s.answered,
                    "total": s.total,
                    "state": s.state,
                    "finished": s.finished,
                    "returned_comment": s.returned_comment,
                    "assignees": s.assignees,
                    "last_activity": _iso(s.last_activity),
                }
                for s in self.sections
            ],
            "people": [
                {
                    "member_id": p.member_id,
                    "name": p.name,
                    "role": p.role,
                    "sections": p.sections,
                    "answered": p.answered,
                    "total": p.total,
                    "finished_sections": p.finished_sections,
                    "last_activity": _iso(p.last_activity),
                    "late": p.late,
                }
                for p in self.people
            ],
            "children": [c.as_dict() for c in self.children],
        }


def period_progress(
    session: Session, *, period: Period, template: Template, day: date | None = None
) -> Progress:
    """Counts answered questions per section and per assigned person."""
    rows = store.answer_rows(session, period_id=require_id(period))
    values = {r.question_id: r.value for r in rows if not r.skipped}
    skipped = {r.question_id for r in rows if r.skipped}
    updated = {r.question_id: r.updated_at for r in rows}
    progress_rows = store.section_progress(session, period_id=require_id(period))
    by_section = assignees(session, period_id=require_id(period))
    members = {m.id: m for m in store.members_of(session, unit_id=period.unit_id)}
    deadline_passed = period.deadline is not None and (day or today()) > period.deadline

    sections: list[SectionState] = []
    for section in template.sections:
        relevant = flow.relevant_slots(section, values)
        answered = sum(
            1
            for s in relevant
            if s.question.id in skipped or flow.is_complete(s.question, values.get(s.question.id))
        )
        times = [updated[s.question.id] for s in flow.slots(section) if s.question.id in updated]
        row = progress_rows.get(section.id)
        sections.append(
            SectionState(
                id=section.id,
                number=section.number,
                title=section.title,
                answered=answered,
                total=len(relevant),
                finished=bool(row and row.finished),
                returned_comment=row.returned_comment if row and not row.finished else None,
                assignees=by_section.get(section.id, []),
                last_activity=max(times) if times else None,
            )
        )

    people: list[PersonState] = []
    last_by_author: dict[int, datetime] = {}
    for r in rows:
        if r.author_id is not None:
            seen = last_by_author.get(r.author_id)
            last_by_author[r.author_id] = max(seen, r.updated_at) if seen else r.updated_at
    for member_id, member in members.items():
        mine = [s for s in sections if member_id in s.assignees]
        if not mine and not is_lead(member):
            continue
        if not mine:
            # Sections assigned to nobody are the director's (and the deputy's) to write.
            mine = [s for s in sections if not s.assignees]
        person = PersonState(
            member_id=member_id or 0,
            name=member.display_name,
            role=member.role,
            sections=[s.id for s in mine],
            answered=sum(s.answered for s in mine),
            total=sum(s.total for s in mine),
            finished_sections=sum(1 for s in mine if s.finished),
            last_activity=last_by_author.get(member_id or 0),
        )
        person.late = deadline_passed and person.finished_sections < len(mine)
        people.append(person)
    children = child_states(session, period=period) if period.collect_template_id else []
    return Progress(period, sections, people, deadline_passed, children)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None

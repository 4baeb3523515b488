"""Units under a parent unit and reports that travel up.

A parent's period that collects a report kind opens one period of that kind for each child
unit, with the same year, term and deadline, linked to it. The parent's draft adds up the
figures of the children whose report is final (see `bot.report.consolidate`), lists those
still working, and applies the figures the parent's director adjusted, each with its note.
The same kind can be collected into itself over several levels (schools → district →
province): a child that has children of its own collects the same kind from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from bot.questionnaire import index as flow
from bot.questionnaire.answers import InvalidAnswer, format_number, parse_answer, parse_cell
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR
from bot.questionnaire.schema import TableQuestion, Template
from bot.report.consolidate import apply_adjustment, summable, summed_answers
from bot.store import queries as store
from bot.texts import t
from bot.workflow.kinds import period_template
from bot.workflow.periods import PeriodError, open_period
from models import FigureAdjustment, Period, Unit, require_id


class HierarchyError(Exception):
    """A request about parents and children that cannot be done; `reason` is a text key."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


# -- units ---------------------------------------------------------------------------------


def children_of(session: Session, *, unit_id: int) -> list[Unit]:
    """The units directly under a unit, by id."""
    return list(
        session.exec(select(Unit).where(Unit.parent_id == unit_id).order_by(col(Unit.id))).all()
    )


def set_parent(session: Session, *, unit: Unit, parent_id: int | None) -> None:
    """Puts a unit under another (None: under none); a unit cannot be its own ancestor."""
    if parent_id is not None:
        parent = store.unit_by_id(session, unit_id=parent_id)
        if parent is None:
            raise HierarchyError("no_parent", parent=parent_id)
        ancestor: Unit | None = parent
        while ancestor is not None:
            if ancestor.id == unit.id:
                raise HierarchyError("cycle", unit=unit.id, parent=parent_id)
            ancestor = (
                store.unit_by_id(session, unit_id=ancestor.parent_id)
                if ancestor.parent_id is not None
                else None
            )
    unit.parent_id = parent_id
    session.add(unit)
    session.flush()


def create_child_unit(session: Session, *, parent: Unit, name: str) -> Unit:
    """A new unit under `parent`: its header names the parent as governing body and it
    dates its reports at the parent's place until its director changes them."""
    return store.create_unit(
        session,
        name=name,
        place=parent.place,
        parent_body=parent.name,
        parent_id=parent.id,
    )


# -- collecting ----------------------------------------------------------------------------


@dataclass
class Collection:
    """A parent's collecting period and every period it opened or linked below it."""

    period: Period
    children: list[Period] = field(default_factory=list)

    @property
    def all_periods(self) -> list[Period]:
        """The parent's period and every child's, for re-planning reminders."""
        return [self.period, *self.children]


def open_collection(
    session: Session,
    *,
    unit: Unit,
    template: Template,
    collect: Template,
    year: str,
    term: int | None,
    deadline: date | None,
    opened_by: int | None = None,
) -> Collection:
    """Opens (or takes the open) period of `template` for `unit`, collecting `collect` from
    each child unit; a child that has children collects the same kind when it is the same
    kind as the parent's."""
    period = _open_or_existing(
        session, unit=unit, template=template, year=year, term=term, deadline=deadline
    )
    if period.collect_template_id not in (None, collect.id):
        raise HierarchyError("collects_other", period=period.id, kind=period.collect_template_id)
    period.opened_by = period.opened_by or opened_by
    period.collect_template_id = collect.id
    session.add(period)
    collection = Collection(period)
    for child in children_of(session, unit_id=require_id(unit)):
        if child.is_demo:
            continue
        if collect.id == template.id and children_of(session, unit_id=require_id(child)):
            below = open_collection(
                session,
                unit=child,
                template=collect,
                collect=collect,
                year=year,
                term=term,
                deadline=deadline,
            )
            child_period, more = below.period, below.children
        else:
            child_period = _open_or_existing(
                session, unit=child, template=collect, year=year, term=term, deadline=deadline
            )
            more = []
        child_period.parent_period_id = period.id
        session.add(child_period)
        collection.children.extend([child_period, *more])
    session.flush()
    return collection


def _open_or_existing(
    session: Session,
    *,
    unit: Unit,
    template: Template,
    year: str,
    term: int | None,
    deadline: date | None,
) -> Period:
    """The unit's open period of this kind, year and term (given the deadline), or a new one."""
    try:
        return open_period(
            session, unit=unit, template=template, year=year, term=term, deadline=deadline
        ).period
    except PeriodError as err:
        existing = store.period_by_id(session, period_id=int(err.details["period_id"]))
        if existing is None:  # pragma: no cover - the id comes from the same query
            raise
        if deadline is not None:
            existing.deadline = deadline
        return existing


def child_periods(session: Session, *, period_id: int) -> list[Period]:
    """The periods a collecting period opened, by unit."""
    return list(
        session.exec(
            select(Period)
            .where(Period.parent_period_id == period_id)
            .order_by(col(Period.unit_id), col(Period.id))
        ).all()
    )


# -- children's progress -------------------------------------------------------------------


@dataclass(frozen=True)
class ChildState:
    """Where one child's report stands, as its parent sees it."""

    unit_id: int
    unit_name: str
    period_id: int
    status: str  # final | finished | in_progress | not_started
    sections_done: int
    sections_total: int

    def as_dict(self) -> dict[str, Any]:
        """The `children` items of `baocao progress --json`."""
        return {
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "period_id": self.period_id,
            "status": self.status,
            "sections_done": self.sections_done,
            "sections_total": self.sections_total,
        }

    @property
    def done(self) -> bool:
        """A child counts in its parent's figures once its report is final."""
        return self.status == "final"


def child_states(
    session: Session, *, period: Period, root: Path = DEFAULT_TEMPLATES_DIR
) -> list[ChildState]:
    """Each child period's state; empty for a period that collects nothing."""
    states: list[ChildState] = []
    for child in child_periods(session, period_id=require_id(period)):
        unit = store.unit_by_id(session, unit_id=child.unit_id)
        template = period_template(session, child, root)
        finished = store.finished_sections(session, period_id=require_id(child))
        total = len(template.sections)
        done = sum(1 for s in template.sections if s.id in finished)
        if child.status == "final":
            status = "final"
        elif done == total:
            status = "finished"
        elif done or store.answer_rows(session, period_id=require_id(child)):
            status = "in_progress"
        else:
            status = "not_started"
        states.append(
            ChildState(
                unit_id=child.unit_id,
                unit_name=unit.name if unit else str(child.unit_id),
                period_id=require_id(child),
                status=status,
                sections_done=done,
                sections_total=total,
            )
        )
    return states


# -- the parent's figures ------------------------------------------------------------------


@dataclass
class Consolidation:
    """A period's answers with its children's figures added up, and what the draft says
    about them."""

    values: dict[str, Any]
    children: list[ChildState]
    notes: list[str]

    @property
    def missing(self) -> list[ChildState]:
        """The children whose figures are not in yet."""
        return [c for c in self.children if not c.done]


def consolidate(
    session: Session,
    *,
    period: Period,
    template: Template,
    root: Path = DEFAULT_TEMPLATES_DIR,
) -> Consolidation:
    """The period's own answers, with the sums of its final children over the figures they
    give, then the director's adjustments. A period that collects nothing is left as is."""
    own, _ = store.answer_values(session, period_id=require_id(period))
    values = dict(own)
    if period.collect_template_id is None:
        return Consolidation(values, [], [])
    children = child_states(session, period=period, root=root)
    finished: list[dict[str, Any]] = []
    for state in children:
        if not state.done:
            continue
        child = store.period_by_id(session, period_id=state.period_id)
        if child is not None:
            child_template = period_template(session, child, root)
            finished.append(
                consolidate(session, period=child, template=child_template, root=root).values
            )
    if finished:
        values.update(summed_answers(template, finished))
    notes = [t("hierarchy.note_counted", done=len(finished), total=len(children))]
    missing = [c for c in children if not c.done]
    if missing:
        names = "; ".join(
            t("hierarchy.missing_child", name=c.unit_name, state=t(f"hierarchy.state.{c.status}"))
            for c in missing
        )
        notes.append(t("hierarchy.note_missing", count=len(missing), names=names))
    for row in adjustments_of(session, period_id=require_id(period)):
        question_id = row.target.partition(".")[0]
        slot = flow.find_slot(template, question_id)
        if slot is None:
            continue
        value = _parsed(slot.question, row.target, row.value)
        summed = _figure(values, row.target)
        apply_adjustment(template, values, row.target, value)
        notes.append(
            t(
                "hierarchy.note_adjusted",
                figure=target_label(template, row.target),
                value=_shown(slot.question, row.target, value),
                summed=_shown(slot.question, row.target, summed) if summed is not None else "–",
                note=row.note,
            )
        )
    return Consolidation(values, children, notes)


# -- adjustments ---------------------------------------------------------------------------


def adjustments_of(session: Session, *, period_id: int) -> list[FigureAdjustment]:
    """A period's adjusted figures, oldest first."""
    return list(
        session.exec(
            select(FigureAdjustment)
            .where(FigureAdjustment.period_id == period_id)
            .order_by(col(FigureAdjustment.id))
        ).all()
    )


def adjust(
    session: Session,
    *,
    period: Period,
    template: Template,
    target: str,
    value: str,
    note: str,
    member_id: int | None,
) -> FigureAdjustment:
    """Sets a consolidated figure by hand, with the note the draft shows; the value goes
    through the same checks as a typed answer."""
    if period.collect_template_id is None:
        raise HierarchyError("not_collecting", period=period.id)
    if period.status == "final":
        raise HierarchyError("final", period=period.id)
    if not note.strip():
        raise HierarchyError("no_note")
    question_id = target.partition(".")[0]
    slot = flow.find_slot(template, question_id)
    if slot is None or not summable(slot.question) or not _valid_target(slot.question, target):
        raise HierarchyError("no_figure", target=target)
    try:
        parsed = _parsed(slot.question, target, value)
    except InvalidAnswer as err:
        raise HierarchyError("bad_value", target=target, message=str(err)) from err
    row = session.exec(
        select(FigureAdjustment).where(
            FigureAdjustment.period_id == period.id, FigureAdjustment.target == target
        )
    ).first() or FigureAdjustment(period_id=require_id(period), target=target, value="", note="")
    row.value = str(parsed)
    row.note = note.strip()
    row.member_id = member_id
    session.add(row)
    session.flush()
    return row


def _valid_target(question: Any, target: str) -> bool:
    parts = target.split(".")
    if isinstance(question, TableQuestion):
        return (
            len(parts) == 3
            and parts[1] in {r.id for r in question.rows}
            and parts[2] in {c.id for c in question.columns}
        )
    return len(parts) == 1


def _parsed(question: Any, target: str, raw: str) -> Any:
    """An adjusted value as the answer it replaces is stored."""
    if isinstance(question, TableQuestion):
        column_id = target.split(".")[2]
        column = next(c for c in question.columns if c.id == column_id)
        return parse_cell(column, raw)
    return parse_answer(question, raw)


def _figure(values: dict[str, Any], target: str) -> Any:
    """The value at `target` before an adjustment."""
    parts = target.split(".")
    value = values.get(parts[0])
    if len(parts) == 3:
        row = value.get(parts[1]) if isinstance(value, dict) else None
        return row.get(parts[2]) if isinstance(row, dict) else None
    return value


def _shown(question: Any, target: str, value: Any) -> str:
    kind = question.kind
    if isinstance(question, TableQuestion):
        column_id = target.split(".")[2]
        kind = next(c.kind for c in question.columns if c.id == column_id)
    return format_number(kind, value)


def target_label(template: Template, target: str) -> str:
    """A figure as people name it: "Tiểu học – Số trường – Công lập"."""
    parts = target.split(".")
    slot = flow.find_slot(template, parts[0])
    if slot is None:
        return target
    question = slot.question
    label = question.label or question.id
    if isinstance(question, TableQuestion) and len(parts) == 3:
        row = next((r.label for r in question.rows if r.id == parts[1]), parts[1])
        column = next((c.label for c in question.columns if c.id == parts[2]), parts[2])
        return f"{label} – {row} – {column}"
    return label


def draft_inputs(
    session: Session,
    *,
    period: Period,
    template: Template,
    values: dict[str, Any],
    root: Path = DEFAULT_TEMPLATES_DIR,
) -> tuple[dict[str, Any], list[str]]:
    """What a period's draft is made of: its answers (consolidated for a collecting
    period) and the notes that go with them."""
    if period.collect_template_id is None:
        return values, []
    found = consolidate(session, period=period, template=template, root=root)
    return found.values, found.notes

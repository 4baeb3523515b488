"""Commands for units under a parent unit and the reports they send up: `unit list`,
`unit parent`, `period adjust`, and the `--collect` of `period open`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from bot.cli.app import JsonOption, database_session
from bot.cli.groups import PeriodOption, UnitOption, emit, fail, period_app, unit_app, unit_or_fail
from bot.core.clock import now
from bot.questionnaire.loader import TemplateNotFoundError, load_template
from bot.questionnaire.schema import Template
from bot.reminders import service as reminders
from bot.store import queries as store
from bot.texts import t
from bot.workflow.hierarchy import (
    HierarchyError,
    adjust,
    children_of,
    open_collection,
    set_parent,
    target_label,
)
from bot.workflow.kinds import period_template
from models import Unit, require_id


def hierarchy_error(err: HierarchyError) -> typer.Exit:
    """The error's Vietnamese message on stderr, exit code 2."""
    return fail(t(f"hierarchy.error.{err.reason}", **err.details))


def _move(session: Session, unit_id: int, parent: int | None) -> Unit:
    """The unit put under `parent` (under none with None); exit 2 with the reason."""
    unit = unit_or_fail(session, unit_id)
    try:
        set_parent(session, unit=unit, parent_id=parent)
    except HierarchyError as err:
        raise hierarchy_error(err) from err
    return unit


def put_under(unit_id: int, parent: int) -> None:
    """`unit create --parent`: the new unit goes under `parent`."""
    with database_session() as session:
        _move(session, unit_id, parent)


def check_parent(parent: int | None) -> None:
    """Refuses an unknown parent before anything is created."""
    if parent is None:
        return
    with database_session() as session:
        if store.unit_by_id(session, unit_id=parent) is None:
            raise fail(t("hierarchy.error.no_parent", parent=parent))


def _all_units(session: Session) -> list[Unit]:
    return list(session.exec(select(Unit).order_by(col(Unit.id))).all())


@unit_app.command("parent")
def unit_parent(
    unit: UnitOption,
    parent: Annotated[
        int | None, typer.Option("--parent", help="Parent unit id (omit: under none).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Put an existing unit under a parent unit (a school under its Phòng GD&ĐT)."""
    with database_session() as session:
        found = _move(session, unit, parent)
        above = store.unit_by_id(session, unit_id=parent) if parent is not None else None
        payload = {"unit_id": unit, "name": found.name, "parent_id": parent}
        text = (
            t(
                "hierarchy.cli.parent_set",
                unit=unit,
                name=found.name,
                parent=parent,
                parent_name=above.name if above else "",
            )
            if parent is not None
            else t("hierarchy.cli.parent_cleared", unit=unit, name=found.name)
        )
    emit(payload, as_json, text)


def open_collecting(
    *,
    unit: int,
    kind: Template,
    collect: str,
    year: str,
    term: int | None,
    deadline: date,
    as_json: bool,
) -> None:
    """`period open --collect`: the parent's period and one for each child unit, each with
    its reminders planned."""
    try:
        child_kind = load_template(collect)
    except TemplateNotFoundError as err:
        raise fail(t("cli.error.kind", kind=collect)) from err
    with database_session() as session:
        found = unit_or_fail(session, unit)
        if not children_of(session, unit_id=unit):
            raise fail(t("hierarchy.error.no_children"))
        try:
            collection = open_collection(
                session,
                unit=found,
                template=kind,
                collect=child_kind,
                year=year,
                term=term,
                deadline=deadline,
            )
        except HierarchyError as err:
            raise hierarchy_error(err) from err
        for period in collection.all_periods:
            reminders.replan(session, period_id=require_id(period), now=now())
        names = {u.id: u.name for u in _all_units(session)}
        children = [
            {
                "period_id": p.id,
                "unit_id": p.unit_id,
                "unit_name": names.get(p.unit_id),
                "template": p.template_id,
                "parent_period_id": p.parent_period_id,
            }
            for p in collection.children
        ]
        payload = {
            "period_id": collection.period.id,
            "unit_id": unit,
            "template": kind.id,
            "collect": child_kind.id,
            "year": year,
            "term": term,
            "deadline": deadline.isoformat(),
            "children": children,
        }
    lines = [
        t(
            "hierarchy.cli.collecting",
            period=payload["period_id"],
            kind=child_kind.name,
            count=len(children),
            deadline=f"{deadline:%d/%m/%Y}",
        ),
        *(
            t("hierarchy.cli.child_period", period=c["period_id"], name=c["unit_name"])
            for c in children
        ),
    ]
    emit(payload, as_json, "\n".join(lines))


@period_app.command("adjust")
def period_adjust(
    period: PeriodOption,
    figure: Annotated[
        str,
        typer.Option(
            "--figure", help="Question id, or table.row.column, e.g. primary.schools.public."
        ),
    ],
    value: Annotated[str, typer.Option("--value", help="The figure to print instead of the sum.")],
    note: Annotated[str, typer.Option("--note", help="Why: the draft shows it.")],
    as_json: JsonOption = False,
) -> None:
    """Adjust a consolidated figure of a collecting period, with a note the draft shows."""
    with database_session() as session:
        found = store.period_by_id(session, period_id=period)
        if found is None:
            raise fail(t("cli.error.no_period", period=period))
        template = period_template(session, found)
        try:
            row = adjust(
                session,
                period=found,
                template=template,
                target=figure,
                value=value,
                note=note,
                member_id=None,
            )
        except HierarchyError as err:
            raise hierarchy_error(err) from err
        payload = {"period_id": period, "figure": row.target, "value": row.value, "note": row.note}
        label = target_label(template, row.target)
    emit(payload, as_json, t("hierarchy.cli.adjusted", figure=label, value=value, note=note))

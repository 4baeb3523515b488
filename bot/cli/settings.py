"""Operator commands for settings: the units' header and signature settings
(`baocao unit list`, `baocao unit update`) and a period's deadline (`baocao period deadline`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlmodel import col, select

from bot.cli.app import JsonOption, database_session
from bot.cli.groups import PeriodOption, UnitOption, emit, fail, period_app, unit_app, unit_or_fail
from bot.cli.units import parse_deadline
from bot.conversation.desk import replan_reminders
from bot.core.text import year_text
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, load_template
from bot.reminders.messages import date_text
from bot.store import queries as store
from bot.texts import t
from bot.workflow.periods import PeriodError, change_deadline
from bot.workflow.unit_settings import (
    UnitSettingError,
    setting_error_text,
    unit_dict,
    update_unit,
)
from models import Unit


@unit_app.command("list")
def unit_list(as_json: JsonOption = False) -> None:
    """List the units with their header and signature settings."""
    with database_session() as session:
        units = session.exec(select(Unit).order_by(col(Unit.id))).all()
        payload = [unit_dict(unit) for unit in units]
    text = "\n\n".join(settings_text(item) for item in payload) or t("cli.unit.none")
    emit(payload, as_json, text)


@unit_app.command("update")
def unit_update(
    unit: UnitOption,
    name: Annotated[str | None, typer.Option("--name", help="Unit name as in the header.")] = None,
    parent_body: Annotated[
        str | None, typer.Option("--parent-body", help="Governing body (first header line).")
    ] = None,
    place: Annotated[
        str | None, typer.Option("--place", help="Place name of the date line.")
    ] = None,
    address: Annotated[str | None, typer.Option("--address", help="Postal address.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Telephone number.")] = None,
    signer_title: Annotated[
        str | None, typer.Option("--signer-title", help="Title of whoever signs.")
    ] = None,
    signer_name: Annotated[str | None, typer.Option("--signer-name", help="Who signs.")] = None,
    on_behalf_of: Annotated[
        str | None,
        typer.Option(
            "--on-behalf-of",
            help="The head's title a deputy signs for ('Giám đốc'); '' clears it.",
        ),
    ] = None,
    number_prefix: Annotated[
        str | None,
        typer.Option(
            "--number-prefix", help="Ký hiệu after the number ('BC-TTGDTX'); '' clears it."
        ),
    ] = None,
    recipient: Annotated[
        list[str] | None,
        typer.Option("--recipient", help="A 'Nơi nhận' line (repeat for each); '' clears them."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a unit's header and signature settings; options left out stay as they are."""
    given = {
        "name": name,
        "parent_body": parent_body,
        "place": place,
        "address": address,
        "phone": phone,
        "signer_title": signer_title,
        "signer_name": signer_name,
        "on_behalf_of": on_behalf_of,
        "number_prefix": number_prefix,
        "recipients": recipient,
    }
    changes = {field: value for field, value in given.items() if value is not None}
    if not changes:
        raise fail(t("cli.unit.nothing_to_change"))
    with database_session() as session:
        found = unit_or_fail(session, unit)
        try:
            changed = update_unit(session, found, changes)
        except UnitSettingError as err:
            raise fail(setting_error_text(err)) from err
        payload = {**unit_dict(found), "changed": [c.field for c in changed]}
    text = t("cli.unit.updated", count=len(changed)) + "\n" + settings_text(payload)
    emit(payload, as_json, text)


def settings_text(unit: dict[str, Any]) -> str:
    """A unit's settings, one labelled line each, as the director reads them."""
    lines = [t("cli.unit.title", unit=unit["unit_id"], name=unit["name"])]
    if unit.get("parent_id") is not None:
        lines.append(f"  {t('hierarchy.cli.parent_label')}: {unit['parent_id']}")
    for field in (
        "parent_body",
        "place",
        "address",
        "phone",
        "signer_title",
        "signer_name",
        "on_behalf_of",
        "number_prefix",
    ):
        value = unit[field] or t("unit_settings.unset")
        lines.append(f"  {t(f'unit_settings.label.{field}')}: {value}")
    recipients = unit["recipients"]
    lines.append(f"  {t('unit_settings.label.recipients')}:")
    lines += [f"    {line}" for line in recipients] or [f"    {t('unit_settings.default')}"]
    return "\n".join(lines)


@period_app.command("deadline")
def period_deadline(
    period: PeriodOption,
    deadline: Annotated[str, typer.Option("--deadline", help="YYYY-MM-DD")],
    as_json: JsonOption = False,
) -> None:
    """Set or change the deadline of an open period; its reminders are planned again."""
    due = parse_deadline(deadline)
    with database_session() as session:
        found = store.period_by_id(session, period_id=period)
        if found is None:
            raise fail(t("cli.error.no_period", period=period))
        try:
            before = change_deadline(session, period=found, deadline=due)
        except PeriodError as err:
            key = "cli.error.past_deadline" if err.reason == "past_deadline" else "period.closed"
            raise fail(t(key, deadline=date_text(due))) from err
        replan_reminders(session, period, DEFAULT_TEMPLATES_DIR)
        kind = load_template(found.template_id)
        payload = {
            "period_id": period,
            "unit_id": found.unit_id,
            "deadline": due.isoformat(),
            "previous_deadline": before.isoformat() if before else None,
        }
    text = t(
        "cli.period.deadline",
        report=kind.name,
        year=year_text(found.year),
        deadline=date_text(due),
        previous=date_text(before) if before else t("unit_settings.unset"),
    )
    emit(payload, as_json, text)

"""The operator command groups (unit, member, period, invite), their shared options and output."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from sqlmodel import Session

from bot.cli.app import app
from bot.store import queries as store
from bot.texts import t
from models import Unit

unit_app = typer.Typer(help="Units (centres, schools, district offices).", no_args_is_help=True)
member_app = typer.Typer(help="Members of a unit.", no_args_is_help=True)
period_app = typer.Typer(help="Reporting periods.", no_args_is_help=True)
invite_app = typer.Typer(help="Invite links.", no_args_is_help=True)
app.add_typer(unit_app, name="unit")
app.add_typer(member_app, name="member")
app.add_typer(period_app, name="period")
app.add_typer(invite_app, name="invite")

UnitOption = Annotated[int, typer.Option("--unit", help="Unit id.")]
PeriodOption = Annotated[int, typer.Option("--period", help="Period id.")]


def emit(payload: dict[str, Any] | list[Any], as_json: bool, text: str) -> None:
    """JSON for scripts, or one readable line."""
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2) if as_json else text)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Says why on stderr; raise what it returns to exit with `code`."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def unit_or_fail(session: Session, unit_id: int) -> Unit:
    """The unit, or exit 2 saying there is no unit with that id."""
    unit = store.unit_by_id(session, unit_id=unit_id)
    if unit is None:
        raise fail(t("cli.error.no_unit", unit=unit_id))
    return unit

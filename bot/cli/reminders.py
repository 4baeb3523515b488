"""`baocao reminders`: what is planned, sent and failed for a reporting period."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli.app import JsonOption, app, moment_text, open_database
from bot.reminders.service import counts, kind_text, schedule_entries
from bot.texts import t
from models import Period


@app.command()
def reminders(
    period: Annotated[int, typer.Option("--period", help="Reporting period id.")],
    as_json: JsonOption = False,
) -> None:
    """List a period's deadline reminders: planned, sent, failed and dropped."""
    database = open_database()
    try:
        with database.session() as session:
            if session.get(Period, period) is None:
                typer.echo(t("cli.error.no_period", period=period), err=True)
                raise typer.Exit(2)
            entries = schedule_entries(session, period_id=period)
            totals = counts(session, period_id=period)
    finally:
        database.dispose()
    if as_json:
        payload = {
            "period_id": period,
            "counts": totals,
            "reminders": [entry.as_dict() for entry in entries],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for entry in entries:
        error = f" – {entry.last_error}" if entry.last_error else ""
        line = t(
            "reminders.schedule_line",
            when=moment_text(entry.sent_at or entry.due_at),
            who=entry.member,
            what=kind_text(entry.kind),
            status=t(f"reminders.status.{entry.status}") + error,
        )
        typer.echo(line)
    typer.echo(
        "; ".join(f"{t(f'reminders.status.{status}')}: {n}" for status, n in totals.items())
    )

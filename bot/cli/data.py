"""Commands that hand the users their data: export to Excel, back up the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import JsonOption, app, open_database
from bot.core.numbers import format_integer
from bot.core.settings import get_settings
from bot.texts import t


@app.command()
def export(
    unit: Annotated[int, typer.Option("--unit", help="Unit id.")],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="Workbook to write (.xlsx).")],
    period: Annotated[
        int | None, typer.Option("--period", help="Only this reporting period.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a unit's periods, answers and audit trail to an Excel workbook."""
    from bot.data.export import ExportError, export_unit

    if out.suffix.lower() != ".xlsx":
        typer.echo(t("cli.export.not_xlsx", file=out), err=True)
        raise typer.Exit(2)
    database = open_database()
    try:
        result = export_unit(database, unit_id=unit, out=out, period_id=period)
    except ExportError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from err
    finally:
        database.dispose()
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(
        t(
            "cli.export.done",
            answers=format_integer(result.answers),
            changes=format_integer(result.changes),
            periods=len(result.periods),
            file=result.file,
            sheets=len(result.sheets),
        )
    )


@app.command()
def backup(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Backup file (default: data/backups/…)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing backup file at --out.")
    ] = False,
    keep_days: Annotated[
        int | None,
        typer.Option(
            "--keep-days",
            min=1,
            help="After a verified backup, delete the dated backups in its folder "
            "taken more than this many days ago.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Copy the database consistently while the bot runs, and check the copy."""
    from dataclasses import replace

    from bot.data.backup import BackupError, backup_database, rotate_backups

    settings = get_settings()
    # No migration first: a backup is what one takes before upgrading.
    try:
        result = backup_database(
            settings.effective_database_url, out=out, folder=settings.backups_dir, force=force
        )
    except BackupError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from err
    if keep_days is not None:
        # Only once the new copy is written and checked: a failed night deletes nothing.
        removed = rotate_backups(result.file.parent, keep_days=keep_days, keep=result.file)
        result = replace(result, removed=removed)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    answers = "?" if result.answers is None else format_integer(result.answers)
    typer.echo(
        t(
            "cli.backup.done",
            file=result.file,
            size=_size(result.size),
            integrity=result.integrity,
            answers=answers,
        )
    )
    if result.removed:
        typer.echo(t("cli.backup.rotated", count=len(result.removed), days=keep_days))


def _size(size: int) -> str:
    """A file size the Vietnamese way: 12 KB, 1,5 MB."""
    if size < 1024 * 1024:
        return f"{format_integer(max(1, round(size / 1024)))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")

"""Commands for the IT officer: check the configuration, restore a backup, upgrade the schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.app import JsonOption, app
from bot.core.numbers import format_integer
from bot.core.settings import get_settings
from bot.store.database import Database
from bot.texts import t

db_app = typer.Typer(help="The database's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def doctor(as_json: JsonOption = False) -> None:
    """Check the configuration: tokens, database, LibreOffice, public URL, webhook, data
    folder, backups. Exit 0 when every check passes, 1 otherwise."""
    from bot.ops.checks import run_checks, settings_checks

    try:
        checks = run_checks(get_settings())
    except ValidationError as err:
        # Nothing else can be checked before the settings can be read.
        checks = settings_checks(err)
    ok = all(check.ok for check in checks)
    if as_json:
        payload = {"ok": ok, "checks": [check.as_dict() for check in checks]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for check in checks:
            mark = t("ops.doctor.passed" if check.ok else "ops.doctor.failed")
            name = t(f"ops.doctor.names.{check.name}")
            typer.echo(t("ops.doctor.line", mark=mark, name=name, message=check.message))
        failed = sum(not check.ok for check in checks)
        typer.echo(t("ops.doctor.some_failed", count=failed) if failed else t("ops.doctor.all_ok"))
    if not ok:
        raise typer.Exit(1)


@app.command()
def restore(
    backup: Annotated[
        Path, typer.Argument(help="A file written by `baocao backup` (.db or .dump).")
    ],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a database that holds data (stop the bot first)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Put a backup back into the configured database (refuses one holding data without
    --force)."""
    from bot.data.restore import RestoreError, restore_database

    url = get_settings().effective_database_url
    try:
        result = restore_database(url, backup, force=force)
    except RestoreError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from err
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    answers = "?" if result.answers is None else format_integer(result.answers)
    typer.echo(
        t(
            "ops.restore.done",
            file=result.file,
            url=make_url(url).render_as_string(hide_password=True),
            answers=answers,
            revision=result.revision or "?",
        )
    )


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOption = False) -> None:
    """Migrate the database to the newest schema (take a `baocao backup` first)."""
    database = Database(get_settings().effective_database_url)
    shown = make_url(database.url).render_as_string(hide_password=True)
    try:
        previous = database.revision()
        database.migrate()
        revision = database.revision()
    except SQLAlchemyError as err:
        typer.echo(
            t("ops.db.failed", url=shown, error=getattr(err, "orig", None) or err), err=True
        )
        raise typer.Exit(2) from err
    finally:
        database.dispose()
    if as_json:
        typer.echo(json.dumps({"previous": previous, "revision": revision}))
        return
    typer.echo(t("ops.db.upgraded", url=shown, revision=revision, previous=previous or "—"))

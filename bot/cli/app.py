"""The `baocao` Typer application and what its commands share."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from bot.core.clock import VIETNAM
from bot.core.settings import get_settings
from bot.ops.logs import configure_logging
from bot.questionnaire.loader import TemplateNotFoundError
from bot.report.answers_file import AnswersFileError, load_answers_file
from bot.store.database import Database, ReadOnlyDatabaseError
from bot.texts import t

log = logging.getLogger(__name__)

app = typer.Typer(
    help=t("cli.help"),
    no_args_is_help=True,
    add_completion=False,
)

TemplateOption = Annotated[str, typer.Option("--template", help="Report kind id.")]
AnswersOption = Annotated[
    Path, typer.Option("--answers", exists=True, dir_okay=False, help="Answers file (YAML).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def setup_logging(log_file: Path | None = None) -> None:
    """Logging at the configured level and format (LOG_FORMAT), to stderr or appended to
    `log_file`, with tokens and secrets redacted.

    The terminal chat logs to a file: its migration and warning lines would otherwise land
    in the middle of the conversation. Python warnings go the same way.
    """
    handler: logging.Handler
    if log_file is None:
        handler = logging.StreamHandler()
    else:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
    configure_logging(get_settings(), handler)


def open_database(*, writable: bool = False) -> Database:
    """The configured database, migrated to the newest schema.

    With `writable`, a database that cannot be written ends the command with exit code 3
    and a clear message instead of failing later on every answer.
    """
    database = Database(get_settings().effective_database_url)
    if writable:
        try:
            database.check_writable()
        except ReadOnlyDatabaseError as err:
            log.critical("the database cannot be written: %s", err)
            typer.echo(t("cli.error.read_only_database", reason=err), err=True)
            raise typer.Exit(3) from err
    database.migrate()
    return database


@contextmanager
def database_session() -> Iterator[Session]:
    """One committed session on the configured database, closed whatever happens."""
    database = open_database()
    try:
        with database.session() as session:
            yield session
    finally:
        database.dispose()


def moment_text(moment: datetime) -> str:
    """A moment as people read it here: 25/11/2026 10:30, Vietnam time."""
    return f"{moment.astimezone(VIETNAM):%d/%m/%Y %H:%M}"


def load_answers(path: Path, template: str | None) -> Any:
    """An answers file, or a clean exit with its error."""
    try:
        return load_answers_file(path, template_id=template)
    except AnswersFileError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from err
    except TemplateNotFoundError as err:
        typer.echo(t("cli.error.kind", kind=err.args[0]), err=True)
        raise typer.Exit(2) from err

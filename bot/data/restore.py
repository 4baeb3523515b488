"""Putting a backup made by `baocao backup` back into a database, checked before and after.

A database that holds any row is never overwritten unless the operator says so (`force`):
restoring is how data is lost when it is run against the wrong database.

After a restore every period's revision (models/revisions.py) is set above any revision the
replaced database ever had: a bot still running on it may hold a period's answers cached at
a revision (bot/store/answers_cache.py), and the restored rows must never match it.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.data.backup import (
    BackupError,
    libpq_args,
    run_tool,
    sqlite_path,
    verify_sqlite,
)
from bot.store.database import normalize_url
from bot.texts import t

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class RestoreError(RuntimeError):
    """The backup cannot be restored here; the message is in Vietnamese."""


@dataclass(frozen=True)
class RestoreResult:
    """A backup restored and read back."""

    file: Path
    engine: str
    answers: int | None
    revision: str | None

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "file": str(self.file),
            "engine": self.engine,
            "answers": self.answers,
            "revision": self.revision,
        }


def restore_database(url: str, backup: Path, *, force: bool = False) -> RestoreResult:
    """Replaces the database at `url` with the backup `backup`.

    Refuses (RestoreError) a database holding rows unless `force`, and a backup of the
    other engine.
    """
    parsed = make_url(normalize_url(url))
    engine = parsed.get_backend_name()
    if not backup.is_file():
        raise RestoreError(t("ops.restore.no_file", file=backup))
    with backup.open("rb") as handle:
        magic = handle.read(len(SQLITE_MAGIC))
    kind = (
        "sqlite"
        if magic == SQLITE_MAGIC
        else "postgresql"
        if magic.startswith(PG_DUMP_MAGIC)
        else "?"
    )
    if kind != engine:
        raise RestoreError(t("ops.restore.wrong_kind", file=backup, kind=kind, engine=engine))
    shown = parsed.render_as_string(hide_password=True)
    try:
        if engine == "sqlite":
            return _restore_sqlite(parsed, backup, shown, force=force)
        return _restore_postgresql(parsed, backup, shown, force=force)
    except (
        BackupError,
        sqlite3.Error,
        SQLAlchemyError,
        OSError,
        subprocess.SubprocessError,
    ) as err:
        raise RestoreError(t("ops.restore.failed", error=err)) from err


def _guard(rows: int, shown: str, *, force: bool) -> None:
    if rows and not force:
        raise RestoreError(t("ops.restore.not_empty", url=shown, rows=rows))


# -- SQLite ----------------------------------------------------------------------------------


def _sqlite_rows(path: Path) -> int:
    """Rows in every table but the schema version (0 for a missing file)."""
    if not path.is_file():
        return 0
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            if row[0] != "alembic_version"
        ]
        return sum(
            int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
            for table in tables
        )
    finally:
        connection.close()


def _restore_sqlite(url: URL, backup: Path, shown: str, *, force: bool) -> RestoreResult:
    """SQLite's backup API, from the backup file into the database file, in one step."""
    target = sqlite_path(url)
    if target.is_file() and target.resolve() == backup.resolve():
        raise RestoreError(t("backup.same_file"))
    verify_sqlite(backup)
    _guard(_sqlite_rows(target), shown, force=force)
    above = _sqlite_top_revision(target) + 1
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target, timeout=30)
        try:
            # The whole copy is one write transaction on the target: a reader sees the old
            # database or the restored one, never a mix.
            source.backup(destination, pages=-1)
            _renumber_sqlite(destination, above)
        finally:
            destination.close()
    finally:
        source.close()
    _integrity, answers, revision = verify_sqlite(target)
    return RestoreResult(file=backup, engine="sqlite", answers=answers, revision=revision)


def _sqlite_top_revision(path: Path) -> int:
    """The highest period revision in the database file (0 without one)."""
    if not path.is_file():
        return 0
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return int(connection.execute("SELECT max(revision) FROM period").fetchone()[0] or 0)
    except sqlite3.OperationalError:  # no period table, or one from before revisions
        return 0
    finally:
        connection.close()


def _renumber_sqlite(connection: sqlite3.Connection, revision: int) -> None:
    columns = {row[1] for row in connection.execute("PRAGMA table_info(period)")}
    if "revision" in columns:
        with connection:
            connection.execute("UPDATE period SET revision = ?", (revision,))


# -- PostgreSQL ------------------------------------------------------------------------------


def _script_restore(pg_restore: str, psql: str, url: URL, backup: Path) -> None:
    """pg_restore writes the dump's SQL to a file, then psql runs it behind a schema reset
    in one transaction.

    Never piped: psql would commit what it had read of a dump pg_restore could not finish.
    """
    conninfo, env = libpq_args(url)
    with tempfile.TemporaryDirectory(prefix="baocao-restore-") as folder:
        script = Path(folder) / "restore.sql"
        written = run_tool(
            [pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(backup)], env
        )
        if written.returncode != 0:
            raise RestoreError(t("ops.restore.failed", error=written.stderr.strip()))
        done = run_tool(
            [
                psql,
                "--no-psqlrc",
                "--no-password",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                # Empty tables too (a migrated but unused database): the dump makes its own.
                "--command=DROP SCHEMA public CASCADE",
                "--command=CREATE SCHEMA public",
                f"--file={script}",
                f"--dbname={conninfo}",
            ],
            env,
        )
        if done.returncode != 0:
            raise RestoreError(t("ops.restore.failed", error=done.stderr.strip()))


def _has_revisions(connection: Connection) -> bool:
    inspector = inspect(connection)
    if "period" not in inspector.get_table_names():
        return False
    return "revision" in {column["name"] for column in inspector.get_columns("period")}


def _postgresql_top_revision(connection: Connection) -> int:
    """The highest period revision in the database (0 without one)."""
    if not _has_revisions(connection):
        return 0
    return int(connection.execute(text("SELECT max(revision) FROM period")).scalar() or 0)


def _restore_postgresql(url: URL, backup: Path, shown: str, *, force: bool) -> RestoreResult:
    """The dump's SQL (pg_restore) run by psql after emptying the public schema, all in one
    transaction: a restore that fails half-way leaves the database as it was."""
    pg_restore, psql = shutil.which("pg_restore"), shutil.which("psql")
    if pg_restore is None or psql is None:
        raise RestoreError(t("ops.restore.no_pg_tools"))
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = [
                name for name in inspect(connection).get_table_names() if name != "alembic_version"
            ]
            rows = sum(
                int(connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() or 0)
                for name in tables
            )
            above = _postgresql_top_revision(connection) + 1
        _guard(rows, shown, force=force)
        engine.dispose()
        _script_restore(pg_restore, psql, url, backup)
        with engine.begin() as connection:
            if _has_revisions(connection):
                connection.execute(text("UPDATE period SET revision = :r"), {"r": above})
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names())
            answers = None
            if "answer" in names:
                answers = int(
                    connection.execute(text("SELECT count(*) FROM answer")).scalar() or 0
                )
            revision = None
            if "alembic_version" in names:
                revision = connection.execute(
                    text("SELECT version_num FROM alembic_version")
                ).scalar()
    finally:
        engine.dispose()
    return RestoreResult(file=backup, engine="postgresql", answers=answers, revision=revision)

"""A consistent copy of the database, made while the bot may be writing, and checked.

SQLite: the online backup API copies the whole file in one step, under one read
transaction, so the copy is the database as it was at one moment (WAL lets the bot keep
writing meanwhile). The copy is switched to a self-contained rollback journal, reopened
read-only and checked with `PRAGMA integrity_check`.

PostgreSQL: `pg_dump` in its custom format (one snapshot, so consistent too), checked by
listing the archive with `pg_restore` and reading the answers table back out of it.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url

from bot.core.clock import VIETNAM, now
from bot.data.files import os_error_text
from bot.texts import t

PG_DUMP_TIMEOUT = 3600
# baocao-2026-11-25-1030.db, baocao-2026-11-25-1030-2.dump: the files `backup` names itself,
# the only ones rotation ever deletes.
BACKUP_NAME = re.compile(r"^baocao-(\d{4}-\d{2}-\d{2}-\d{4})(?:-\d+)?\.(?:db|dump)$")


class BackupError(RuntimeError):
    """The backup cannot be made or does not check out; the message is in Vietnamese."""


@dataclass(frozen=True)
class BackupResult:
    """A backup written and verified."""

    file: Path
    size: int
    engine: str
    integrity: str
    answers: int | None
    revision: str | None
    removed: tuple[Path, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "file": str(self.file),
            "size": self.size,
            "engine": self.engine,
            "integrity": self.integrity,
            "answers": self.answers,
            "revision": self.revision,
            "removed": [str(path) for path in self.removed],
        }


def default_backup_path(folder: Path, *, suffix: str = ".db") -> Path:
    """backups/baocao-2026-11-25-1030.db (Vietnamese time), never an existing file."""
    stem = f"baocao-{now():%Y-%m-%d-%H%M}"
    path = folder / f"{stem}{suffix}"
    counter = 1
    while path.exists():
        counter += 1
        path = folder / f"{stem}-{counter}{suffix}"
    return path


def backup_moment(path: Path) -> datetime | None:
    """When a backup named by `backup` was taken (None for any other file)."""
    found = BACKUP_NAME.match(path.name)
    if found is None:
        return None
    try:
        return datetime.strptime(found.group(1), "%Y-%m-%d-%H%M").replace(tzinfo=VIETNAM)
    except ValueError:
        return None


def dated_backups(folder: Path) -> list[tuple[datetime, Path]]:
    """The backups `backup` wrote into `folder`, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        moment = backup_moment(path)
        if moment is not None and path.is_file():
            found.append((moment, path))
    return sorted(found)


def rotate_backups(folder: Path, *, keep_days: int, keep: Path) -> tuple[Path, ...]:
    """Deletes the dated backups in `folder` taken more than `keep_days` days ago.

    Only files named as `backup` names them are touched, and never `keep` (the one just made).
    """
    limit = now() - timedelta(days=keep_days)
    removed = []
    for moment, path in dated_backups(folder):
        if moment < limit and path.resolve() != keep.resolve():
            path.unlink(missing_ok=True)
            removed.append(path)
    return tuple(removed)


def backup_database(
    url: str, *, out: Path | None, folder: Path, force: bool = False
) -> BackupResult:
    """Copies the database at `url` to `out` (a dated file in `folder` by default).

    An existing `out` is replaced only with `force`, and only if it is a regular file.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if out is not None:
        if backend == "sqlite" and out.resolve() in _database_files(sqlite_path(parsed)):
            raise BackupError(t("backup.same_file"))
        check_target(out, force=force)
    if backend == "sqlite":
        return backup_sqlite(parsed, out or default_backup_path(folder))
    if backend == "postgresql":
        return backup_postgresql(parsed, out or default_backup_path(folder, suffix=".dump"))
    raise BackupError(t("backup.unsupported", backend=backend))


def check_target(out: Path, *, force: bool) -> None:
    """Refuses a target that is not a regular file (a device, a folder, a pipe), and one
    that exists without `force`."""
    if out.exists() or out.is_symlink():
        if not out.is_file():
            raise BackupError(t("backup.not_regular", file=out))
        if not force:
            raise BackupError(t("backup.exists", file=out))


def _temporary_beside(out: Path) -> Path:
    """An empty temporary file in `out`'s folder, renamed over `out` once complete."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as err:
        raise BackupError(
            t("files.unwritable", folder=out.parent, error=os_error_text(err))
        ) from err
    os.close(handle)
    return Path(name)


def _database_files(source: Path) -> set[Path]:
    """The database file and the files SQLite keeps beside it while it runs."""
    resolved = source.resolve()
    return {resolved} | {
        resolved.with_name(resolved.name + suffix) for suffix in ("-wal", "-shm", "-journal")
    }


# -- SQLite ----------------------------------------------------------------------------------


def sqlite_path(url: URL) -> Path:
    """The file of an SQLite URL (an in-memory database has none)."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError(t("backup.in_memory"))
    return Path(database)


def backup_sqlite(url: URL, out: Path) -> BackupResult:
    """The online backup of an SQLite file, verified."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(t("backup.no_file", path=source_path))
    if out.resolve() in _database_files(source_path):
        raise BackupError(t("backup.same_file"))
    temporary = _temporary_beside(out)
    try:
        source = sqlite3.connect(source_path, timeout=30)
        try:
            source.execute("PRAGMA busy_timeout=30000")
            target = sqlite3.connect(temporary)
            try:
                # pages=-1: every page in one step, under one read transaction, so the
                # copy is one consistent moment even while the bot writes.
                source.backup(target, pages=-1)
                # The copy inherits WAL mode; a backup should be one self-contained file.
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            source.close()
        integrity, answers, revision = verify_sqlite(temporary)
        temporary.replace(out)
    except sqlite3.Error as err:
        raise BackupError(t("backup.failed", error=err)) from err
    except OSError as err:
        raise BackupError(
            t("files.unwritable", folder=out.parent, error=os_error_text(err))
        ) from err
    finally:
        temporary.unlink(missing_ok=True)
    return BackupResult(
        file=out,
        size=out.stat().st_size,
        engine="sqlite",
        integrity=integrity,
        answers=answers,
        revision=revision,
    )


def verify_sqlite(path: Path) -> tuple[str, int | None, str | None]:
    """Opens a copy read-only: its integrity check, its number of answers and its revision.

    Raises BackupError when the integrity check finds anything.
    """
    try:
        return _check_sqlite(path)
    except sqlite3.Error as err:
        raise BackupError(t("backup.corrupt", error=err)) from err


def _check_sqlite(path: Path) -> tuple[str, int | None, str | None]:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise BackupError(t("backup.corrupt", error="; ".join(problems[:5])))
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        answers = None
        if "answer" in tables:
            answers = int(connection.execute("SELECT count(*) FROM answer").fetchone()[0])
        revision = None
        if "alembic_version" in tables:
            found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = found[0] if found else None
        return "ok", answers, revision
    finally:
        connection.close()


# -- PostgreSQL ------------------------------------------------------------------------------


def libpq_args(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment carrying it."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_tool(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Runs a PostgreSQL client tool, its output captured, within PG_DUMP_TIMEOUT."""
    try:
        return subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=PG_DUMP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise BackupError(
            t("backup.timeout", command=command[0], seconds=PG_DUMP_TIMEOUT)
        ) from err


def backup_postgresql(url: URL, out: Path) -> BackupResult:
    """`pg_dump --format=custom` of the database, verified with `pg_restore`."""
    pg_dump = shutil.which("pg_dump")
    pg_restore = shutil.which("pg_restore")
    if pg_dump is None or pg_restore is None:
        raise BackupError(t("backup.no_pg_tools"))
    conninfo, env = libpq_args(url)
    temporary = _temporary_beside(out)
    try:
        done = run_tool(
            [pg_dump, "--format=custom", "--no-password", f"--file={temporary}", conninfo], env
        )
        if done.returncode != 0:
            raise BackupError(t("backup.pg_dump_failed", error=done.stderr.strip()))
        listed = run_tool([pg_restore, "--list", str(temporary)], env)
        if listed.returncode != 0:
            raise BackupError(t("backup.corrupt", error=listed.stderr.strip()))
        answers = _dumped_rows(pg_restore, temporary, "answer", env)
        revision_lines = _dumped_lines(pg_restore, temporary, "alembic_version", env)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return BackupResult(
        file=out,
        size=out.stat().st_size,
        engine="postgresql",
        integrity="ok",
        answers=answers,
        revision=revision_lines[0].split("\t")[0] if revision_lines else None,
    )


def _dumped_lines(
    pg_restore: str, archive: Path, table: str, env: dict[str, str]
) -> list[str] | None:
    """The COPY data lines of one table read back from the archive (None: no such table)."""
    done = run_tool(
        [pg_restore, "--data-only", f"--table={table}", "--file=-", str(archive)],
        env,
    )
    if done.returncode != 0:
        raise BackupError(t("backup.unreadable_table", table=table, error=done.stderr.strip()))
    lines: list[str] | None = None
    for line in done.stdout.splitlines():
        if lines is None:
            if line.startswith("COPY ") and line.endswith("FROM stdin;"):
                lines = []
        elif line == "\\.":
            break
        else:
            lines.append(line)
    return lines


def _dumped_rows(pg_restore: str, archive: Path, table: str, env: dict[str, str]) -> int | None:
    lines = _dumped_lines(pg_restore, archive, table, env)
    return None if lines is None else len(lines)

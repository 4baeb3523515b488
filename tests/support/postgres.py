"""A throw-away PostgreSQL server for the tests and the bench: initdb + pg_ctl in a temp dir.

The server listens on a free loopback port with trust authentication and durability turned
off (fsync, synchronous commit): it holds only test data and dies with the run. Run as root,
the server runs as the `postgres` account, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.support.ports import free_port as _free_port

# Searched after PATH: Debian installs the server binaries outside it.
BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
USER = "baocao"


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server binaries here, or the server would not start."""


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in BIN_DIRS:
        if (folder / name).is_file():
            return str(folder / name)
    raise PostgresUnavailableError(f"{name} not found (install Debian's postgresql package)")


@dataclass
class PostgresServer:
    """A running server: its port, folder and how to stop it."""

    root: Path
    port: int
    run_as: list[str]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of one database on this server."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def execute(self, *statements: str) -> None:
        """Runs statements outside any transaction (CREATE/DROP DATABASE need that)."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
        ) as connection:
            for statement in statements:
                connection.execute(statement)  # type: ignore[arg-type]

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """A new database (a copy of `template` when given); returns its URL."""
        # FILE_COPY: a copy of a small template is several times faster than WAL_LOG.
        suffix = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.execute(f"CREATE DATABASE {name}{suffix}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drops a database, closing whatever connections are left on it."""
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def restart(self) -> None:
        """Stops the server at once (as a crash would) and starts it again on the same port."""
        subprocess.run(
            [
                *self.run_as,
                _binary("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "immediate",
                "-w",
                "-t",
                "60",
                "-l",
                str(self.root / "log"),
                "restart",
            ],
            capture_output=True,
            check=True,
            timeout=90,
        )

    def stop(self) -> None:
        """Stops the server at once and removes its folder."""
        subprocess.run(
            [*self.run_as, _binary("pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start_server(*, durable: bool = False) -> PostgresServer:
    """Initialises and starts a server in a new temp folder (PostgresUnavailableError if not).

    `durable` keeps PostgreSQL's own defaults (fsync, synchronous commit, full pages), as in
    production: what the load tool measures, and what a crash must not lose.
    """
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    root = Path(tempfile.mkdtemp(prefix="baocao-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError as err:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailableError(
                "running as root and there is no postgres account"
            ) from err
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    root.chmod(0o755)
    port = _free_port()
    server = PostgresServer(root, port, run_as)
    try:
        subprocess.run(
            [
                *run_as,
                initdb,
                "-D",
                str(server.data_dir),
                "-U",
                USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        fast = ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        options = " ".join(
            [
                f"-p {port}",
                "-h 127.0.0.1",
                f"-k {root}",
                *([] if durable else fast),
                "-c max_connections=300",
            ]
        )
        subprocess.run(
            [
                *run_as,
                pg_ctl,
                "-D",
                str(server.data_dir),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=90,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as err:
        detail = getattr(err, "stderr", b"") or b""
        log = root / "log"
        if log.is_file():
            detail += log.read_bytes()
        server.stop()
        raise PostgresUnavailableError(
            f"PostgreSQL did not start: {err}\n{detail.decode(errors='replace')}"
        ) from err
    return server


@contextlib.contextmanager
def running_server(*, durable: bool = False) -> Iterator[PostgresServer]:
    """A server for the duration of a `with` block."""
    server = start_server(durable=durable)
    try:
        yield server
    finally:
        server.stop()

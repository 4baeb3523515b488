"""The database engine and its sessions (SQLite by default, any SQLAlchemy URL)."""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Table, event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.orm.session import SessionTransactionState
from sqlmodel import Session, SQLModel, create_engine

import models  # registers every table on SQLModel.metadata
from models.revisions import create_triggers

MIGRATIONS_DIR = Path(models.__file__).resolve().parent / "migrations"
# The revision matching the tables of 0.1.0, which made them without a version table.
FIRST_REVISION = "0001_initial"
# The PostgreSQL advisory lock key held while migrating ("baocao" in ASCII).
MIGRATION_LOCK = 0x62616F63616F
_ACTIVE = SessionTransactionState.ACTIVE


def normalize_url(url: str) -> str:
    """The URL with psycopg (3) as PostgreSQL's driver unless another one is named.

    SQLAlchemy would pick psycopg2 for `postgresql://`, which is not installed, and does not
    know the `postgres://` scheme many hosting providers hand out.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and full sync: an acknowledged answer is on disk, readers do not block writers."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class ReadOnlyDatabaseError(RuntimeError):
    """The database can be read but not written (a read-only file, folder or mount)."""


class Database:
    """Owns the SQLAlchemy engine; hands out one session per incoming event."""

    def __init__(self, url: str) -> None:
        url = normalize_url(url)
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("postgresql"):
            # A server restart or an idle timeout must not fail the next event.
            kwargs["pool_pre_ping"] = True
        if url.startswith("sqlite"):
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False}
        self.engine: Engine = create_engine(url, **kwargs)
        # Each thread's session kept between its calls of `session(kept=True)`.
        self._kept = threading.local()
        self._all_kept: weakref.WeakSet[_Kept] = weakref.WeakSet()
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def check_writable(self) -> None:
        """Raises ReadOnlyDatabaseError when SQLite cannot write the database file.

        Checked before serving: a bot on a read-only database would take every answer and
        store none of them.
        """
        if self.engine.dialect.name != "sqlite":
            return
        try:
            connection = self.engine.raw_connection()
        except OperationalError as err:
            raise ReadOnlyDatabaseError(f"{self.url}: {err.orig}") from err
        try:
            cursor = connection.cursor()
            version = cursor.execute("PRAGMA user_version").fetchone()[0]
            # Rewriting the header's own value: a real write that changes nothing.
            cursor.execute(f"PRAGMA user_version = {int(version)}")
        except sqlite3.OperationalError as err:
            raise ReadOnlyDatabaseError(f"{self.url}: {err}") from err
        finally:
            connection.close()

    def create_schema(self) -> None:
        """Brings the database to the newest schema with the Alembic migrations."""
        self.migrate()

    def migrate(self, revision: str = "head") -> None:
        """Upgrades to `revision`; a 0.1.0 database (no version table) is adopted first."""
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.connect() as connection:
            if sqlite:
                # SQLite migrations copy tables to alter them; foreign keys would refuse
                # dropping the old copy. The pragma only works outside a transaction.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            with connection.begin():
                if self.engine.dialect.name == "postgresql":
                    # Several processes may start at once on one server: one migrates, the
                    # others wait for it and then find nothing to do.
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                config = _alembic_config(connection)
                tables = set(inspect(connection).get_table_names())
                if "unit" in tables and "alembic_version" not in tables:
                    command.stamp(config, FIRST_REVISION)
                command.upgrade(config, revision)
                columns = {c["name"] for c in inspect(connection).get_columns("period")}
                if "revision" in columns:
                    # Again after every migration: SQLite drops a table's triggers when a
                    # migration copies the table to alter it.
                    create_triggers(connection)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()

    def revision(self) -> str | None:
        """The schema revision the database is at (None before any migration)."""
        with self.engine.connect() as connection:
            if "alembic_version" not in inspect(connection).get_table_names():
                return None
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def session(self, *, kept: bool = False) -> AbstractContextManager[Session]:
        """A session committed on success and rolled back on error.

        `kept`: the calling thread's own session, emptied after use and used again by its
        next call (a group-commit writer's batches): making a session costs as much as
        three hot statements, and on SQLite checking a connection out of the pool and back
        as much again, so there the thread keeps its connection too, and commits on it
        (`_commit_kept`). A nested call in the same thread gets a new session.
        """
        if kept:
            return _KeptUse(self)
        return self._new_session()

    @contextmanager
    def _new_session(self) -> Iterator[Session]:
        session = Session(self.engine, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _keep(self) -> _Kept:
        """A new kept session for the calling thread."""
        if self.engine.dialect.name != "sqlite":
            # The pool's check of a connection as it is taken (`pool_pre_ping`) is what
            # makes an event after a server restart succeed: each batch takes its own.
            return _Kept(Session(self.engine, expire_on_commit=False), None)
        connection = self.engine.connect()
        held = _Kept(Session(bind=connection, expire_on_commit=False), connection)
        self._all_kept.add(held)
        return held

    def dispose(self) -> None:
        """Closes every pooled connection, and the connections threads keep."""
        for held in list(self._all_kept):
            held.close()
        self.engine.dispose()


def _commit_kept(session: Session, connection: Connection, driver: sqlite3.Connection) -> None:
    """Commits the kept SQLite session's transaction on its driver connection, and keeps
    the session's own (ORM) transaction open for the next use.

    What `Session.commit` does for this transaction, less its bookkeeping: a commit and a
    begin through the ORM cost some 60-80 µs of Python per batch over sqlite3's own commit.
    The session's listeners run as in `Session.commit` (before it, its changes flushed,
    after it), the connection's commit event too, and the state a rollback would restore
    starts anew, as for a new transaction. Between two uses the driver holds no
    transaction, so no lock either: the next use begins its own (BEGIN IMMEDIATE, or at
    its first write).
    """
    # The session's current transaction: its root unless a savepoint is open (what
    # `get_transaction` and `get_nested_transaction` tell, read straight: a Python call each).
    transaction = session._transaction
    if transaction is None:
        return  # nothing began, or it was rolled back
    if transaction._parent is not None or transaction._state is not _ACTIVE:
        # A savepoint left open, or a failed flush: the ORM's own way (which refuses the
        # latter, as it must: part of the flush may be written).
        session.commit()
        return
    session.dispatch.before_commit(session)
    session.flush()
    if connection._has_events or connection.engine._has_events:
        connection.dispatch.commit(connection)  # as `Connection._commit_impl` fires it
    try:
        driver.commit()
    except sqlite3.Error as err:
        raise DBAPIError.instance("COMMIT", None, err, sqlite3.Error) from err
    _start_anew(transaction)
    session.dispatch.after_commit(session)


def _start_anew(transaction: SessionTransaction) -> None:
    """What `SessionTransaction._take_snapshot` does at a new transaction (what a rollback
    would undo starts empty), making new dictionaries only for those not empty: making its
    four weak dictionaries cost as much as the rest of the commit's Python. Its plain
    `data` is looked at: the weak dictionary's own `len` is a Python call, four per commit."""
    for name in ("_new", "_deleted", "_dirty", "_key_switches"):
        if getattr(transaction, name).data:
            setattr(transaction, name, weakref.WeakKeyDictionary())


class _KeptUse:
    """One use of the calling thread's kept session (`Database.session(kept=True)`).

    A class rather than a generator: `contextlib`'s wrapper and the generator's frame cost
    a few µs each batch, on the path of every event.
    """

    __slots__ = ("_database", "_held")

    def __init__(self, database: Database) -> None:
        self._database = database
        self._held: _Kept | None = None

    def __enter__(self) -> Session:
        database = self._database
        held: _Kept | None = database._kept.__dict__.pop("held", None)
        if held is None or held.closed:
            held = database._keep()
        self._held = held
        return held.session

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        held = self._held
        assert held is not None  # entered
        session = held.session
        driver = held.driver
        try:
            if kind is not None:
                session.rollback()
            elif driver is not None:
                _commit_kept(session, held.connection, driver)  # type: ignore[arg-type]
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            if driver is None:
                session.close()
            else:
                session.expunge_all()
            self._database._kept.held = held


class _Kept:
    """A thread's kept session and, on SQLite, the connection it is bound to (given back
    to the pool at `dispose`, or by SQLAlchemy when the thread ends and its locals go)."""

    def __init__(self, session: Session, connection: Connection | None) -> None:
        self.session = session
        self.connection = connection
        self.driver: sqlite3.Connection | None = None
        if connection is not None:
            dbapi = connection.connection.dbapi_connection
            assert isinstance(dbapi, sqlite3.Connection)  # kept on SQLite only
            self.driver = dbapi

    @property
    def closed(self) -> bool:
        return self.connection is not None and self.connection.closed

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _alembic_config(connection: Connection) -> Config:
    """Alembic's configuration, running over an open connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def table_of(model: type[SQLModel]) -> Table:
    """The table behind a model."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table

"""Core statements of the hot path, compiled once and run straight on SQLite's cursor.

Every event runs the same few statements (`hot_path`, `processed_events`). SQLAlchemy
compiles each once and caches it, yet running a cached statement still costs it some
40-100 µs of Python per statement (execution context, parameter and result objects),
several times what SQLite takes to run it. On SQLite these statements are run on the
session's own driver connection, inside its transaction, with the SQL that SQLAlchemy
compiled and the parameters processed by the columns' own types (dates, JSON), so the rows
are written byte for byte as SQLAlchemy would write them. Other dialects (PostgreSQL) take
SQLAlchemy's ordinary path, where the network round trip dwarfs that cost.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.processors import str_to_datetime
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.session import SessionTransactionState
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import Session

from models.types import AwareDateTime

_Processor = Callable[[Any], Any] | None
# Where `connection_of` keeps the session's connection, in `Session.info`.
_CONNECTION = "bot.store.prepared.connection"
_ACTIVE = SessionTransactionState.ACTIVE
# One parameter in the order of the SQL's placeholders: its name, whether the statement
# holds its value (a literal such as `attempts=0`) and that value, and its type's processing.
_Bind = tuple[str, bool, Any, _Processor]
# A column of the rows returned that its type converts: its position and the conversion.
_Result = tuple[int, Callable[[Any], Any]]


class Prepared:
    """A Core statement run on SQLite's cursor (or through SQLAlchemy on other dialects).

    `keys` are the parameters it is always run with (for an INSERT or UPDATE, the columns
    it sets: SQLAlchemy compiles those from the parameters of each execution). A statement
    that would leave a column to its Python-side default is refused.
    """

    def __init__(
        self, statement: Any, keys: Iterable[str] | None = None, *, typed: bool = False
    ) -> None:
        self.statement = statement
        self.keys = None if keys is None else list(keys)
        # Whether the rows' values are converted by their columns' types (dates, JSON,
        # enums) as SQLAlchemy converts them; otherwise they come as SQLite keeps them.
        self.typed = typed
        self._compiled: tuple[str, list[_Bind], list[_Result] | None] | None = None
        self._lock = threading.Lock()
        # `converted`'s conversions by the slice of the row they apply to.
        self._sliced: dict[tuple[int, int], list[_Result]] = {}

    def execute(self, session: Session, params: Mapping[str, Any]) -> int:
        """Runs the statement in the session's transaction; how many rows it changed (an
        INSERT, UPDATE or DELETE: rows changed by triggers are not counted)."""
        return self._run(session, params)[1]

    def scalar(self, session: Session, params: Mapping[str, Any]) -> Any:
        """The first column of the first row returned, or None when there is none."""
        rows = self._run(session, params)[0]
        return rows[0][0] if rows else None

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[Any]:
        """Every row the statement returns (indexable like tuples); a driver error is
        raised as SQLAlchemy's, as the ordinary path raises it."""
        return self._run(session, params)[0]

    def raw_rows(self, session: Session, params: Mapping[str, Any]) -> tuple[list[Any], bool]:
        """Every row as the driver gives it, and whether `converted` must still convert it
        (a typed statement on SQLite; other dialects' rows come converted): for a caller
        that converts a row only when it is unlike one it saw before."""
        rows = self._run(session, params, raw=True)[0]
        return rows, self.typed and connection_of(session)[1] is not None

    def converted(self, row: Sequence[Any], start: int = 0, stop: int | None = None) -> list[Any]:
        """The values `row[start:stop]` of a row `raw_rows` gave on SQLite, converted as
        `rows` converts them."""
        stop = len(row) if stop is None else stop
        conversions = self._sliced.get((start, stop))
        if conversions is None:
            assert self._compiled is not None  # compiled by the run that read the row
            conversions = [(i - start, p) for i, p in self._compiled[2] or () if start <= i < stop]
            self._sliced[(start, stop)] = conversions
        values = list(row[start:stop])
        for index, process in conversions:
            values[index] = process(values[index])
        return values

    def _run(
        self, session: Session, params: Mapping[str, Any], *, raw: bool = False
    ) -> tuple[list[Any], int]:
        connection, driver = connection_of(session)
        if driver is None:
            given = {k: v.value if type(v) is Serialized else v for k, v in params.items()}
            result = connection.execute(self.statement, given)
            found = list(result.fetchall()) if result.returns_rows else []
            return found, result.rowcount
        sql, binds, results = self._compiled or self._compile(connection.dialect)
        bound = []
        for name, literal, value, process in binds:
            if not literal:
                value = params[name]  # a parameter not given is an error, as in SQLAlchemy
            bound.append(value if process is None else process(value))
        try:
            cursor = driver.execute(sql, bound)
            rows = cursor.fetchall()
        except sqlite3.Error as err:
            raise DBAPIError.instance(sql, bound, err, sqlite3.Error) from err
        if results is None or raw:
            return rows, cursor.rowcount
        return [self.converted(row) for row in rows], cursor.rowcount

    def _compile(self, dialect: Dialect) -> tuple[str, list[_Bind], list[_Result] | None]:
        with self._lock:
            if self._compiled is None:
                compiled: SQLCompiler = self.statement.compile(
                    dialect=dialect, column_keys=self.keys
                )
                if compiled.insert_prefetch or compiled.update_prefetch:
                    # SQLAlchemy works out such defaults as it runs the statement.
                    raise ValueError(f"give every column its value, no default: {compiled}")
                binds: list[_Bind] = []
                for name in compiled.positiontup or []:
                    bind = compiled.binds[name]
                    process = _processor(bind.type, dialect)
                    binds.append((name, not bind.required, bind.effective_value, process))
                results = None
                if self.typed:
                    columns = self.statement.selected_columns
                    processors = [_result_processor(c.type, dialect) for c in columns]
                    results = [(i, p) for i, p in enumerate(processors) if p is not None]
                self._compiled = (compiled.string, binds, results)
            return self._compiled


def connection_of(session: Session) -> tuple[Connection, sqlite3.Connection | None]:
    """The connection of the session's transaction, and SQLite's driver connection under it
    (None on other dialects).

    Kept in the session for as long as its transaction lasts: `Session.connection()` costs
    more than a hot statement on SQLite, and the hot path runs some eight per event. Another
    transaction (a new one after a commit or a rollback, a savepoint begun or ended) looks
    its connection up again: the ORM begins a savepoint only then.
    """
    # The session's current transaction, the innermost savepoint's when one is open (what
    # `get_nested_transaction() or get_transaction()` give, in one attribute).
    transaction = session._transaction
    kept = session.info.get(_CONNECTION)
    # `transaction.is_active` read straight (its session is never unset): some thirteen
    # times an event, the property was a Python call each.
    if (
        kept is not None
        and kept[0] is transaction
        and transaction
        and transaction._state is _ACTIVE
    ):
        return kept[1], kept[2]
    connection = session.connection()
    driver: sqlite3.Connection | None = None
    if connection.dialect.name == "sqlite":
        dbapi = connection.connection.dbapi_connection
        assert isinstance(dbapi, sqlite3.Connection)  # an open session's connection
        driver = dbapi
    session.info[_CONNECTION] = (session._transaction, connection, driver)
    return connection, driver


def _processor(type_: Any, dialect: Dialect) -> _Processor:
    """What SQLAlchemy does to a parameter of this type on this dialect (its dialect's own
    implementation of the type: SQLite's dates are text in its own format)."""
    if isinstance(type_, AwareDateTime) and dialect.name == "sqlite":
        return _sqlite_aware
    process: _Processor = type_.dialect_impl(dialect).bind_processor(dialect)
    if type(type_) is JSON and not type_.none_as_null and process is not None:
        return _serialized_once(process)
    return process


class Serialized:
    """A value for plain JSON columns, written by several statements of an event (an answer
    and its audit trail entry): its JSON text is made once, by the first statement that
    binds it, and the others bind the same text."""

    __slots__ = ("text", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.text: str | None = None


def _serialized_once(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A plain JSON column's processor that takes `Serialized` values too (every plain
    JSON column of a dialect makes the same text of a value)."""

    def serialize(value: Any) -> Any:
        if type(value) is not Serialized:
            return process(value)
        if value.text is None:
            value.text = process(value.value)
        return value.text

    return serialize


class _LastAware:
    """The datetime bound last and its text, as one tuple (replaced whole, so threads may
    share it): an event binds the same moment to several columns (an answer's time and its
    change's), and making the text costs some 2-3 µs."""

    last: tuple[datetime | None, str | None] = (None, None)


def _sqlite_aware(value: datetime | None) -> str | None:
    """An aware datetime as `AwareDateTime` and SQLite's DATETIME store it (UTC, no offset,
    always six digits of microseconds), in one C call instead of two Python processors:
    the hot path binds some five times per event."""
    if value is None:
        return None
    last = _LastAware.last
    if value is last[0]:  # the very object (kept alive by the tuple), so the same instant
        return last[1]
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database; use bot.core.clock.now()")
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    _LastAware.last = (value, text)
    return text


def _result_processor(type_: Any, dialect: Dialect) -> _Processor:
    """What SQLAlchemy does to a value of this type read back on this dialect (SQLite
    returns no column types, so none is given)."""
    if isinstance(type_, AwareDateTime) and dialect.name == "sqlite":
        return _sqlite_aware_result
    processor: _Processor = type_.dialect_impl(dialect).result_processor(dialect, None)
    return processor


@lru_cache(maxsize=4096)
def _sqlite_aware_result(value: str | None) -> datetime | None:
    """An `AwareDateTime` SQLite keeps, read back as SQLAlchemy reads it (its DATETIME's own
    parsing, then marked UTC), without the two Python layers of a decorated type.

    Remembered: every event reads the same few moments again (its period's, its member's),
    and a datetime is immutable, so the same text may give the very same object."""
    if value is None:
        return None
    return str_to_datetime(value).replace(tzinfo=UTC)

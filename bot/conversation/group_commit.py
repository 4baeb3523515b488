"""Group commit: the events that arrive together share one transaction and one commit.

A channel hands each event to its writer thread (`GroupCommit.handle`; a few of them on
PostgreSQL, see POSTGRESQL_WRITERS). A writer takes every event waiting, opens one
transaction and handles each in a SAVEPOINT of its own, then commits once: one fsync on
SQLite, one WAL flush on PostgreSQL, for the whole batch. Only after the commit are the
replies released, so no reply is sent before its answer is durable.

An event that raises is rolled back to its savepoint and gets its own error; the others go
on. An error that may have broken the transaction itself (the disk full, the connection
lost: SQLAlchemy's OperationalError) fails the batch, and a failed commit too: every event
of it gets a NotSavedError, and the channel answers each user that nothing was saved. An event
that lost a deadlock between processes is handled again in the next batch.

On SQLite an event that comes alone (nothing queued, no batch running, no other event
arriving in the same turn of the loop) is committed in the loop's own thread, the same way:
sending it to the writer and its replies back would wake two threads and the loop, about a
fifth of the event's CPU, to gain nothing. It goes to the writer when another connection
holds the write lock, so the loop never waits for a lock.

Per-chat order: a channel hands a chat's next event over only once the previous one is
answered; within a batch events run in the order they came, and an event put off to the
next batch takes its chat's later events with it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.conversation.engine import ConversationEngine
from bot.conversation.events import Incoming, Sender
from bot.core.replies import Outgoing
from bot.store.prepared import Prepared, connection_of

log = logging.getLogger(__name__)

# Events in one transaction at most: a bigger batch would hold its replies longer.
MAX_BATCH = 64
# Writers on PostgreSQL, each committing its own batches: the database works on several
# transactions at once, and one writer would wait for each statement's round trip in turn.
# SQLite has one: its write transactions run one at a time anyway.
POSTGRESQL_WRITERS = 4
# Times an event that lost a deadlock is tried again before its error is given back.
MAX_RETRIES = 3
# PostgreSQL errors that roll back only the losing event: deadlock, serialization, lock.
TRANSIENT = frozenset({"40P01", "40001", "55P03"})
# Run on SQLite's driver connection: through SQLAlchemy it cost a third of the commit.
_BEGIN_IMMEDIATE = Prepared(text("BEGIN IMMEDIATE"))
# Where `begin` keeps the statement restoring a driver connection's busy timeout, in the
# pool's `info` of that connection.
_BUSY_TIMEOUT = "bot.conversation.group_commit.busy_timeout"


class NotSavedError(Exception):
    """The event's batch was not committed: nothing of it was stored."""


@dataclass(eq=False)
class Pending:
    """One event waiting for its batch, and where its replies (or error) go."""

    sender: Sender
    event: Incoming
    event_id: str | None
    result: Future[list[Outgoing]] = field(default_factory=Future)
    retries: int = 0

    @property
    def chat(self) -> tuple[str, str]:
        return (self.sender.channel, self.sender.external_id)


def transient(err: BaseException) -> bool:
    """Whether a database error only lost a race with another transaction."""
    return isinstance(err, OperationalError) and (getattr(err.orig, "sqlstate", None) in TRANSIENT)


def begin(session: Session, *, wait: bool = True) -> bool:
    """Opens the batch's transaction; False when `wait` is off and another connection
    holds SQLite's write lock (nothing begun then).

    On SQLite it is begun explicitly (and takes the write lock at once): the driver would
    otherwise begin it at the first INSERT, and the batch's first SAVEPOINT, outside a
    transaction, would commit on its own when released.
    """
    connection, driver = connection_of(session)
    if driver is None:
        return True
    if wait:
        _BEGIN_IMMEDIATE.execute(session, {})
        return True
    # The connection's own timeout, read once: it is set as the connection opens, and the
    # pool forgets `info` with the connection it belongs to.
    info = connection.connection.info
    restore = info.get(_BUSY_TIMEOUT)
    if restore is None:
        timeout = int(driver.execute("PRAGMA busy_timeout").fetchone()[0])
        restore = info[_BUSY_TIMEOUT] = f"PRAGMA busy_timeout={timeout}"
    driver.execute("PRAGMA busy_timeout=0")
    try:
        _BEGIN_IMMEDIATE.execute(session, {})
    except OperationalError as err:
        if getattr(err.orig, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
            return False
        raise
    finally:
        driver.execute(restore)
    return True


def commit_batch(
    engine: ConversationEngine, batch: Sequence[Pending], *, wait: bool = True
) -> list[Pending] | None:
    """Handles the batch in one transaction and settles each event once it is committed.

    Returns the events put off to the next batch (a lost deadlock), unsettled; None when
    `wait` is off and SQLite's write lock is taken (nothing done, nothing settled).
    """
    replies: dict[int, list[Outgoing]] = {}
    errors: dict[int, Exception] = {}
    later: list[Pending] = []
    # An event alone needs no savepoint (two statements less): its failure undoes it all.
    alone = len(batch) == 1
    try:
        with engine.database.session(kept=True) as session:
            if not begin(session, wait=wait):
                return None
            for index, pending in enumerate(batch):
                if later and pending.chat in {p.chat for p in later}:
                    later.append(pending)  # after its chat's earlier event, in the next batch
                    continue
                try:
                    if alone:
                        replies[index] = _handle(engine, session, pending)
                    else:
                        with session.begin_nested():
                            replies[index] = _handle(engine, session, pending)
                except OperationalError as err:
                    if transient(err) and pending.retries < MAX_RETRIES:
                        log.warning("event %s put off: %s", pending.event_id, err.orig)
                        if alone:
                            session.rollback()
                        pending.retries += 1
                        later.append(pending)
                        continue
                    raise  # the transaction itself may be gone: the batch fails
                except Exception as err:  # this event's failure, rolled back to its savepoint
                    if alone:
                        session.rollback()
                    errors[index] = err
    except Exception as err:
        log.error("a batch of %d events was not saved: %s", len(batch), err)
        for pending in batch:
            if pending not in later:
                failure = NotSavedError(f"batch not committed: {err}")
                failure.__cause__ = err
                pending.result.set_exception(failure)
        return later
    except BaseException as err:
        for pending in batch:
            pending.result.set_exception(err)
        raise
    for index, pending in enumerate(batch):
        if index in errors:
            pending.result.set_exception(errors[index])
        elif index in replies:
            pending.result.set_result(replies[index])
    return later


def _handle(engine: ConversationEngine, session: Session, pending: Pending) -> list[Outgoing]:
    return engine.handle_in(session, pending.sender, pending.event, event_id=pending.event_id)


class _LoopResult(Future[list[Outgoing]]):
    """An event's future that also hands its outcome to the loop waiting for it, in one call.

    `asyncio.wrap_future` would chain two futures with callbacks both ways and copy the
    outcome over with three more lock round trips on the loop's thread, for every event; and
    it passes a cancellation back, which made the writer's `set_result` raise and its
    thread stop.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[list[Outgoing]]
    ) -> None:
        super().__init__()
        self._loop = loop
        self._waiter = waiter

    def set_result(self, result: list[Outgoing]) -> None:
        super().set_result(result)
        self._hand_over(result, None)

    def set_exception(self, exception: BaseException | None) -> None:
        super().set_exception(exception)
        self._hand_over(None, exception)

    def _hand_over(self, result: list[Outgoing] | None, error: BaseException | None) -> None:
        # A loop already closed (the process stopping) has nobody left to tell.
        with suppress(RuntimeError):
            self._loop.call_soon_threadsafe(_settle, self._waiter, result, error)


def _settle(
    waiter: asyncio.Future[list[Outgoing]],
    result: list[Outgoing] | None,
    error: BaseException | None,
) -> None:
    """Gives the waiting handler its replies or error, unless it was cancelled meanwhile."""
    if waiter.done():
        return
    if error is not None:
        waiter.set_exception(error)
    else:
        waiter.set_result(result or [])


class GroupCommit:
    """The writers of a channel: queue events and commit them in batches."""

    def __init__(
        self,
        engine: ConversationEngine,
        *,
        max_batch: int = MAX_BATCH,
        writers: int | None = None,
        alone_in_loop: bool | None = None,
    ) -> None:
        """`alone_in_loop`: commit an event that comes alone in the loop's own thread (see
        `_alone`); by default on SQLite only, where no round trip to a server blocks the loop."""
        self.engine = engine
        self.max_batch = max_batch
        if writers is None:
            sqlite = engine.database.engine.dialect.name == "sqlite"
            writers = 1 if sqlite else POSTGRESQL_WRITERS
        self.writers = writers
        self._pending: deque[Pending] = deque()
        self._ready = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._closed = False
        if alone_in_loop is None:
            alone_in_loop = engine.database.engine.dialect.name == "sqlite"
        self.alone_in_loop = alone_in_loop
        self._arriving = 0  # `handle` calls deciding where their event goes
        self._writing = False  # a writer is running a batch
        # What the writer did: transactions, events in them, and the time they took.
        self.batches = 0
        self.events = 0
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    def submit(
        self,
        sender: Sender,
        event: Incoming,
        *,
        event_id: str | None = None,
        result: Future[list[Outgoing]] | None = None,
    ) -> Future[list[Outgoing]]:
        """Queues the event; its future (`result`, or a new one) holds the replies once they
        are committed."""
        pending = Pending(sender, event, event_id, result or Future())
        with self._ready:
            if self._closed:
                raise RuntimeError("the writer is closed")
            self._pending.append(pending)
            if not self._threads:
                for number in range(self.writers):
                    thread = threading.Thread(
                        target=self._run, name=f"group-commit-{number}", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)
            self._ready.notify()
        return pending.result

    async def handle(
        self, sender: Sender, event: Incoming, *, event_id: str | None = None
    ) -> list[Outgoing]:
        """The event's replies, heavy jobs left in them, after its batch committed.

        A caller cancelled meanwhile (a stop, a dropped request) leaves the event to be
        committed all the same; its replies are dropped.
        """
        if self.alone_in_loop:
            replies = await self._alone(sender, event, event_id)
            if replies is not None:
                return replies
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[list[Outgoing]] = loop.create_future()
        self.submit(sender, event, event_id=event_id, result=_LoopResult(loop, waiter))
        return await waiter

    async def _alone(
        self, sender: Sender, event: Incoming, event_id: str | None
    ) -> list[Outgoing] | None:
        """The event's replies, committed in this thread when it comes alone: nothing
        queued, no batch running, no other event arriving with it, and SQLite's write lock
        free at once. None otherwise (nothing done): it goes to the writer.

        Handing an event to the writer thread and its replies back wakes two threads and
        the loop: about a fifth of a whole event's CPU. Alone, nothing is gained by it; the
        loop waits for the commit instead, as it would have waited for the writer.
        """
        self._arriving += 1
        try:
            await asyncio.sleep(0)  # the events that came with this one arrive too
            alone = self._arriving == 1 and not self._pending and not self._writing
        finally:
            self._arriving -= 1
        if not alone or self._closed:
            return None
        pending = Pending(sender, event, event_id)
        began, cpu_began = time.perf_counter(), time.thread_time()
        self._writing = True
        try:
            later = commit_batch(self.engine, [pending], wait=False)
        finally:
            self._writing = False
        if later is None:
            return None
        with self._ready:
            self.batches += 1
            self.events += 1
            self.seconds += time.perf_counter() - began
            self.cpu_seconds += time.thread_time() - cpu_began
            self._ready.notify()
        if later:
            return None  # a lost deadlock: tried again by the writer
        return pending.result.result()

    def close(self, timeout: float | None = None) -> None:
        """Handles what is queued, then stops the writer."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending and not self._closed:
                    self._ready.wait()
                if not self._pending:
                    return
                size = min(len(self._pending), self.max_batch)
                batch = [self._pending.popleft() for _ in range(size)]
                self._writing = True
            began, cpu_began = time.perf_counter(), time.thread_time()
            later = commit_batch(self.engine, batch) or []
            with self._ready:
                self._writing = False
                self.batches += 1
                self.events += len(batch) - len(later)
                self.seconds += time.perf_counter() - began
                self.cpu_seconds += time.thread_time() - cpu_began
                self._pending.extendleft(reversed(later))
                if later:
                    self._ready.notify()

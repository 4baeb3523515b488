"""Group commit: events that arrive together share one transaction and one commit.

Marked `dialect`: the batch's transaction is begun explicitly on SQLite (BEGIN IMMEDIATE) and
relies on PostgreSQL's savepoints and advisory locks, and the commit failures differ.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.conversation import transaction
from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Command, Sender
from bot.conversation.group_commit import GroupCommit, NotSavedError, Pending, commit_batch
from bot.store.database import Database
from models import ChatIdentity, ProcessedEvent
from tests.support.failing import fail_events_of

pytestmark = pytest.mark.dialect

USERS = 12
# Transactions waiting for an advisory lock (a chat's) on the PostgreSQL server.
WAITING_FOR_A_CHAT = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
)


def commits_of(database: Database) -> list[int]:
    """A list that grows by one at each commit on the database's real engine."""
    commits: list[int] = []
    event.listen(database.engine, "commit", lambda _connection: commits.append(1))
    return commits


def stored(url: str, model: Any, **where: str) -> int:
    """How many rows match, read on a connection of its own (what another process sees)."""
    other = Database(url)
    try:
        with other.session() as session:
            statement = select(func.count()).select_from(model)
            for name, value in where.items():
                statement = statement.where(getattr(model, name) == value)
            return int(session.execute(statement).scalar_one())
    finally:
        other.dispose()


def sender(number: int) -> Sender:
    return Sender("test", f"user-{number}", f"Người {number}")


async def test_events_arriving_together_share_one_commit_and_are_answered_after_it(
    database: Database, options: EngineOptions
) -> None:
    engine = ConversationEngine(database, options)
    commits = GroupCommit(engine)
    await commits.handle(sender(0), Command("start"), event_id="0")  # the writer is running
    counted = commits_of(database)
    durable: list[bool] = []

    async def newcomer(number: int) -> None:
        replies = await commits.handle(sender(number), Command("start"), event_id=str(number))
        assert replies
        # Once the reply is in hand, another connection already sees what the event stored.
        durable.append(
            stored(database.url, ChatIdentity, external_id=f"user-{number}") == 1
            and stored(database.url, ProcessedEvent, event_id=str(number)) == 1
        )

    await asyncio.gather(*(newcomer(number) for number in range(1, USERS + 1)))
    commits.close()
    assert durable == [True] * USERS
    # A writer took the first ones alone at most; the rest waited for it and went together
    # (one writer on SQLite, a few on PostgreSQL).
    assert 1 <= len(counted) <= commits.writers + 1 < USERS, counted
    assert commits.batches == 1 + len(counted) and commits.events == USERS + 1


def test_an_event_that_fails_is_rolled_back_alone_and_the_others_committed(
    database: Database, options: EngineOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = ConversationEngine(database, options)
    fail_events_of(monkeypatch, engine, "user-2")  # its writes are made, then undone
    counted = commits_of(database)
    batch = [Pending(sender(n), Command("start"), str(n)) for n in range(1, 4)]
    assert commit_batch(engine, batch) == []
    assert len(counted) == 1
    assert batch[0].result.result() and batch[2].result.result()
    with pytest.raises(RuntimeError, match="a bug"):
        batch[1].result.result()
    assert [stored(database.url, ChatIdentity, external_id=f"user-{n}") for n in (1, 2, 3)] == [
        1,
        0,
        1,
    ]
    assert stored(database.url, ProcessedEvent, event_id="2") == 0  # a redelivery is handled


def test_an_event_alone_that_fails_stores_nothing(
    database: Database, options: EngineOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of one has no savepoint: its failure rolls back the whole transaction."""
    engine = ConversationEngine(database, options)
    real = engine.handle_in

    def fails(session: Session, who: Sender, *args: Any, **kwargs: Any) -> Any:
        real(session, who, *args, **kwargs)
        raise RuntimeError("a bug in this event")

    monkeypatch.setattr(engine, "handle_in", fails)
    batch = [Pending(sender(1), Command("start"), "1")]
    assert commit_batch(engine, batch) == []
    with pytest.raises(RuntimeError, match="a bug"):
        batch[0].result.result()
    assert stored(database.url, ChatIdentity) == 0
    assert stored(database.url, ProcessedEvent) == 0


async def test_a_batch_whose_commit_fails_is_answered_not_saved_and_stores_nothing(
    database: Database, options: EngineOptions
) -> None:
    """The server drops the connection at COMMIT (a restart, a crash): a real failed commit."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's variant is the write lock held elsewhere (the next test)")
    engine = ConversationEngine(database, options)
    commits = GroupCommit(engine)
    await commits.handle(sender(0), Command("start"), event_id="0")
    killed: list[int] = []

    def kill_at_commit(connection: Any) -> None:
        if killed:
            return
        pid = connection.connection.dbapi_connection.info.backend_pid
        killed.append(pid)
        with psycopg.connect(database.url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            # Gone before COMMIT is sent: the backend exits right after the signal.
            for _ in range(100):
                row = admin.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)
                ).fetchone()
                if row is None or row[0] == 0:
                    break
                time.sleep(0.02)

    event.listen(database.engine, "commit", kill_at_commit)
    futures = [
        commits.submit(sender(n), Command("start"), event_id=str(n)) for n in range(1, USERS + 1)
    ]
    for future in futures:
        with pytest.raises(NotSavedError):
            await asyncio.wrap_future(future)
    event.remove(database.engine, "commit", kill_at_commit)
    assert killed
    for number in range(1, USERS + 1):
        assert stored(database.url, ChatIdentity, external_id=f"user-{number}") == 0
        assert stored(database.url, ProcessedEvent, event_id=str(number)) == 0
    # The next batch, on a new connection, stores them when they are typed again.
    again = [commits.handle(sender(n), Command("start"), event_id=str(n)) for n in (1, 2)]
    assert all(await asyncio.gather(*again))
    commits.close()
    assert stored(database.url, ChatIdentity, external_id="user-1") == 1


async def test_a_batch_that_cannot_take_the_write_lock_is_answered_not_saved(
    database: Database, options: EngineOptions
) -> None:
    """SQLite: another process (a backup, a manual edit) holds the write lock too long."""
    if database.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's variant is the commit that fails (the test above)")
    # Waits 0.2 s instead of the bot's 5 s before giving up, for a quick test.
    event.listen(
        database.engine, "connect", lambda dbapi, _r: dbapi.execute("PRAGMA busy_timeout=200")
    )
    database.dispose()
    engine = ConversationEngine(database, options)
    commits = GroupCommit(engine)
    holder = Database(database.url).engine.raw_connection()
    holder.execute("BEGIN IMMEDIATE")  # type: ignore[attr-defined]
    try:
        futures = [
            commits.submit(sender(n), Command("start"), event_id=str(n)) for n in range(1, 4)
        ]
        for future in futures:
            with pytest.raises(NotSavedError) as failed:
                await asyncio.wrap_future(future)
            assert isinstance(failed.value.__cause__, OperationalError)
    finally:
        holder.rollback()
        holder.close()
    assert stored(database.url, ChatIdentity) == 0
    assert stored(database.url, ProcessedEvent) == 0
    assert await commits.handle(sender(1), Command("start"), event_id="1")
    commits.close()


def test_a_chat_locked_by_one_transaction_waits_in_another(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's write transactions already run one at a time")
    first = Session(database.engine)
    transaction.lock_chat(first, channel="telegram", chat_id="42")
    other = Database(database.url)
    done = threading.Event()

    def second() -> None:
        with other.session() as session:
            transaction.lock_chat(session, channel="telegram", chat_id="42")
        done.set()

    worker = threading.Thread(target=second)
    worker.start()
    try:
        waiting = 0
        for _ in range(100):
            with Session(database.engine) as probe:
                waiting = probe.execute(WAITING_FOR_A_CHAT).scalar_one()
            if waiting:
                break
            time.sleep(0.02)
        assert waiting == 1 and not done.is_set()
        # Another chat is not held up.
        with other.session() as session:
            transaction.lock_chat(session, channel="telegram", chat_id="43")
    finally:
        first.commit()
        first.close()
    worker.join(5)
    assert done.is_set()
    other.dispose()


async def test_a_redelivered_event_in_a_batch_gets_its_kept_replies_and_the_others_are_handled(
    database: Database, options: EngineOptions
) -> None:
    engine = ConversationEngine(database, options)
    commits = GroupCommit(engine)
    first = await commits.handle(sender(1), Command("start"), event_id="1")
    futures = [
        commits.submit(sender(1), Command("start"), event_id="1"),  # delivered again
        commits.submit(sender(2), Command("start"), event_id="2"),
    ]
    again, other = [await asyncio.wrap_future(f) for f in futures]
    commits.close()
    assert [r.text for r in again] == [r.text for r in first]  # type: ignore[union-attr]
    assert other and stored(database.url, ChatIdentity, external_id="user-2") == 1
    assert stored(database.url, ChatIdentity, external_id="user-1") == 1  # joined once


def test_an_event_that_loses_a_deadlock_is_handled_in_the_next_batch(
    database: Database, options: EngineOptions
) -> None:
    """A batch holds chat 1 and waits for chat 2, which another process holds while it
    waits for chat 1: PostgreSQL aborts the batch's wait, only that event is put off."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's single writer cannot deadlock")
    engine = ConversationEngine(database, options)
    other = Session(database.engine)
    transaction.lock_chat(other, channel="test", chat_id="user-2")
    batch = [
        Pending(sender(1), Command("start"), "1"),
        Pending(sender(2), Command("start"), "2"),
    ]
    later: list[Pending] = []
    worker = threading.Thread(target=lambda: later.extend(commit_batch(engine, batch)))
    worker.start()
    try:
        for _ in range(200):
            with Session(database.engine) as probe:
                if probe.execute(WAITING_FOR_A_CHAT).scalar_one():
                    break
            time.sleep(0.02)
        # The other process now wants chat 1, held by the batch: a deadlock.
        waiter = threading.Thread(
            target=lambda: transaction.lock_chat(other, channel="test", chat_id="user-1")
        )
        waiter.start()
        worker.join(10)
        waiter.join(10)
    finally:
        other.commit()
        other.close()
    assert later == [batch[1]] and not batch[1].result.done()
    assert batch[0].result.result()  # committed with its batch
    assert stored(database.url, ChatIdentity, external_id="user-1") == 1
    assert commit_batch(engine, later) == []
    assert batch[1].result.result()
    assert stored(database.url, ChatIdentity, external_id="user-2") == 1


def test_two_writers_keeping_the_same_kind_version_at_once_both_commit(
    database: Database, options: EngineOptions
) -> None:
    """Two newcomers' demo reports opened in two transactions at once (two writers, or two
    instances): both keep the kind's text under one hash; the second waits, then skips it."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's write transactions run one at a time")
    engine = ConversationEngine(database, options)
    first = Session(database.engine, expire_on_commit=False)
    assert engine.handle_in(first, sender(1), Command("start"), event_id="1")
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with database.session() as session:
                engine.handle_in(session, sender(2), Command("start"), event_id="2")
        except BaseException as err:
            failures.append(err)

    worker = threading.Thread(target=second)
    worker.start()
    time.sleep(0.5)  # the second one reaches the kind's row and waits for the first
    first.commit()
    first.close()
    worker.join(10)
    assert failures == []
    assert stored(database.url, ChatIdentity) == 2

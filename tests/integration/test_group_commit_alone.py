"""An event that comes alone, committed in the loop's own thread (SQLite's `GroupCommit`)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import func, select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Command, Sender
from bot.conversation.group_commit import GroupCommit, begin
from bot.store.database import Database
from bot.store.prepared import connection_of
from models import ChatIdentity, ProcessedEvent
from tests.support.failing import fail_events_of


def sender(number: int) -> Sender:
    return Sender("test", f"user-{number}", f"Người {number}")


def stored(url: str, model: Any) -> int:
    """Rows of `model`, read on a connection of its own (what another process sees)."""
    other = Database(url)
    try:
        with other.session() as session:
            return int(session.exec(select(func.count()).select_from(model)).one())
    finally:
        other.dispose()


def writer_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("group-")]


async def test_an_event_alone_is_committed_without_the_writer_and_durable_before_its_reply(
    database: Database, options: EngineOptions
) -> None:
    commits = GroupCommit(ConversationEngine(database, options))
    assert commits.alone_in_loop  # SQLite's default
    counted: list[int] = []
    event.listen(database.engine, "commit", lambda _connection: counted.append(1))
    for number in (1, 2):
        replies = await commits.handle(sender(number), Command("start"), event_id=str(number))
        assert replies
        # Once the reply is in hand, another connection already sees what the event stored.
        assert stored(database.url, ChatIdentity) == number
    assert writer_threads() == []  # no hand-off: the writer was never needed
    assert len(counted) == 2 and commits.batches == 2 and commits.events == 2
    commits.close()


async def test_an_event_alone_that_fails_raises_stores_nothing_and_the_next_is_answered(
    database: Database, options: EngineOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = ConversationEngine(database, options)
    fail_events_of(monkeypatch, engine, "user-1")  # its writes are made, then undone
    commits = GroupCommit(engine)
    with pytest.raises(RuntimeError, match="a bug"):
        await commits.handle(sender(1), Command("start"), event_id="1")
    assert stored(database.url, ChatIdentity) == 0
    assert stored(database.url, ProcessedEvent) == 0  # its redelivery is handled anew
    assert await commits.handle(sender(2), Command("start"), event_id="2")
    assert stored(database.url, ChatIdentity) == 1
    commits.close()


async def test_events_arriving_in_one_turn_of_the_loop_go_to_the_writer_together(
    database: Database, options: EngineOptions
) -> None:
    commits = GroupCommit(ConversationEngine(database, options))
    counted: list[int] = []
    event.listen(database.engine, "commit", lambda _connection: counted.append(1))
    replies = await asyncio.gather(
        *(commits.handle(sender(n), Command("start"), event_id=str(n)) for n in range(1, 9))
    )
    assert all(replies)
    assert writer_threads()  # they were handed over, not committed one by one in the loop
    assert len(counted) <= 2, counted  # the first alone at most, then the rest at once
    commits.close()


async def test_a_write_lock_held_elsewhere_never_blocks_the_loop(
    database: Database, options: EngineOptions
) -> None:
    """Another process holds SQLite's write lock: the event waits for it in the writer's
    thread, while the loop goes on serving (a blocking BEGIN would freeze it for up to the
    5 s busy timeout), and is committed once the lock is released."""
    commits = GroupCommit(ConversationEngine(database, options))
    holder = Database(database.url).engine.raw_connection()
    holder.execute("BEGIN IMMEDIATE")  # type: ignore[attr-defined]
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    try:
        handled = asyncio.create_task(commits.handle(sender(1), Command("start"), event_id="1"))
        await asyncio.sleep(0.5)
        assert not handled.done()
        assert ticks >= 10, ticks  # the loop kept turning while the event waited
    finally:
        holder.rollback()
        holder.close()
    assert await asyncio.wait_for(handled, timeout=10)
    ticking.cancel()
    assert stored(database.url, ChatIdentity) == 1
    commits.close()


def test_a_begin_that_must_not_wait_restores_the_connections_own_busy_timeout(
    database: Database,
) -> None:
    """It takes the lock at once or not at all (busy timeout 0 meanwhile), then gives the
    connection its own timeout back, reading that timeout only once per connection."""
    event.listen(
        database.engine, "connect", lambda dbapi, _r: dbapi.execute("PRAGMA busy_timeout=1234")
    )
    database.dispose()
    holder = Database(database.url).engine.raw_connection()
    statements: list[str] = []
    try:
        for attempt in range(3):
            locked = attempt == 1
            if locked:
                holder.execute("BEGIN IMMEDIATE")  # type: ignore[attr-defined]
            with database.session(kept=True) as session:
                _connection, driver = connection_of(session)
                assert driver is not None
                driver.set_trace_callback(statements.append)
                assert begin(session, wait=False) is not locked
                driver.set_trace_callback(None)
                assert driver.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
            if locked:
                holder.rollback()
    finally:
        holder.close()
    assert statements.count("PRAGMA busy_timeout") == 1, statements
    assert statements.count("PRAGMA busy_timeout=0") == 3
    assert statements.count("PRAGMA busy_timeout=1234") == 3

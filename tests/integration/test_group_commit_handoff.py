"""The hand-off between the loop and the group-commit writer (`GroupCommit.handle`)."""

from __future__ import annotations

import asyncio
import threading
from contextlib import suppress
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Command, Sender
from bot.conversation.group_commit import GroupCommit
from bot.store.database import Database
from models import ChatIdentity
from tests.support.failing import fail_events_of


def sender(number: int) -> Sender:
    return Sender("test", f"user-{number}", f"Người {number}")


async def test_an_event_given_up_while_its_batch_runs_leaves_the_writer_working(
    database: Database, options: EngineOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handler cancelled while its event is committed (a stop whose grace ran out, a
    dropped webhook request) must not stop the writer: the next events are answered, and
    the given-up event is stored all the same (its redelivery gets the kept replies)."""
    engine = ConversationEngine(database, options)
    started, release = threading.Event(), threading.Event()
    real = engine.handle_in

    def held(session: Session, who: Sender, *args: Any, **kwargs: Any) -> Any:
        if who.external_id == "user-1":
            started.set()
            release.wait(5)
        return real(session, who, *args, **kwargs)

    monkeypatch.setattr(engine, "handle_in", held)
    commits = GroupCommit(engine, alone_in_loop=False)  # the writer's hand-off is tested
    given_up = asyncio.create_task(commits.handle(sender(1), Command("start"), event_id="1"))
    assert await asyncio.to_thread(started.wait, 5)
    given_up.cancel()
    with suppress(asyncio.CancelledError):
        await given_up
    release.set()
    replies = await asyncio.wait_for(
        commits.handle(sender(2), Command("start"), event_id="2"), timeout=10
    )
    commits.close(5)
    assert replies
    with database.session() as session:
        assert session.exec(select(func.count()).select_from(ChatIdentity)).one() == 2


async def test_replies_and_errors_come_back_to_the_loop(
    database: Database, options: EngineOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = ConversationEngine(database, options)
    fail_events_of(monkeypatch, engine, "user-2", after_writes=False)
    commits = GroupCommit(engine)
    first, second = await asyncio.gather(
        commits.handle(sender(1), Command("start"), event_id="1"),
        commits.handle(sender(2), Command("start"), event_id="2"),
        return_exceptions=True,
    )
    commits.close(5)
    assert isinstance(first, list) and first
    assert isinstance(second, RuntimeError) and "a bug" in str(second)

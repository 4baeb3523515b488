"""Faults survived under load: short `make load` runs with real `baocao run` webhook instances.

Each test lets a few simulated staff answer for a few seconds (tests/support/load_run.py)
while something goes wrong, then compares the database with what the users were told was
saved: `lost` (acknowledged answers missing) and `duplicated` (answers stored twice, replies
sent twice) must stay 0, and the users must get an answer to everything they sent.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Sender, parse_typed
from bot.core.replies import TELEGRAM
from bot.store.database import Database, table_of
from models import AnswerChange
from tests.support.fake_telegram import Fault, Sent
from tests.support.load_run import FIRST_USER, Action, LoadConfig, LoadRun, Progress, Waiter
from tests.support.postgres import PostgresServer, PostgresUnavailableError, start_server

pytestmark = pytest.mark.slow

USERS = 12
SECONDS = 6.0
THINK = 0.3
_NAMES = itertools.count(1)


async def play(
    folder: Path,
    url: str,
    kind: str,
    *,
    instances: int = 1,
    actions: Sequence[tuple[float, Action]] = (),
    reply_timeout: float = 4.0,
    seconds: float = SECONDS,
    disk_can_fill: bool = False,
) -> tuple[dict[str, Any], LoadRun]:
    """A short load run with `actions` at their second; its figures and the run."""
    database = Database(url)
    database.migrate()
    config = LoadConfig(
        users=USERS,
        seconds=seconds,
        instances=instances,
        think_seconds=THINK,
        reply_timeout=reply_timeout,
        disk_can_fill=disk_can_fill,
    )
    run = LoadRun(config, database, kind, folder)
    try:
        await run.start(url)
        figures = await run.play(actions)
    finally:
        run.stop()
        database.dispose()
    return figures, run


def _database(server: PostgresServer) -> tuple[str, str]:
    name = f"load_faults_{next(_NAMES)}"
    return name, server.create_database(name)


def _assert_nothing_lost(figures: dict[str, Any]) -> None:
    details = figures["details"]
    assert (figures["lost"], figures["duplicated"]) == (0, 0), figures
    assert details["unanswered"] == 0, figures
    assert details["answers"] > 0, figures


@pytest.mark.dialect
async def test_one_instance_killed_mid_run_the_other_goes_on_and_redeliveries_count_once(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    _, url = _database(postgres_server)
    answered_at_kill: list[int] = []

    async def kill_first(run: LoadRun) -> None:
        assert run.instances is not None
        answered_at_kill.append(run.counts["answers"])
        run.instances.running[0].kill()

    figures, run = await play(
        tmp_path, url, "postgresql", instances=2, actions=[(2.0, kill_first)]
    )
    print(figures)
    _assert_nothing_lost(figures)
    details = figures["details"]
    # Updates the dead instance could not take went to the other one, same update id.
    assert details["proxy_failovers"] + details["reply_timeouts"] > 0, figures
    assert run.counts["answers"] > answered_at_kill[0] + USERS, figures


async def test_bot_api_failing_in_bursts_delays_replies_and_loses_or_doubles_none(
    tmp_path: Path,
) -> None:
    faults = [Fault(status=502), Fault(status=429, retry_after=1), Fault(status=500)] * 3
    # Two calls held past the bot's read timeout (5 s), then dropped: timeouts.
    faults += [Fault(hold=5.5), Fault(hold=5.5)]

    async def burst(run: LoadRun) -> None:
        run.fake.fail_next(*faults)

    url = f"sqlite:///{tmp_path / 'load.db'}"
    figures, run = await play(tmp_path, url, "sqlite", actions=[(1.5, burst)], reply_timeout=20.0)
    print(figures)
    _assert_nothing_lost(figures)
    assert not run.fake.faults, "every fault was served"
    assert dict(run.fake.refused) == {502: 3, 429: 3, 500: 3, 0: 2}
    assert figures["latency_ms"]["p99"] > 1000, "the faults delayed some replies"


@pytest.mark.dialect
async def test_postgresql_restarted_mid_run_instances_reconnect_and_lose_nothing(
    tmp_path: Path,
) -> None:
    try:
        # Durable as in production: an acknowledged commit survives the crash.
        server = await asyncio.to_thread(lambda: start_server(durable=True))
    except PostgresUnavailableError as err:
        pytest.skip(str(err))
    try:
        _, url = _database(server)
        answered_at_restart: list[int] = []

        async def restart(run: LoadRun) -> None:
            await asyncio.to_thread(server.restart)
            answered_at_restart.append(run.counts["answers"])

        # Crash recovery takes a few seconds here: time to answer after it.
        figures, run = await play(
            tmp_path, url, "postgresql", instances=2, actions=[(1.5, restart)], seconds=10.0
        )
    finally:
        server.stop()
    print(figures)
    _assert_nothing_lost(figures)
    assert figures["details"]["told_to_try_again"] > 0, "the restart failed some updates"
    assert run.counts["answers"] > answered_at_restart[0] + USERS, "they reconnected"


@pytest.mark.dialect
async def test_database_turned_read_only_users_told_and_nothing_false_acknowledged(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    name, url = _database(postgres_server)

    async def read_only(run: LoadRun) -> None:
        await asyncio.to_thread(
            postgres_server.execute,
            f"ALTER DATABASE {name} SET default_transaction_read_only = on",
            # Sessions open now keep their settings: end them (the pool reconnects).
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        )

    figures, _run = await play(tmp_path, url, "postgresql", actions=[(2.0, read_only)])
    await asyncio.to_thread(
        postgres_server.execute, f"ALTER DATABASE {name} RESET default_transaction_read_only"
    )
    print(figures)
    assert (figures["lost"], figures["duplicated"]) == (0, 0), figures
    assert figures["details"]["told_to_try_again"] > 0, figures
    assert figures["details"]["answers"] > 0, figures


async def test_disk_full_users_told_and_nothing_false_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "load.db"
    answered_when_full: list[int] = []

    async def fill_disk(run: LoadRun) -> None:
        assert run.instances is not None
        answered_when_full.append(run.counts["answers"])
        run.instances.fill_disk(run.instances.running[0])

    figures, _run = await play(
        tmp_path, f"sqlite:///{path}", "sqlite", actions=[(2.0, fill_disk)], disk_can_fill=True
    )
    print(figures)
    assert (figures["lost"], figures["duplicated"]) == (0, 0), figures
    assert figures["details"]["told_to_try_again"] > 0, figures
    assert answered_when_full[0] > 0, figures


def test_the_audit_comparison_finds_a_lost_and_a_doubled_answer(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'load.db'}")
    database.migrate()
    run = LoadRun(LoadConfig(users=1), database, "sqlite", tmp_path)
    run.prepare()
    run.fake.stop()
    # The one user plays the script's first answers in-process, all acknowledged.
    engine = ConversationEngine(database, EngineOptions())
    sender = Sender(TELEGRAM, str(FIRST_USER), "Hương Nguyễn")
    played = 6
    for step in run.steps[:played]:
        engine.handle(sender, parse_typed(step.typed))
    run.progress[FIRST_USER] = Progress(acked=played - 1, sent=played - 1)
    assert (run.figures(1.0)["lost"], run.figures(1.0)["duplicated"]) == (0, 0)

    changes = table_of(AnswerChange)
    with database.engine.begin() as connection:
        newest = connection.execute(select(func.max(changes.c.id))).scalar_one()
        row = connection.execute(select(changes).where(changes.c.id == newest)).mappings().one()
        connection.execute(delete(changes).where(changes.c.id == newest))
    assert run.figures(1.0)["lost"] == 1

    # The same answer back, plus one stored under another question: one too many.
    with database.engine.begin() as connection:
        connection.execute(insert(changes), [dict(row), {**row, "id": None, "question_id": "x"}])
    assert (run.figures(1.0)["lost"], run.figures(1.0)["duplicated"]) == (0, 1)
    database.dispose()


async def test_a_reply_sent_twice_for_one_delivery_counts_as_duplicated(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'load.db'}")
    run = LoadRun(LoadConfig(users=1), database, "sqlite", tmp_path)
    loop = asyncio.get_running_loop()
    for deliveries, chat in ((1, 7), (2, 8)):
        answered = Waiter("✅ Đã lưu: 591", loop.create_future(), deliveries)
        answered.reply.set_result(1.0)
        run.waiting[chat] = answered
        run.on_message(Sent("sendMessage", chat, "✅ Đã lưu: 591", 2.0))
    # Delivered once and answered twice: a duplicate; delivered twice: answered again.
    assert (run.counts["duplicated_replies"], run.counts["replies_to_redeliveries"]) == (1, 1)
    database.dispose()

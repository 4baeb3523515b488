"""Webhook mode with real `baocao run` processes: several instances, and SIGTERM.

Marked `dialect`: two processes sharing one database is SQLite's file lock against
PostgreSQL's advisory and row locks. The bots talk to a fake Bot API over HTTP
(tests/support/fake_telegram.py) and get their updates as Telegram posts them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import func, select

from bot.store.database import Database
from models import Answer, AnswerChange, ProcessedEvent
from tests.e2e.script import conversation
from tests.support.fake_telegram import FakeTelegram, in_thread
from tests.support.ports import free_port
from tests.support.telegram_updates import message_update

pytestmark = [pytest.mark.slow, pytest.mark.dialect]

TOKEN = "123456:INSTANCES"
SECRET = "s1"
# The user's steps played through two instances (the start of the report: enough to
# cover menus, typed answers, a table and checks).
STEPS = 30


class Instance:
    """One `baocao run` in webhook mode on a port of its own."""

    def __init__(self, tmp_path: Path, api: FakeTelegram, database_url: str, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.log = tmp_path / f"{name}.log"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "ZALO_", "BAOCAO_", "DATABASE_URL"))
        }
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
            BAOCAO_DEMO="1",
            BAOCAO_DATA_DIR=str(tmp_path / "data"),
            BAOCAO_REMINDER_SWEEP_SECONDS="0",
            # Each instance's own web server (health checks), as in deploy/instance.env.example.
            BAOCAO_WEB_LISTEN=f"127.0.0.1:{free_port()}",
            DATABASE_URL=database_url,
        )
        baocao = Path(sys.executable).with_name("baocao")
        args = ["--webhook-url", self.url, "--secret-token", SECRET, "--listen", "127.0.0.1"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(baocao), "run", *args, "--port", str(self.port)],
                cwd=tmp_path,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            try:
                if httpx.post(self.url, json={}).status_code == 403:  # serving, no secret
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"{name} did not start:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def post(self, client: httpx.AsyncClient, raw: dict[str, Any]) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        response = await client.post(self.url, json=raw, headers=headers, timeout=30)
        return response.status_code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def api() -> Iterator[FakeTelegram]:
    with in_thread(FakeTelegram(TOKEN)) as fake:
        yield fake


def count(url: str, model: Any) -> int:
    database = Database(url)
    try:
        with database.session() as session:
            return int(session.exec(select(func.count()).select_from(model)).one())
    finally:
        database.dispose()


def answers_of(url: str) -> dict[str, str]:
    database = Database(url)
    try:
        with database.session() as session:
            rows = session.exec(select(Answer)).all()
            return {row.question_id: f"{row.value}|{row.skipped}" for row in rows}
    finally:
        database.dispose()


async def test_one_chat_through_two_instances_is_handled_in_order_and_once(
    database_url: str, tmp_path: Path, api: FakeTelegram
) -> None:
    """Updates of one chat alternate between two instances, and each is also delivered a
    second time to the other instance at the same moment (a redelivery racing the first)."""
    steps = conversation("Hương Nguyễn")[:STEPS]
    instances = [Instance(tmp_path, api, database_url, name) for name in ("a", "b")]
    try:
        async with httpx.AsyncClient() as client:
            for number, step in enumerate(steps, start=1):
                raw = message_update(number, 777, text=step.typed)
                first, second = instances[number % 2], instances[(number + 1) % 2]
                codes = await asyncio.gather(first.post(client, raw), second.post(client, raw))
                assert codes == [200, 200]
    finally:
        for instance in instances:
            instance.stop()
    # Handled once: one claim per update, one stored change per answer, as one process
    # playing the same steps alone stores them.
    assert count(database_url, ProcessedEvent) == len(steps)
    alone = tmp_path / "alone"
    alone.mkdir()
    reference = f"sqlite:///{alone / 'alone.db'}"
    solo = Instance(alone, api, reference, "alone")
    try:
        async with httpx.AsyncClient() as client:
            for number, step in enumerate(steps, start=1):
                assert await solo.post(client, message_update(number, 777, text=step.typed)) == 200
    finally:
        solo.stop()
    assert count(database_url, AnswerChange) == count(reference, AnswerChange) > 10
    # In order: each answer went to the question it was typed for.
    assert answers_of(database_url) == answers_of(reference)


async def test_sigterm_answers_the_updates_in_flight_and_exits_within_10_s(
    tmp_path: Path, api: FakeTelegram, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("stopping does not depend on the database")
    api.send_delay = 1.5  # a slow Telegram: the replies are on their way when SIGTERM comes
    bot = Instance(tmp_path, api, database_url, "bot")
    users = range(1001, 1006)
    async with httpx.AsyncClient() as client:
        posts = [
            asyncio.create_task(bot.post(client, message_update(n, user, text="/start")))
            for n, user in enumerate(users, start=1)
        ]
        deadline = time.monotonic() + 20
        while count(database_url, ProcessedEvent) < len(users):
            assert time.monotonic() < deadline, bot.output()
            await asyncio.sleep(0.05)
        bot.process.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        codes = await asyncio.gather(*posts)
        code = await asyncio.to_thread(bot.process.wait, 15)
        took = time.monotonic() - stopped_at
    bot.stop()
    assert code == 0, bot.output()
    assert took < 10, bot.output()
    assert codes == [200] * len(users)
    # Every update in flight was answered before the process exited.
    assert all(api.texts_to(user) for user in users), bot.output()
    assert "Telegram bot stopped" in bot.output()

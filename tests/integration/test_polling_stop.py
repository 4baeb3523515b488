"""SIGTERM in long-polling mode, with a real `baocao run` process and a slow fake API.

Telegram: the updates already fetched finish (their replies sent, their answers stored) and
are confirmed, so Telegram does not deliver them again; those not finished in the grace
are left unconfirmed for the next process. Zalo: the updates in hand finish likewise. Either
way the process exits 0 within 10 s.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application

from bot.store.database import Database
from models import Answer, ProcessedEvent
from tests.e2e.script import conversation
from tests.support.fake_telegram import FakeTelegram, _MethodHandler
from tests.support.ports import free_port
from tests.support.zalo_api import TOKEN as ZALO_TOKEN
from tests.support.zalo_api import FakeZaloApi, text_update

pytestmark = pytest.mark.slow

TOKEN = "123456:POLLING"
USERS = range(1001, 1006)
# Each user starts a report, picks its first section and answers its first question.
STEPS = conversation("Hương Nguyễn")[:3]
LAST = len(STEPS) * len(USERS)  # the id of the last update


class PollingTelegram(FakeTelegram):
    """The fake Bot API with getUpdates (long polls) and a sendMessage that can be slow."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.updates: list[dict[str, Any]] = []
        self.offsets: list[int] = []  # the offset of each getUpdates, in order
        self.send_delay = 0.0

    def start(self) -> int:
        app = Application([(r"/bot([^/]+)/(\w+)", _PollingHandler, {"fake": self})])
        sockets = bind_sockets(0, "127.0.0.1")
        self._server = HTTPServer(app)
        self._server.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])
        return self.port


class _PollingHandler(_MethodHandler):
    fake: PollingTelegram

    async def post(self, token: str, method: str) -> None:
        fake = self.fake
        if method == "getUpdates" and token == fake.token:
            params = self._params()
            offset = int(params.get("offset") or 0)
            fake.offsets.append(offset)
            # Telegram forgets the updates an offset confirms.
            fake.updates = [u for u in fake.updates if u["update_id"] >= offset]
            deadline = time.monotonic() + float(params.get("timeout") or 0)
            while True:
                result = [u for u in fake.updates if u["update_id"] >= offset]
                if result or time.monotonic() >= deadline:
                    break
                await asyncio.sleep(0.05)
            self._reply(200, {"ok": True, "result": result[: int(params.get("limit") or 100)]})
            return
        if method == "sendMessage":
            await asyncio.sleep(fake.send_delay)
        await super().post(token, method)


def message_raw(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "Hương"}
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "text": text,
        "from": person,
        "chat": {"id": user_id, "type": "private", "first_name": "Hương"},
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id, "message": message}


def rows(url: str, model: Any) -> list[Any]:
    database = Database(url)
    try:
        with database.session() as session:
            return list(session.exec(select(model)).all())
    finally:
        database.dispose()


def count(url: str, model: Any) -> int:
    database = Database(url)
    try:
        with database.session() as session:
            return int(session.exec(select(func.count()).select_from(model)).one())
    finally:
        database.dispose()


@pytest.fixture
async def api() -> AsyncIterator[PollingTelegram]:
    fake = PollingTelegram(TOKEN)
    fake.start()
    yield fake
    fake.stop()


async def until(condition: Callable[[], bool], seconds: float, why: Callable[[], str]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, why()
        await asyncio.sleep(0.05)


class Bot:
    """One `baocao run` in long-polling mode (the channel's token and API in `channel`)."""

    def __init__(self, tmp_path: Path, url: str, name: str, **channel: str) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "ZALO_", "BAOCAO_", "DATABASE_URL"))
        }
        env.update(
            channel,
            BAOCAO_DEMO="1",
            BAOCAO_DATA_DIR=str(tmp_path / "data"),
            BAOCAO_WEB_LISTEN=f"127.0.0.1:{free_port()}",
            DATABASE_URL=url,
        )
        self.log = tmp_path / f"{name}.log"
        baocao = Path(sys.executable).with_name("baocao")
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(baocao), "run"], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def terminate(self) -> tuple[int, float]:
        """SIGTERM; the exit code and the seconds it took."""
        self.process.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        code = await asyncio.to_thread(self.process.wait, 15)
        return code, time.monotonic() - stopped_at

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def telegram_bot(tmp_path: Path, api: PollingTelegram, url: str, name: str) -> Bot:
    return Bot(tmp_path, url, name, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url)


async def in_hand(api: PollingTelegram, bot: Bot, url: str, send_delay: float) -> dict[int, int]:
    """Each user starts a report (fast Telegram), then all answer its first question at once
    while Telegram is slow; returns once every answer is in hand (claimed, not confirmed),
    with the number of messages each user had before."""
    await until(lambda: bool(api.offsets), 60, bot.output)
    update_id = 0
    sent_before: dict[int, int] = {}
    for number, step in enumerate(STEPS, start=1):
        if number == len(STEPS):
            api.send_delay = send_delay
            sent_before = {user: len(texts_to(api, user)) for user in USERS}
        for user in USERS:
            update_id += 1
            api.updates.append(message_raw(update_id, user, step.typed))
        if number < len(STEPS):
            await until(lambda last=update_id: api.offsets[-1] > last, 20, bot.output)
    await until(lambda: count(url, ProcessedEvent) == update_id, 20, bot.output)
    assert api.offsets[-1] <= update_id  # still in hand, not confirmed yet
    return sent_before


def texts_to(api: FakeTelegram, chat_id: int) -> list[str]:
    return [sent.text for sent in api.sent if sent.chat_id == chat_id]


def answered(api: PollingTelegram, sent_before: dict[int, int]) -> bool:
    return all(len(texts_to(api, user)) > sent_before[user] for user in USERS)


def stored(url: str) -> list[str]:
    return sorted(str(answer.value) for answer in rows(url, Answer))


async def test_sigterm_while_polling_answers_the_updates_in_hand_and_exits_within_10_s(
    tmp_path: Path, api: PollingTelegram
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    bot = telegram_bot(tmp_path, api, url, "bot")
    try:
        sent_before = await in_hand(api, bot, url, send_delay=1.5)
        code, took = await bot.terminate()
    finally:
        bot.kill()
    assert code == 0, bot.output()
    assert took < 10, bot.output()
    # Every update in hand was answered before the process exited...
    assert answered(api, sent_before), bot.output()
    # ...its answer stored, one per user, as typed...
    assert stored(url) == [STEPS[-1].typed] * len(USERS)
    # ...and confirmed: Telegram does not deliver it again.
    assert api.offsets[-1] == LAST + 1, bot.output()
    assert "Telegram stopped" in bot.output()


async def test_updates_not_finished_in_the_grace_are_left_for_the_next_process(
    tmp_path: Path, api: PollingTelegram
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    bot = telegram_bot(tmp_path, api, url, "bot")
    try:
        sent_before = await in_hand(api, bot, url, send_delay=30)  # Telegram hangs
        code, took = await bot.terminate()
    finally:
        bot.kill()
    assert code == 0, bot.output()
    assert took < 10, bot.output()
    assert not answered(api, sent_before)
    assert api.offsets[-1] <= LAST  # not confirmed: Telegram delivers them again
    api.send_delay = 0
    again = telegram_bot(tmp_path, api, url, "again")
    try:
        await until(lambda: answered(api, sent_before), 60, again.output)
    finally:
        again.kill()
    # Answered from what the first process stored, nothing stored twice.
    assert stored(url) == [STEPS[-1].typed] * len(USERS)


class SlowZalo(FakeZaloApi):
    """The fake Zalo API whose sendMessage takes `send_delay` seconds."""

    send_delay = 0.0

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path.endswith("/sendMessage"):
            time.sleep(self.send_delay)  # a thread per request: the others go on
        return super().answer(path, body)


@pytest.mark.parametrize("send_delay", [1.5, 30.0], ids=["slow", "hanging"])
async def test_sigterm_while_polling_zalo_finishes_what_it_can_within_10_s(
    tmp_path: Path, send_delay: float
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    chats = [f"zalo-chat-{user}" for user in USERS]
    with SlowZalo() as api:
        bot = Bot(tmp_path, url, "bot", ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_BASE_URL=api.base_url)
        try:
            await until(lambda: bool(api.calls("deleteWebhook")), 60, bot.output)
            api.send_delay = send_delay
            for chat in chats:
                api.push(text_update(chat, "/start", f"m-{chat}"))
            await until(lambda: count(url, ProcessedEvent) == len(chats), 20, bot.output)
            code, took = await bot.terminate()
        finally:
            bot.kill()
        answered = [chat for chat in chats if api.texts(chat)]
    assert code == 0, bot.output()
    assert took < 10, bot.output()
    # Slow replies are all sent before the exit; hanging ones are given up at the grace.
    assert answered == (chats if send_delay < 6 else []), bot.output()

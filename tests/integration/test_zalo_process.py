"""Journeys through the real `baocao run` process against the fake Zalo API on loopback.

The process is configured only through its environment, as an operator would: ZALO_BOT_TOKEN
and ZALO_API_BASE_URL pointing at the fake server. Every wait is on something the bot sent.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from docx import Document

from bot.texts import t
from tests.support.ports import free_port
from tests.support.zalo_api import TOKEN, FakeZaloApi, text_update

pytestmark = pytest.mark.slow

CHAT = "5f2a9c0d71"
START_TIMEOUT = 30.0
# Message ids unique across the bots of a test: Zalo never gives two messages one id.
MESSAGE_IDS = itertools.count(1)
BAOCAO = Path(sys.executable).with_name("baocao")


class Bot:
    """One `baocao run` process and the fake server it talks to."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path, api: FakeZaloApi) -> None:
        self.process = process
        self.log = log
        self.api = api

    def say(self, text: str, *, chat: str = CHAT, message_id: str | None = None) -> str:
        """Types a message and returns the bot's answer (all its parts)."""
        before = len(self.api.texts(chat))
        self.api.push(text_update(chat, text, message_id or f"m-{next(MESSAGE_IDS)}"))
        self.api.wait_texts(chat, before + 1)
        time.sleep(0.15)  # the other parts of a split answer
        return "\n".join(self.api.texts(chat)[before:])

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


StartBot = Callable[..., Bot]


@pytest.fixture
def api() -> Iterator[FakeZaloApi]:
    with FakeZaloApi(poll_wait=0.5) as server:
        yield server


@pytest.fixture
def start_bot(api: FakeZaloApi, tmp_path: Path) -> Iterator[StartBot]:
    started: list[Bot] = []

    def start(*args: str, ready: Callable[[], bool] | None = None, **extra: str) -> Bot:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "BAOCAO_", "ZALO_", "DATABASE_URL"))
        }
        env.update(
            {
                "ZALO_BOT_TOKEN": TOKEN,
                "ZALO_API_BASE_URL": api.base_url,
                "BAOCAO_DEMO": "1",
                "BAOCAO_DATA_DIR": str(tmp_path / "data"),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'baocao.db'}",
                "BAOCAO_REMINDER_SWEEP_SECONDS": "0",
                "BAOCAO_WEB_LISTEN": f"127.0.0.1:{free_port()}",
                **extra,
            }
        )
        log = tmp_path / f"bot-{len(started) + 1}.log"
        polls = len(api.calls("deleteWebhook"))
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(BAOCAO), "run", *args], cwd=tmp_path, env=env, stdout=out, stderr=out
            )
        bot = Bot(process, log, api)
        started.append(bot)
        is_ready = ready or (lambda: len(api.calls("deleteWebhook")) > polls)
        deadline = time.monotonic() + START_TIMEOUT
        while not is_ready():
            if process.poll() is not None:
                pytest.fail(f"the bot exited with {process.returncode}:\n{bot.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the bot was not ready:\n{bot.output()}")
            time.sleep(0.05)
        return bot

    yield start
    for bot in started:
        if bot.process.poll() is None:
            bot.process.send_signal(signal.SIGTERM)
            try:
                bot.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                bot.process.kill()
                bot.process.wait()


def test_start_gets_a_vietnamese_welcome_with_numbered_choices(start_bot: StartBot) -> None:
    bot = start_bot()
    welcome = bot.say("/start")
    assert "Xin chào" in welcome
    assert "1. Thực hiện các cuộc vận động" in welcome
    assert "👉 Gõ một số từ 1 đến 10 để chọn." in welcome
    assert "/duthao" in welcome


def test_a_section_answered_by_typed_numbers_and_text_survives_a_sigkill(
    start_bot: StartBot,
) -> None:
    bot = start_bot()
    bot.say("/start")
    first = bot.say("4")
    assert "Phần 4 • Câu 1/3" in first
    saved = bot.say("Lãnh đạo trung tâm chỉ đạo sát sao.")
    assert "✅ Đã lưu" in saved and "Câu 2/3" in saved
    # Acknowledged, then killed without any shutdown.
    bot.process.send_signal(signal.SIGKILL)
    bot.process.wait(timeout=10)
    again = start_bot()
    resumed = again.say("/tiep")
    assert "Câu 2/3" in resumed, resumed
    review = again.say("/xem")
    assert "Lãnh đạo trung tâm chỉ đạo sát sao." in review


def test_a_redelivered_message_is_handled_once(start_bot: StartBot) -> None:
    bot = start_bot()
    bot.say("/start")
    bot.say("4")
    first = bot.say("Chỉ đạo sát sao.", message_id="redelivered")
    again = bot.say("Chỉ đạo sát sao.", message_id="redelivered")
    assert again == first
    # Stored once: the next answer is the second question's, not the third's.
    third = bot.say("Đổi mới quản lý.")
    assert "Câu 3/3" in third, third


def test_joining_with_an_invite(start_bot: StartBot, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BAOCAO_", "DATABASE_URL"))},
        "BAOCAO_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'baocao.db'}",
    }
    created = subprocess.run(
        [
            str(BAOCAO),
            *("unit", "create", "--name", "Trung tâm GDNN-GDTX Đông Anh", "--place", "Đông Anh"),
            *("--parent-body", "SỞ GIÁO DỤC VÀ ĐÀO TẠO HÀ NỘI", "--json"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    code = json.loads(created.stdout)["invite_code"]
    bot = start_bot(BAOCAO_DEMO="0")
    # Outside demo mode a stranger is told how to join, and joins with the invite.
    assert bot.say("xin chào") == t("start.stranger")
    joined = bot.say(f"/start {code}")
    assert "Trung tâm GDNN-GDTX Đông Anh" in joined


def test_webhook_refuses_calls_without_the_secret(
    start_bot: StartBot, api: FakeZaloApi, tmp_path: Path
) -> None:
    port = free_port()
    url = "https://baocao.example.edu.vn/zalo/webhook"
    secret = "s3cret-of-the-webhook"
    bot = start_bot(
        "--zalo-webhook-url",
        url,
        ready=lambda: api.webhook is not None,
        ZALO_WEBHOOK_SECRET=secret,
        BAOCAO_WEB_LISTEN=f"127.0.0.1:{port}",
    )
    assert api.webhook == {"url": url, "secret_token": secret}
    local = f"http://127.0.0.1:{port}/zalo/webhook"
    update = text_update(CHAT, "/start", "w-1")
    for headers in ({}, {"X-Bot-Api-Secret-Token": "wrong-secret"}):
        refused = httpx.post(local, json=update, headers=headers, timeout=10)
        assert refused.status_code == 401
    time.sleep(0.5)
    assert api.texts(CHAT) == []  # nothing processed: nothing answered, nothing stored
    with sqlite3.connect(tmp_path / "baocao.db") as stored:
        for table in ("processedevent", "chatidentity", "conversation"):
            assert stored.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    accepted = httpx.post(
        local, json=update, headers={"X-Bot-Api-Secret-Token": secret}, timeout=10
    )
    assert accepted.status_code == 200
    texts = api.wait_texts(CHAT, 1)
    assert "Xin chào" in texts[0]
    assert bot.process.poll() is None


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--zalo-webhook-url", "https://bot.example.vn/zalo"], {}, "8-256"),
        (["--zalo-webhook-url", "https://bot.example.vn/zalo"], {"ZALO_BOT_TOKEN": ""}, "ZALO"),
    ],
)
def test_a_webhook_without_its_secret_or_token_is_refused_at_start(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))},
        "ZALO_BOT_TOKEN": TOKEN,
        "BAOCAO_DATA_DIR": str(tmp_path / "data"),
        **env,
    }
    result = subprocess.run(
        [str(BAOCAO), "run", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_a_wrong_token_stops_the_bot_with_a_clear_error(api: FakeZaloApi, tmp_path: Path) -> None:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))},
        "ZALO_BOT_TOKEN": "42:not-the-token",
        "ZALO_API_BASE_URL": api.base_url,
        "BAOCAO_DATA_DIR": str(tmp_path / "data"),
        "BAOCAO_WEB_LISTEN": f"127.0.0.1:{free_port()}",
    }
    result = subprocess.run(
        [str(BAOCAO), "run"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Zalo refused ZALO_BOT_TOKEN (401)" in result.stderr
    assert "not-the-token" not in result.stderr


def test_duthao_without_a_public_url_links_to_the_bots_own_web_server(
    start_bot: StartBot, api: FakeZaloApi
) -> None:
    # The command line, with no BAOCAO_PUBLIC_URL: the link opens on this machine.
    port = free_port()
    bot = start_bot(BAOCAO_WEB_LISTEN=f"127.0.0.1:{port}")
    bot.say("/start")
    bot.say("4")
    bot.say("Lãnh đạo trung tâm chỉ đạo sát sao.")
    before = len(api.texts(CHAT))
    api.push(text_update(CHAT, "/duthao", "duthao-1"))
    pattern = re.compile(rf"http://127\.0\.0\.1:{port}/d/[\w.-]+")
    api.wait_for(
        lambda: any(pattern.search(text) for text in api.texts(CHAT)[before:]), timeout=90
    )
    link = next(m.group(0) for text in api.texts(CHAT)[before:] if (m := pattern.search(text)))
    response = httpx.get(f"{link}/docx", timeout=30)
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "Lãnh đạo trung tâm chỉ đạo sát sao." in text
    assert all(1 <= len(text) <= 2000 for text in api.texts(CHAT))

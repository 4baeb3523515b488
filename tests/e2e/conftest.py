"""Fixtures of the end-to-end suite: the Bot API emulator and the real bot process.

The emulator is telegram-test-api 4.2.1 behind `emulator.js`; the bot is started as a user
starts it, `baocao run`, configured only through its environment.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.fake_user import FakeUser
from tests.support.ports import free_port

E2E_DIR = Path(__file__).resolve().parent
TOKEN = "123456:TEST"
START_TIMEOUT = 20.0


# CI sets this: a missing node/npm, or an install that fails, fails the suite instead of
# skipping it, so the end-to-end journeys cannot silently stop running.
REQUIRE_ENV = "BAOCAO_REQUIRE_E2E"
EMULATOR_PACKAGES = ("telegram-test-api", "express")


def _unavailable(reason: str) -> None:
    """Skips with the reason, or fails when BAOCAO_REQUIRE_E2E=1."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1 requires the end-to-end tests to run)")
    pytest.skip(reason)


def _installed() -> bool:
    modules = E2E_DIR / "node_modules"
    return all((modules / name / "package.json").is_file() for name in EMULATOR_PACKAGES)


@pytest.fixture(scope="session")
def emulator_package() -> Path:
    """telegram-test-api, installed from the lock file (`npm ci`) when it is missing."""
    if not (shutil.which("node") and shutil.which("npm")):
        _unavailable("node and npm are needed to run the Telegram Bot API emulator")
    if not _installed():
        try:
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=E2E_DIR,
                check=True,
                timeout=600,
                capture_output=True,
                text=True,
            )
        except subprocess.CalledProcessError as err:
            pytest.fail(f"`npm ci` in {E2E_DIR} failed:\n{err.stderr}")
        except subprocess.TimeoutExpired:
            pytest.fail(f"`npm ci` in {E2E_DIR} did not finish within 10 minutes")
        if not _installed():
            pytest.fail(f"`npm ci` in {E2E_DIR} did not install {', '.join(EMULATOR_PACKAGES)}")
    return E2E_DIR / "node_modules" / "telegram-test-api"


def _stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


class Emulator:
    """The running emulator: its URL and the test routes that show what the bot did."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def state(self, token: str = TOKEN) -> dict[str, Any]:
        """What the bot has done so far: polls, command menu, chat actions, answers."""
        return dict(self.http.get("/e2e/state", params={"token": token}).json()["result"])

    def file(self, file_id: str) -> bytes:
        """A document the bot uploaded."""
        response = self.http.get(f"/e2e/files/{file_id}")
        response.raise_for_status()
        return response.content

    def unconfirm(self, update_id: int, token: str = TOKEN) -> None:
        """Forgets the bot's confirmation of updates from `update_id` on."""
        self.http.post("/e2e/unconfirm", json={"token": token, "update_id": update_id})

    def raw_update(self, update: dict[str, Any], token: str = TOKEN) -> int:
        """Delivers an update as this raw JSON (its id added); returns the id."""
        response = self.http.post("/e2e/raw_update", json={"token": token, "update": update})
        return int(response.json()["result"])

    def user(self, **options: Any) -> FakeUser:
        """A person talking to the bot through the emulator's client API."""
        return FakeUser(self.http, TOKEN, **options)


@pytest.fixture
def emulator(emulator_package: Path, tmp_path: Path) -> Iterator[Emulator]:
    """A fresh emulator on a free loopback port."""
    log = (tmp_path / "emulator.log").open("w")
    process = subprocess.Popen(
        ["node", str(E2E_DIR / "emulator.js"), "--host", "127.0.0.1", "--port", "0"],
        cwd=E2E_DIR,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert process.stdout is not None
    try:
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("LISTENING "):
            pytest.fail(f"the emulator did not start: {line!r}")
        emulator = Emulator(process, int(line.split()[1]))
        yield emulator
        emulator.http.close()
    finally:
        _stop(process)
        process.stdout.close()
        log.close()


class BotProcess:
    """One `baocao run` process; its log is kept beside the test's database."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def kill(self) -> None:
        """SIGKILL: no shutdown, no last confirmation of updates."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


StartBot = Callable[..., BotProcess]


@pytest.fixture
def start_bot(emulator: Emulator, tmp_path: Path) -> Iterator[StartBot]:
    """Starts `baocao run [args]` against the emulator and waits until it polls (or has its
    webhook)."""
    started: list[BotProcess] = []
    baocao = Path(sys.executable).with_name("baocao")

    def start(*args: str, **extra_env: str) -> BotProcess:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "BAOCAO_", "DATABASE_URL"))
        }
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": f"{emulator.url}/bot",
                "BAOCAO_DEMO": "1",
                "BAOCAO_DATA_DIR": str(tmp_path / "data"),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'baocao.db'}",
                "LOG_LEVEL": "INFO",
                # The bot's web server on a port of its own: tests run side by side.
                "BAOCAO_WEB_LISTEN": f"127.0.0.1:{free_port()}",
                **extra_env,
            }
        )
        before = emulator.state()
        log = tmp_path / f"bot-{len(started) + 1}.log"
        with log.open("wb") as out:
            # cwd: the test folder, so a developer's .env cannot leak into the test.
            process = subprocess.Popen(
                [str(baocao), "run", *args],
                cwd=tmp_path,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        bot = BotProcess(process, log)
        started.append(bot)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the bot exited with {process.returncode}:\n{bot.output()}")
            state = emulator.state()
            if "TELEGRAM_WEBHOOK_URL" in extra_env or "--webhook-url" in args:
                if state["webhook"] and state["commands"]:
                    return bot
            elif state["getUpdatesCalls"] > before["getUpdatesCalls"]:
                return bot
            time.sleep(0.05)
        pytest.fail(f"the bot was not ready within {START_TIMEOUT} s:\n{bot.output()}")

    yield start
    for bot in started:
        _stop(bot.process)

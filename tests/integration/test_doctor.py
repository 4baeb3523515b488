"""`baocao doctor`: each check passes on a good set-up and says what to fix on a bad one.

Telegram's and Zalo's Bot APIs are a small Starlette app served by real uvicorn on loopback,
beside the bot's real /healthz (the public URL); the database is a real SQLite file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.core.clock import VIETNAM
from bot.core.settings import get_settings
from bot.report.pdf import soffice
from bot.store.database import Database
from handlers.web.health import health_routes
from tests.support.web import free_port, serving

TELEGRAM_TOKEN = "123456:AAHgoodTokenForTheDoctorTests_0123456789"
ZALO_TOKEN = "987654321:zaloSecretForTheDoctorTests_abcdefghij"
WEBHOOK = "https://baocao.example.edu.vn/tg"
NAMES = [
    "data_dir",
    "database",
    "libreoffice",
    "telegram_token",
    "telegram_webhook",
    "zalo_token",
    "public_url",
    "backup",
]

runner = CliRunner()


@dataclass
class FakePlatforms:
    """What the fake Bot APIs answer: the tokens they accept and the registered webhook."""

    base: str
    webhook: str = WEBHOOK
    pending: int = 0
    last_error: str | None = None


def _platform_routes(state: dict[str, Any]) -> list[Route]:
    def unauthorized() -> JSONResponse:
        body = {"ok": False, "error_code": 401, "description": "Unauthorized"}
        return JSONResponse(body, status_code=401)

    async def telegram_me(request: Request) -> JSONResponse:
        if request.path_params["token"] != TELEGRAM_TOKEN:
            return unauthorized()
        me = {"id": 123456, "is_bot": True, "first_name": "Báo cáo", "username": "baocao_bot"}
        return JSONResponse({"ok": True, "result": me})

    async def telegram_webhook(request: Request) -> JSONResponse:
        if request.path_params["token"] != TELEGRAM_TOKEN:
            return unauthorized()
        platforms: FakePlatforms = state["platforms"]
        info: dict[str, Any] = {
            "url": platforms.webhook,
            "has_custom_certificate": False,
            "pending_update_count": platforms.pending,
        }
        if platforms.last_error:
            info |= {"last_error_date": 1_700_000_000, "last_error_message": platforms.last_error}
        return JSONResponse({"ok": True, "result": info})

    async def zalo_me(request: Request) -> JSONResponse:
        if request.path_params["token"] != ZALO_TOKEN:
            return unauthorized()
        return JSONResponse(
            {"ok": True, "result": {"id": "987654321", "account_name": "bot.baocao"}}
        )

    return [
        Route("/telegram/bot{token}/getMe", telegram_me),
        Route("/telegram/bot{token}/getWebhookInfo", telegram_webhook),
        Route("/zalo/bot{token}/getMe", zalo_me, methods=["POST"]),
    ]


@pytest.fixture
def platforms(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakePlatforms]:
    """A good set-up: tokens, webhook, public URL, data folder, database, one fresh backup."""
    state: dict[str, Any] = {}
    with serving([*_platform_routes(state), *health_routes(database)]) as base:
        state["platforms"] = fake = FakePlatforms(base)
        data = tmp_path / "data"
        data.mkdir()
        env = {
            "DATABASE_URL": database.url,
            "BAOCAO_DATA_DIR": str(data),
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_API_BASE_URL": f"{base}/telegram/bot",
            "TELEGRAM_WEBHOOK_URL": WEBHOOK,
            "ZALO_BOT_TOKEN": ZALO_TOKEN,
            "ZALO_API_BASE_URL": f"{base}/zalo",
            "BAOCAO_PUBLIC_URL": base,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("BAOCAO_BACKUP_DIR", raising=False)
        get_settings.cache_clear()
        made = runner.invoke(app, ["backup"])
        assert made.exit_code == 0, made.output
        yield fake
    get_settings.cache_clear()


def doctor(monkeypatch: pytest.MonkeyPatch, **env: str | None) -> tuple[Result, dict[str, Any]]:
    """Runs `baocao doctor --json` with some settings changed; the result and the checks."""
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    result = runner.invoke(app, ["doctor", "--json"])
    payload = json.loads(result.stdout)
    assert set(payload) == {"ok", "checks"}
    assert payload["ok"] is (result.exit_code == 0)
    assert result.exit_code in (0, 1), result.output
    return result, {check["name"]: check for check in payload["checks"]}


def failed(checks: dict[str, Any]) -> set[str]:
    return {name for name, check in checks.items() if not check["ok"]}


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_a_good_setup_passes_every_check(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, checks = doctor(monkeypatch)
    assert result.exit_code == 0, result.output
    assert list(checks) == NAMES
    for check in checks.values():
        assert set(check) == {"name", "ok", "message"} and check["ok"], check
    assert "@baocao_bot" in checks["telegram_token"]["message"]
    assert "bot.baocao" in checks["zalo_token"]["message"]
    assert WEBHOOK in checks["telegram_webhook"]["message"]
    text = runner.invoke(app, ["doctor"])
    assert text.exit_code == 0
    assert "Mọi kiểm tra đều đạt." in text.stdout and "✅ Cơ sở dữ liệu:" in text.stdout


def test_wrong_tokens_fail_with_what_to_do_and_are_never_printed(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong_telegram = "123456:AAHwrongTokenForTheDoctorTests_999999"
    wrong_zalo = "987654321:zaloWrongSecretForTheDoctor_zzzzzzzz"
    result, checks = doctor(
        monkeypatch, TELEGRAM_BOT_TOKEN=wrong_telegram, ZALO_BOT_TOKEN=wrong_zalo
    )
    assert result.exit_code == 1
    assert {"telegram_token", "zalo_token", "telegram_webhook"} <= failed(checks)
    assert "@BotFather" in checks["telegram_token"]["message"]
    assert "Zalo Bot Creator" in checks["zalo_token"]["message"]
    text = runner.invoke(app, ["doctor"])
    for output in (result.output, text.output):
        assert wrong_telegram not in output and wrong_zalo not in output
        assert "wrongToken" not in output and "WrongSecret" not in output
    assert "❌ Token Telegram:" in text.stdout and text.exit_code == 1


def test_unset_tokens_are_not_failures(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    _result, checks = doctor(
        monkeypatch, TELEGRAM_BOT_TOKEN=None, ZALO_BOT_TOKEN=None, TELEGRAM_WEBHOOK_URL=None
    )
    for name in ("telegram_token", "telegram_webhook", "zalo_token"):
        assert checks[name]["ok"], checks[name]
    assert "TELEGRAM_BOT_TOKEN" in checks["telegram_token"]["message"]


def test_the_webhook_must_be_registered_where_the_settings_say(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    platforms.webhook = "https://old-server.example/tg"
    _result, checks = doctor(monkeypatch)
    assert "https://old-server.example/tg" in checks["telegram_webhook"]["message"]
    assert not checks["telegram_webhook"]["ok"]

    platforms.webhook = ""
    _result, checks = doctor(monkeypatch)
    assert not checks["telegram_webhook"]["ok"]
    assert "chưa có webhook" in checks["telegram_webhook"]["message"]

    # Long polling configured, yet Telegram still posts to an old webhook.
    platforms.webhook = WEBHOOK
    _result, checks = doctor(monkeypatch, TELEGRAM_WEBHOOK_URL=None)
    assert not checks["telegram_webhook"]["ok"]
    assert f"TELEGRAM_WEBHOOK_URL={WEBHOOK}" in checks["telegram_webhook"]["message"]

    platforms.webhook = ""
    _result, checks = doctor(monkeypatch, TELEGRAM_WEBHOOK_URL=None)
    assert checks["telegram_webhook"]["ok"]
    assert "long polling" in checks["telegram_webhook"]["message"]

    platforms.webhook, platforms.pending = WEBHOOK, 12
    platforms.last_error = "SSL error {error:14094410:SSL routines:ssl3_read_bytes}"
    _result, checks = doctor(monkeypatch, TELEGRAM_WEBHOOK_URL=WEBHOOK)
    assert not checks["telegram_webhook"]["ok"]
    assert "12 tin nhắn đang chờ" in checks["telegram_webhook"]["message"]


def test_an_unreachable_public_url_fails(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    _result, checks = doctor(monkeypatch, BAOCAO_PUBLIC_URL=closed)
    assert failed(checks) >= {"public_url"}
    assert f"{closed}/healthz" in checks["public_url"]["message"]
    assert "reverse proxy" in checks["public_url"]["message"]
    _result, checks = doctor(monkeypatch, BAOCAO_PUBLIC_URL=f"{platforms.base}/nothing-here")
    assert "404" in checks["public_url"]["message"]


def test_a_database_not_made_or_not_migrated_fails_until_db_upgrade(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "new" / "baocao.db"
    result, checks = doctor(monkeypatch, DATABASE_URL=f"sqlite:///{path}")
    assert result.exit_code == 1 and not checks["database"]["ok"]
    assert "baocao db upgrade" in checks["database"]["message"]
    assert not path.exists()

    old = Database(f"sqlite:///{path}")
    old.migrate("head-1")
    old.dispose()
    _result, checks = doctor(monkeypatch)
    assert not checks["database"]["ok"]
    assert "baocao backup" in checks["database"]["message"]

    upgraded = runner.invoke(app, ["db", "upgrade", "--json"])
    assert upgraded.exit_code == 0, upgraded.output
    _result, checks = doctor(monkeypatch)
    assert checks["database"]["ok"], checks["database"]
    assert json.loads(upgraded.stdout)["revision"] in checks["database"]["message"]


def test_an_unreachable_postgresql_fails_without_showing_its_password(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"postgresql://baocao:pa55word-xyz@127.0.0.1:{free_port()}/baocao"
    result, checks = doctor(monkeypatch, DATABASE_URL=url)
    assert not checks["database"]["ok"]
    assert "DATABASE_URL" in checks["database"]["message"]
    assert "pa55word-xyz" not in result.output


def test_a_missing_libreoffice_fails(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    _result, checks = doctor(monkeypatch)
    assert not checks["libreoffice"]["ok"]
    assert "apt install" in checks["libreoffice"]["message"]


def test_a_data_folder_that_is_missing_or_not_writable_fails(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _result, checks = doctor(monkeypatch, BAOCAO_DATA_DIR=str(tmp_path / "nowhere"))
    assert not checks["data_dir"]["ok"] and "install -d" in checks["data_dir"]["message"]
    if os.geteuid() == 0:
        return  # root writes into any folder; the permission case needs another account
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    _result, checks = doctor(monkeypatch, BAOCAO_DATA_DIR=str(locked))
    assert not checks["data_dir"]["ok"] and "chown" in checks["data_dir"]["message"]


def test_the_backup_must_be_less_than_26_hours_old(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "elsewhere"
    _result, checks = doctor(monkeypatch, BAOCAO_BACKUP_DIR=str(folder))
    assert not checks["backup"]["ok"] and "baocao backup" in checks["backup"]["message"]

    taken = datetime(2026, 12, 1, 2, 0, tzinfo=VIETNAM)
    with time_machine.travel(taken, tick=False):
        made = runner.invoke(app, ["backup", "--json"])
    assert made.exit_code == 0, made.output
    assert Path(json.loads(made.stdout)["file"]).parent == folder
    with time_machine.travel(taken + timedelta(hours=25, minutes=59)):
        _result, checks = doctor(monkeypatch)
    assert checks["backup"]["ok"], checks["backup"]
    assert "01/12/2026 02:00" in checks["backup"]["message"]
    with time_machine.travel(taken + timedelta(hours=26, minutes=1)):
        _result, checks = doctor(monkeypatch)
    assert not checks["backup"]["ok"]
    assert "26 giờ" in checks["backup"]["message"]


def test_a_setting_that_cannot_be_read_is_named_without_its_value(
    platforms: FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, checks = doctor(monkeypatch, TELEGRAM_BOT_TOKEN="not-a-token-SECRETISH")
    assert result.exit_code == 1
    assert list(checks) == ["settings"]
    assert "TELEGRAM_BOT_TOKEN" in checks["settings"]["message"]
    assert "SECRETISH" not in result.output
    text = runner.invoke(app, ["doctor"])
    assert text.exit_code == 1 and "❌ Cài đặt: TELEGRAM_BOT_TOKEN" in text.stdout

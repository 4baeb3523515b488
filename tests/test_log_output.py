"""Logs: LOG_FORMAT=json writes one JSON object a line; secrets never reach any log line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from pydantic import Field, SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.cli.app import setup_logging
from bot.core.settings import Settings, get_settings
from bot.ops.logs import REDACTED, Redactor, configure_logging, secrets_of
from tests.support.web import serving

TELEGRAM_TOKEN = "123456:AAHloggedTokenMustNeverShow_0123456789"
ZALO_TOKEN = "987654321:zaloLoggedSecretNeverShown_abcdefghij"
SECRET_KEY = "signing-key-0f9e8d7c6b5a"
WEBHOOK_SECRET = "webhook_secret_Zx81Qp"
DB_PASSWORD = "Pg-pass-7731"
SECRETS = (TELEGRAM_TOKEN, ZALO_TOKEN, SECRET_KEY, WEBHOOK_SECRET, DB_PASSWORD)
DRAFT_TOKEN = "eyJwIjo0Mn0.Zk3xQ9vB2mN8aP1s"
# Pieces that must not show either: what is left of a token cut at its colon.
PIECES = ("AAHloggedTokenMustNeverShow", "zaloLoggedSecretNeverShown")


@pytest.fixture
def secret_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every kind of secret configured, and the root logger restored afterwards."""
    env = {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "ZALO_BOT_TOKEN": ZALO_TOKEN,
        "BAOCAO_SECRET_KEY": SECRET_KEY,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DATABASE_URL": f"postgresql+psycopg://baocao:{DB_PASSWORD}@db.example/baocao",
        "LOG_LEVEL": "DEBUG",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    httpx_level = logging.getLogger("httpx").level
    filters = {handler: list(handler.filters) for handler in handlers}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler, kept in filters.items():
        handler.filters[:] = kept
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(httpx_level)
    get_settings.cache_clear()


def capture(log_format: str, monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Configures logging as `baocao run` does, into a string."""
    monkeypatch.setenv("LOG_FORMAT", log_format)
    get_settings.cache_clear()
    stream = io.StringIO()
    configure_logging(get_settings(), logging.StreamHandler(stream))
    return stream


def log_everything(base: str) -> None:
    """Log lines holding each secret: messages, arguments, an exception, httpx's own log."""
    log = logging.getLogger("bot.test")
    log.info("calling https://api.telegram.org/bot%s/getMe", TELEGRAM_TOKEN)
    log.warning("zalo said no to %s", f"https://bot-api.zaloplatforms.com/bot{ZALO_TOKEN}/getMe")
    log.info("bare token %s and key %s", TELEGRAM_TOKEN, SECRET_KEY)
    log.info("webhook header X-Telegram-Bot-Api-Secret-Token: %s", WEBHOOK_SECRET)
    log.info("database postgresql://baocao:%s@db.example/baocao", DB_PASSWORD)
    log.info("another url https://user:hunter2-other@example.org/x")
    log.info('127.0.0.1:5000 - "GET /d/%s HTTP/1.1" 200', DRAFT_TOKEN)
    try:
        raise RuntimeError(f"request to /bot{TELEGRAM_TOKEN}/sendMessage failed")
    except RuntimeError:
        log.exception("sending failed")
    logging.getLogger("httpx").setLevel(logging.INFO)
    httpx.get(f"{base}/bot{TELEGRAM_TOKEN}/getMe")
    httpx.post(f"{base}/bot{ZALO_TOKEN}/getMe", json={})


@pytest.fixture
def api() -> Iterator[str]:
    async def me(_request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "result": {}})

    with serving([Route("/bot{token}/getMe", me, methods=["GET", "POST"])]) as base:
        yield base


def assert_clean(output: str) -> None:
    for secret in (*SECRETS, *PIECES, "hunter2-other", DRAFT_TOKEN):
        assert secret not in output, secret
    assert REDACTED in output


@pytest.mark.usefixtures("secret_settings")
def test_text_logs_never_show_a_secret(api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = capture("text", monkeypatch)
    log_everything(api)
    output = stream.getvalue()
    assert_clean(output)
    assert "HTTP Request: GET" in output and f"/bot{REDACTED}/getMe" in output
    assert "RuntimeError" in output and "sending failed" in output
    assert not output.lstrip().startswith("{")


@pytest.mark.usefixtures("secret_settings")
def test_json_logs_are_one_object_a_line_without_secrets(
    api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = capture("JSON", monkeypatch)
    log_everything(api)
    output = stream.getvalue()
    assert_clean(output)
    entries = [json.loads(line) for line in output.splitlines()]
    assert len(entries) >= 9
    for entry in entries:
        assert set(entry) == {"time", "level", "logger", "message", "exception"}
        moment = datetime.fromisoformat(entry["time"])
        assert entry["time"].endswith("+07:00") and moment.utcoffset() is not None
    failure = next(entry for entry in entries if entry["message"] == "sending failed")
    assert failure["level"] == "ERROR" and failure["logger"] == "bot.test"
    assert "RuntimeError" in failure["exception"]
    assert f"/bot{REDACTED}/sendMessage" in failure["exception"]
    requests = [entry for entry in entries if entry["logger"] == "httpx"]
    assert len(requests) == 2
    assert all(f"/bot{REDACTED}/getMe" in entry["message"] for entry in requests)
    assert entries[0]["exception"] is None


@pytest.mark.usefixtures("secret_settings")
def test_setup_logging_of_the_cli_redacts_and_can_be_called_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    get_settings.cache_clear()
    log_file = tmp_path / "baocao.log"
    setup_logging(log_file)
    setup_logging(log_file)
    logging.getLogger("bot.test").warning("token %s", TELEGRAM_TOKEN)
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1, "a second setup_logging must replace the handler, not add one"
    assert TELEGRAM_TOKEN not in lines[0] and json.loads(lines[0])["level"] == "WARNING"


def test_a_secret_setting_added_later_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every SecretStr setting counts, not a list kept by hand that a new setting would miss.
    class Later(Settings):
        zalo_webhook_secret: SecretStr | None = Field(default=None, alias="ZALO_WEBHOOK_SECRET")

    monkeypatch.setenv("ZALO_WEBHOOK_SECRET", "zalo-hook-secret-31337")
    redact = Redactor(secrets_of(Later()))
    assert redact("X-Bot-Api-Secret-Token: zalo-hook-secret-31337") == (
        f"X-Bot-Api-Secret-Token: {REDACTED}"
    )


def test_only_secrets_are_redacted() -> None:
    redact = Redactor(["s3cr3t-value"])
    plain = "update 123 of chat 456789 handled in 12 ms; https://t.me/baocao_bot?start=abc"
    assert redact(plain) == plain
    assert redact("key s3cr3t-value here") == f"key {REDACTED} here"


def test_an_unknown_log_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        Settings()

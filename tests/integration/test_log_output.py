"""Logs: LOG_FORMAT=json writes one JSON object a line; secrets never reach any log line."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from pydantic import Field, SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.core.settings import Settings
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


ROOT = Path(__file__).resolve().parents[2]
SECRET_ENV = {
    "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
    "ZALO_BOT_TOKEN": ZALO_TOKEN,
    "BAOCAO_SECRET_KEY": SECRET_KEY,
    "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "DATABASE_URL": f"postgresql+psycopg://baocao:{DB_PASSWORD}@db.example/baocao",
    "LOG_LEVEL": "DEBUG",
}


def logged(log_format: str, code: str, tmp_path: Path) -> str:
    """Runs `code` in a fresh Python process after `setup_logging()` as `baocao run` calls it,
    with every kind of secret configured; returns what it logged to standard error."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "BAOCAO_DATA_DIR": str(tmp_path),
        "LOG_FORMAT": log_format,
        **SECRET_ENV,
    }
    script = f"from bot.cli.app import setup_logging\nsetup_logging()\n{code}"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


# Run in the child process: tests.integration.test_log_output is importable from the project root.
EMIT = "from tests.integration.test_log_output import log_everything\nlog_everything({base!r})"


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


def test_text_logs_never_show_a_secret(api: str, tmp_path: Path) -> None:
    output = logged("text", EMIT.format(base=api), tmp_path)
    assert_clean(output)
    assert "HTTP Request: GET" in output and f"/bot{REDACTED}/getMe" in output
    assert "RuntimeError" in output and "sending failed" in output
    assert not output.lstrip().startswith("{")


def test_json_logs_are_one_object_a_line_without_secrets(api: str, tmp_path: Path) -> None:
    output = logged("JSON", EMIT.format(base=api), tmp_path)
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


def test_setup_logging_again_replaces_its_handler(tmp_path: Path) -> None:
    log_file = tmp_path / "baocao.log"
    code = (
        "import logging\nfrom pathlib import Path\n"
        f"setup_logging(Path({str(log_file)!r}))\nsetup_logging(Path({str(log_file)!r}))\n"
        f"logging.getLogger('bot.test').warning('token %s', {TELEGRAM_TOKEN!r})"
    )
    stderr = logged("json", code, tmp_path)
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1, "a second setup_logging must replace the handler, not add one"
    assert TELEGRAM_TOKEN not in lines[0] and json.loads(lines[0])["level"] == "WARNING"
    assert TELEGRAM_TOKEN not in stderr


def test_a_secret_setting_added_later_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every SecretStr setting counts, not a list kept by hand that a new setting would miss.
    class Later(Settings):
        zalo_webhook_secret: SecretStr | None = Field(default=None, alias="ZALO_WEBHOOK_SECRET")

    monkeypatch.setenv("ZALO_WEBHOOK_SECRET", "zalo-hook-secret-31337")
    redact = Redactor(secrets_of(Later()))
    assert redact("X-Bot-Api-Secret-Token: zalo-hook-secret-31337") == (
        f"X-Bot-Api-Secret-Token: {REDACTED}"
    )


def test_logging_configured_by_someone_else_is_left_alone() -> None:
    # As logging.basicConfig: a test runner's capture keeps working.
    root = logging.getLogger()
    before = list(root.handlers)
    assert before, "pytest captures logs with handlers of its own"
    configure_logging(Settings(_env_file=None), logging.StreamHandler(io.StringIO()))  # type: ignore[call-arg]
    assert root.handlers == before


def test_only_secrets_are_redacted() -> None:
    redact = Redactor(["s3cr3t-value"])
    plain = "update 123 of chat 456789 handled in 12 ms; https://t.me/baocao_bot?start=abc"
    assert redact(plain) == plain
    assert redact("key s3cr3t-value here") == f"key {REDACTED} here"


def test_an_unknown_log_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        Settings()

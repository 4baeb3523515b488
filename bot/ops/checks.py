"""The configuration checks of `baocao doctor`, each with what is wrong and how to fix it.

The database's state is also what the web server's `/readyz` answers. Network calls go
through one httpx client the caller owns, so tests can point them at a local server.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from alembic.config import Config
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.core.clock import now
from bot.core.settings import Settings
from bot.data.backup import dated_backups
from bot.data.files import os_error_text
from bot.ops.logs import Redactor, secrets_of
from bot.report.pdf import soffice
from bot.store.database import MIGRATIONS_DIR, normalize_url
from bot.texts import t
from bot.workflow.draft_links import public_base

# A nightly backup may run late; one missed night is what this is meant to catch.
BACKUP_MAX_AGE = timedelta(hours=26)
HTTP_TIMEOUT = 10.0
DATABASE_CONNECT_TIMEOUT = 5


@dataclass(frozen=True)
class Check:
    """One check's outcome: a stable name, passed or not, and a Vietnamese explanation."""

    name: str
    ok: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The check as JSON-ready data."""
        return {"name": self.name, "ok": self.ok, "message": self.message}


def settings_checks(error: ValidationError) -> list[Check]:
    """One failed check per setting that cannot be read (the value itself is never shown)."""
    checks = []
    for problem in error.errors():
        setting = ".".join(str(part) for part in problem["loc"]) or "?"
        message = t("ops.doctor.settings.invalid", setting=setting, error=problem["msg"])
        checks.append(Check("settings", False, message))
    return checks


# -- the database ----------------------------------------------------------------------------


def head_revisions() -> tuple[str, ...]:
    """The newest schema revision(s) of the migrations this code ships."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return tuple(ScriptDirectory.from_config(config).get_heads())


def known_revisions() -> set[str]:
    """Every schema revision of the migrations this code ships."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


@dataclass(frozen=True)
class DatabaseStatus:
    """Whether the database answers, and which schema revision it is at."""

    reachable: bool
    revision: str | None
    heads: tuple[str, ...]
    error: str | None = None

    @property
    def current(self) -> bool:
        """Reachable and migrated to the newest revision."""
        return self.reachable and self.revision in self.heads


def database_status(engine: Engine) -> DatabaseStatus:
    """Connects once and reads the schema revision (never creates or changes anything)."""
    heads = head_revisions()
    try:
        with engine.connect() as connection:
            revision = None
            if "alembic_version" in inspect(connection).get_table_names():
                revision = connection.exec_driver_sql(
                    "SELECT version_num FROM alembic_version"
                ).scalar()
    except SQLAlchemyError as err:
        reason = str(getattr(err, "orig", None) or err).strip().splitlines()
        return DatabaseStatus(False, None, heads, reason[0] if reason else type(err).__name__)
    return DatabaseStatus(True, revision, heads)


def check_database(settings: Settings) -> Check:
    """The database answers and is migrated to the newest revision."""
    url = make_url(normalize_url(settings.effective_database_url))
    shown = url.render_as_string(hide_password=True)
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or not path.is_file():
            return Check("database", False, t("ops.doctor.database.no_file", path=path))
    elif url.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
    engine = create_engine(url, connect_args=connect_args)
    try:
        status = database_status(engine)
    finally:
        engine.dispose()
    return Check("database", status.current, database_message(status, shown))


def database_message(status: DatabaseStatus, shown: str) -> str:
    """What a database status means, and what to do about it."""
    head = ", ".join(status.heads)
    if not status.reachable:
        return t("ops.doctor.database.unreachable", url=shown, error=status.error)
    if status.current:
        return t("ops.doctor.database.ok", url=shown, revision=status.revision)
    if status.revision is None:
        return t("ops.doctor.database.empty", url=shown, head=head)
    if status.revision in known_revisions():
        return t("ops.doctor.database.behind", revision=status.revision, head=head)
    return t("ops.doctor.database.unknown", revision=status.revision, head=head)


# -- the chat platforms ----------------------------------------------------------------------


def _api_result(response: httpx.Response) -> Any:
    """The `result` of a Bot API answer, or an httpx.HTTPError saying what went wrong."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("ok") is True:
        return body.get("result")
    description = body.get("description") if isinstance(body, dict) else None
    raise httpx.HTTPStatusError(
        f"{response.status_code} {description or response.reason_phrase}",
        request=response.request,
        response=response,
    )


def _refused(err: httpx.HTTPError) -> bool:
    """The platform answered and said no (a bad token), rather than not answering at all."""
    return isinstance(err, httpx.HTTPStatusError) and err.response.status_code in (401, 403, 404)


def check_telegram_token(settings: Settings, client: httpx.Client, redact: Redactor) -> Check:
    """TELEGRAM_BOT_TOKEN is accepted by getMe."""
    if settings.telegram_bot_token is None:
        return Check("telegram_token", True, t("ops.doctor.telegram.unset"))
    base = settings.telegram_api_base_url
    try:
        me = _api_result(
            client.get(f"{base}{settings.telegram_bot_token.get_secret_value()}/getMe")
        )
    except httpx.HTTPError as err:
        key = "refused" if _refused(err) else "unreachable"
        return Check(
            "telegram_token",
            False,
            t(f"ops.doctor.telegram.{key}", url=redact(base), error=redact(str(err))),
        )
    return Check(
        "telegram_token", True, t("ops.doctor.telegram.ok", username=me.get("username", "?"))
    )


def check_zalo_token(settings: Settings, client: httpx.Client, redact: Redactor) -> Check:
    """ZALO_BOT_TOKEN is accepted by getMe."""
    if settings.zalo_bot_token is None:
        return Check("zalo_token", True, t("ops.doctor.zalo.unset"))
    base = settings.zalo_api_base_url.rstrip("/")
    token = settings.zalo_bot_token.get_secret_value()
    try:
        me = _api_result(client.post(f"{base}/bot{token}/getMe", json={}))
    except httpx.HTTPError as err:
        key = "refused" if _refused(err) else "unreachable"
        return Check(
            "zalo_token",
            False,
            t(f"ops.doctor.zalo.{key}", url=redact(base), error=redact(str(err))),
        )
    name = me.get("account_name") or me.get("display_name") or me.get("id", "?")
    return Check("zalo_token", True, t("ops.doctor.zalo.ok", name=name))


def check_webhook(settings: Settings, client: httpx.Client, redact: Redactor) -> Check:
    """Telegram delivers to TELEGRAM_WEBHOOK_URL, or to no webhook when polling."""
    token = settings.telegram_bot_token
    if token is None:
        return Check("telegram_webhook", True, t("ops.doctor.webhook.no_token"))
    expected = (settings.telegram_webhook_url or "").strip()
    base = settings.telegram_api_base_url
    try:
        info = _api_result(client.get(f"{base}{token.get_secret_value()}/getWebhookInfo"))
    except httpx.HTTPError as err:
        return Check(
            "telegram_webhook", False, t("ops.doctor.webhook.unreachable", error=redact(str(err)))
        )
    actual = str(info.get("url") or "")
    if actual != expected:
        if not expected:
            key = "unexpected"
        elif not actual:
            key = "missing"
        else:
            key = "wrong"
        return Check(
            "telegram_webhook",
            False,
            t(f"ops.doctor.webhook.{key}", actual=actual, expected=expected),
        )
    if not expected:
        return Check("telegram_webhook", True, t("ops.doctor.webhook.polling"))
    error = info.get("last_error_message")
    pending = int(info.get("pending_update_count") or 0)
    if error and pending:
        return Check(
            "telegram_webhook",
            False,
            t("ops.doctor.webhook.failing", url=actual, error=redact(str(error)), pending=pending),
        )
    return Check("telegram_webhook", True, t("ops.doctor.webhook.ok", url=actual))


def check_public_url(settings: Settings, client: httpx.Client, redact: Redactor) -> Check:
    """BAOCAO_PUBLIC_URL reaches this bot's web server (its /healthz answers 200)."""
    if not settings.public_url:
        return Check(
            "public_url", True, t("ops.doctor.public_url.unset", url=public_base(settings))
        )
    url = settings.public_url.rstrip("/") + "/healthz"
    try:
        response = client.get(url)
    except httpx.HTTPError as err:
        return Check(
            "public_url",
            False,
            t("ops.doctor.public_url.unreachable", url=url, error=redact(str(err))),
        )
    if response.status_code != 200:
        return Check(
            "public_url",
            False,
            t("ops.doctor.public_url.status", url=url, status=response.status_code),
        )
    return Check("public_url", True, t("ops.doctor.public_url.ok", url=url))


# -- the machine -----------------------------------------------------------------------------


def check_libreoffice() -> Check:
    """LibreOffice is installed (PDF drafts need it)."""
    program = soffice()
    if program is None:
        return Check("libreoffice", False, t("ops.doctor.libreoffice.missing"))
    return Check("libreoffice", True, t("ops.doctor.libreoffice.ok", path=program))


def check_data_dir(settings: Settings) -> Check:
    """The data folder exists and this account can write into it."""
    folder = settings.data_dir
    if not folder.is_dir():
        return Check("data_dir", False, t("ops.doctor.data_dir.missing", path=folder))
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as err:
        return Check(
            "data_dir",
            False,
            t("ops.doctor.data_dir.unwritable", path=folder, error=os_error_text(err)),
        )
    return Check("data_dir", True, t("ops.doctor.data_dir.ok", path=folder))


def check_backup(settings: Settings) -> Check:
    """The newest dated backup was taken within BACKUP_MAX_AGE."""
    folder = settings.backups_dir
    backups = dated_backups(folder)
    if not backups:
        return Check("backup", False, t("ops.doctor.backup.none", folder=folder))
    moment, path = backups[-1]
    age = now() - moment
    hours = max(0, int(age.total_seconds() // 3600))
    shown = f"{moment:%d/%m/%Y %H:%M}"
    if age > BACKUP_MAX_AGE:
        return Check(
            "backup", False, t("ops.doctor.backup.old", file=path, moment=shown, hours=hours)
        )
    return Check("backup", True, t("ops.doctor.backup.ok", file=path, moment=shown, hours=hours))


def run_checks(settings: Settings, client: httpx.Client | None = None) -> list[Check]:
    """Every check, in the order an operator fixes things."""
    redact = Redactor(secrets_of(settings))
    owned = client is None
    http = client or httpx.Client(timeout=HTTP_TIMEOUT)
    network: list[Callable[[Settings, httpx.Client, Redactor], Check]] = [
        check_telegram_token,
        check_webhook,
        check_zalo_token,
        check_public_url,
    ]
    try:
        checks = [check_data_dir(settings), check_database(settings), check_libreoffice()]
        checks += [check(settings, http, redact) for check in network]
        checks.append(check_backup(settings))
    finally:
        if owned:
            http.close()
    return checks

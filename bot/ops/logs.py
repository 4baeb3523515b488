"""Log output: secrets redacted in every line, and one JSON object per line on request.

The redaction is a Filter on the root logger's handlers, so it sees every record that
reaches them, whichever logger made it (httpx logs each Bot API URL, which holds the token).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.core.clock import VIETNAM
from bot.core.settings import Settings

REDACTED = "[REDACTED]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Shorter values are too likely to occur in ordinary text to be replaced everywhere.
MIN_SECRET_LENGTH = 6

_PATTERNS = (
    # Bot API URLs carry the token as a path segment: …/bot123456:ABC-def/getMe (Telegram
    # and Zalo alike).
    (re.compile(r"(/bot)[^/\s?#\"']+"), rf"\1{REDACTED}"),
    # A bare Telegram or Zalo token: the bot's id, a colon, a long secret.
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}"), REDACTED),
    # A signed draft link's token (/d/<token>): whoever reads it opens the draft.
    (re.compile(r"(/d/)[A-Za-z0-9_.~-]{16,}"), rf"\1{REDACTED}"),
    # A password in any URL: scheme://user:password@host.
    (re.compile(r"([a-z][a-z0-9+.-]*://[^:/\s@]*:)[^@\s/]+@", re.IGNORECASE), rf"\1{REDACTED}@"),
)


def secrets_of(settings: Settings) -> list[str]:
    """The secret values in the settings: every SecretStr one (tokens, keys, webhook
    secrets, settings added later alike) and the database's password."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
    if settings.database_url:
        try:
            password = make_url(settings.database_url).password
        except ArgumentError:
            password = None
        if password:
            found.append(str(password))
    return [secret for secret in found if len(secret) >= MIN_SECRET_LENGTH]


class Redactor:
    """Replaces tokens, secrets and URL passwords in a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first: a secret that contains another is replaced whole.
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, exception and stack with the secrets redacted."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        # The message is formatted here once; its arguments (a URL object, an exception)
        # would otherwise be formatted again, unredacted, by the formatter.
        record.msg = self.redactor(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO, Vietnam's offset), level, logger, message,
    exception (null when there is none)."""

    def format(self, record: logging.LogRecord) -> str:
        exception = record.exc_text
        if record.exc_info and not exception:
            exception = self.formatException(record.exc_info)
        if record.stack_info:
            exception = "\n".join(part for part in (exception, record.stack_info) if part)
        entry = {
            "time": datetime.fromtimestamp(record.created, VIETNAM).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "exception": exception or None,
        }
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings, handler: logging.Handler) -> None:
    """Routes every log record to `handler` at the configured level and format, with the
    secrets redacted by a filter on the handler.

    Calling it again replaces the handler it installed before. Like logging.basicConfig,
    it leaves alone a root logger someone else configured (a test runner's).
    """
    root = logging.getLogger()
    if any(each not in _installed for each in root.handlers):
        return
    formatter: logging.Formatter
    if settings.log_format == "json":
        formatter = JsonFormatter()
    else:
        formatter = logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter(Redactor(secrets_of(settings))))
    while _installed:
        previous = _installed.pop()
        root.removeHandler(previous)
        previous.close()
    root.addHandler(handler)
    _installed.append(handler)
    root.setLevel(settings.log_level.upper())
    logging.captureWarnings(True)


# The handler configure_logging added, replaced when it is called again.
_installed: list[logging.Handler] = []

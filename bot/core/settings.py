"""One settings object, read from the environment and `.env`, that fails fast."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Every setting of baocao; `.env.example` documents each one."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        populate_by_name=True,
    )

    data_dir: Path = Field(default=PROJECT_ROOT / "data", alias="BAOCAO_DATA_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    # Webhook mode, when a URL is set (long polling otherwise); `baocao run --webhook-url …`
    # and its other options override these.
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_listen: str = Field(default="0.0.0.0", alias="TELEGRAM_WEBHOOK_LISTEN")
    telegram_webhook_port: int = Field(default=8443, alias="TELEGRAM_WEBHOOK_PORT")
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, alias="TELEGRAM_WEBHOOK_SECRET"
    )
    # The bot's @username, for invite links (https://t.me/<username>?start=<code>); asked
    # from Telegram (getMe) when unset and a token is configured.
    telegram_bot_username: str | None = Field(default=None, alias="TELEGRAM_BOT_USERNAME")
    # Bot API calls per second overall that the bot spaces itself to (Telegram allows about
    # 30 messages a second to different chats); 0: no spacing, Telegram's 429s still waited.
    telegram_rate: float = Field(default=30.0, ge=0, alias="TELEGRAM_RATE_LIMIT")
    demo: bool | None = Field(default=None, alias="BAOCAO_DEMO")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # "text" (one readable line) or "json" (one JSON object a line, for log collectors).
    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")
    # Where `baocao backup` writes its dated files and `baocao doctor` looks for the newest.
    backup_dir: Path | None = Field(default=None, alias="BAOCAO_BACKUP_DIR")
    # Deadline reminders (bot.reminders): seconds between two sweeps (0 turns them off), a
    # dead process's claim is taken over after the lease, and sends per second overall.
    # Seconds a draft or an upload audit may run in its worker before the user is told.
    heavy_time_limit: float = Field(default=60.0, gt=0, alias="BAOCAO_HEAVY_TIME_LIMIT")
    reminder_sweep_seconds: float = Field(default=60.0, alias="BAOCAO_REMINDER_SWEEP_SECONDS")
    reminder_lease_seconds: float = Field(default=300.0, alias="BAOCAO_REMINDER_LEASE_SECONDS")
    reminder_rate: float = Field(default=30.0, alias="BAOCAO_REMINDER_RATE")
    # The bot's own web server (draft pages, webhooks, health checks): the address it
    # listens on, and the https base users reach it at behind a reverse proxy.
    web_listen: str = Field(default="127.0.0.1:8080", alias="BAOCAO_WEB_LISTEN")
    public_url: str | None = Field(default=None, alias="BAOCAO_PUBLIC_URL")
    # Signs draft links; generated into the data folder on first run when unset.
    secret_key: SecretStr | None = Field(default=None, alias="BAOCAO_SECRET_KEY")
    # Hours a draft link given by /duthao stays valid.
    draft_link_hours: float = Field(default=24.0, gt=0, alias="BAOCAO_DRAFT_LINK_HOURS")
    # Zalo Bot Platform: a token turns the channel on.
    zalo_bot_token: SecretStr | None = Field(default=None, alias="ZALO_BOT_TOKEN")
    zalo_api_base_url: str = Field(
        default="https://bot-api.zaloplatforms.com", alias="ZALO_API_BASE_URL"
    )
    # Zalo webhook mode, when a URL is set (long polling otherwise): the public https URL
    # Zalo posts to, served on BAOCAO_WEB_LISTEN, and the secret (8-256 characters) Zalo
    # sends back with every update. `baocao run --zalo-webhook-url …` overrides the URL.
    zalo_webhook_url: str | None = Field(default=None, alias="ZALO_WEBHOOK_URL")
    zalo_webhook_secret: SecretStr | None = Field(default=None, alias="ZALO_WEBHOOK_SECRET")
    # Folders of report kinds written outside the code, separated by ":", beside the
    # bundled templates/ (a kind whose id is bundled already is refused, not overridden).
    templates_dir: str | None = Field(default=None, alias="BAOCAO_TEMPLATES_DIR")

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        """LOG_FORMAT=JSON reads as json."""
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        """Refuses a token that cannot be a Bot API token, before any network call."""
        if value is None or not value.get_secret_value().strip():
            return None
        token = value.get_secret_value().strip()
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("TELEGRAM_BOT_TOKEN must look like 123456:ABC... (from @BotFather)")
        return SecretStr(token)

    @property
    def effective_database_url(self) -> str:
        """DATABASE_URL, or an SQLite file under the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'baocao.db'}"

    @property
    def extra_templates_dirs(self) -> list[Path]:
        """The folders of BAOCAO_TEMPLATES_DIR, in order, empty parts left out."""
        return list(_template_folders(self.templates_dir or ""))

    @property
    def backups_dir(self) -> Path:
        """BAOCAO_BACKUP_DIR, or the backups folder of the data folder."""
        return self.backup_dir or self.data_dir / "backups"

    @property
    def drafts_dir(self) -> Path:
        """Where the terminal channel writes drafts."""
        return self.data_dir / "drafts"


@lru_cache(maxsize=8)
def _template_folders(setting: str) -> tuple[Path, ...]:
    """The folders of a BAOCAO_TEMPLATES_DIR value (read once per value: every event's
    report kind is looked up through them)."""
    return tuple(Path(part).expanduser() for part in setting.split(":") if part.strip())


@cache
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()

"""The Telegram application: built from the settings, run by long polling or a webhook.

This module only wires: the adapter lives in `handlers.telegram.adapter`, the handlers in the
`handlers` package.
"""

from __future__ import annotations

import gc
import logging
import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseRateLimiter, Defaults
from telegram.request import BaseRequest

import handlers
from bot.conversation.commands import MENU_COMMANDS
from bot.conversation.engine import ConversationEngine
from bot.core.replies import TELEGRAM
from bot.core.settings import Settings
from bot.texts import t
from handlers.relay import NoticeRelay
from handlers.telegram.adapter import CHANNEL_KEY, SEND_ATTEMPTS, TelegramChannel
from handlers.telegram.poll import PerChatProcessor
from handlers.telegram.reminder_runner import start_reminders
from handlers.telegram.reminder_sender import TelegramSender

log = logging.getLogger(__name__)


_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True)
class WebhookConfig:
    """Where Telegram posts updates, where the bot listens, and the shared secret."""

    url: str
    secret_token: str
    # Every interface by default: Telegram (or the proxy in front) must reach the bot.
    listen: str = "0.0.0.0"
    port: int = 8443

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"webhook port must be 1-65535, not {self.port}")
        if urlsplit(self.url).scheme not in ("https", "http"):
            raise ValueError(f"webhook URL must be http(s)://…, not {self.url!r}")
        if not _SECRET_TOKEN.match(self.secret_token):
            # Without a secret anyone who finds the URL could post updates as any user.
            raise ValueError("the webhook secret token must be 1-256 of A-Z, a-z, 0-9, _ and -")

    @property
    def url_path(self) -> str:
        """The path the bot serves, taken from the public URL."""
        return urlsplit(self.url).path.lstrip("/")

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        url: str | None = None,
        listen: str | None = None,
        port: int | None = None,
        secret_token: str | None = None,
    ) -> WebhookConfig | None:
        """The webhook asked for on the command line or by TELEGRAM_WEBHOOK_* settings.

        An option given on the command line wins over the setting; None means long polling.
        """
        url = (url or settings.telegram_webhook_url or "").strip()
        if not url:
            return None
        secret = settings.telegram_webhook_secret
        return cls(
            url=url,
            secret_token=(secret_token or (secret.get_secret_value() if secret else "")).strip(),
            listen=(listen or settings.telegram_webhook_listen).strip() or "0.0.0.0",
            port=settings.telegram_webhook_port if port is None else port,
        )


def file_base_url(api_base_url: str) -> str:
    """The file download base that goes with a Bot API base: …/bot → …/file/bot."""
    base = api_base_url.rstrip("/")
    root = base.removesuffix("/bot")
    return f"{root}/file/bot"


def menu_commands() -> list[BotCommand]:
    """The command menu, described in Vietnamese."""
    return [BotCommand(name, t(f"telegram.commands.{name}")) for name in MENU_COMMANDS]


async def announce_commands(application: Application) -> None:
    """Sets the command menu at start-up; a failure is logged, not fatal."""
    try:
        await application.bot.set_my_commands(menu_commands())
    except TelegramError as err:
        log.warning("command menu not set: %s", err)
    # Invite links name the bot: https://t.me/<username>?start=<code>.
    channel = application.bot_data.get(CHANNEL_KEY)
    if isinstance(channel, TelegramChannel) and application.bot.username:
        engine = channel.engine
        engine.options = replace(engine.options, bot_username=application.bot.username)


def build_application(
    settings: Settings,
    engine: ConversationEngine,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter | None = None,
    relay: NoticeRelay | None = None,
) -> Application:
    """The application with every handler registered and the channel in `bot_data`.

    With a `relay` (several channels in one process), Telegram's sender joins it, notices
    for other channels go through it, and the reminder sweep sends on all of them.
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        # Retries RetryAfter (flood control) on every call; network errors are retried by
        # the channel.
        .rate_limiter(
            rate_limiter
            or AIORateLimiter(overall_max_rate=settings.telegram_rate, max_retries=SEND_ATTEMPTS)
        )
        # Answers often quote what the user typed; a link in it should not grow a preview.
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(announce_commands)
        # Chats are answered side by side; one chat's updates still one after another.
        .concurrent_updates(PerChatProcessor())
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()
    channel = TelegramChannel(engine, time_limit=settings.heavy_time_limit)
    application.bot_data[CHANNEL_KEY] = channel
    handlers.register(application)
    others = {}
    if relay is not None:
        channel.relay = relay
        others = {name: sender for name, sender in relay.senders.items() if name != TELEGRAM}
        relay.senders[TELEGRAM] = TelegramSender(application.bot)
    # Deadline reminders: a periodic sweep on the application's job queue (bot.reminders).
    start_reminders(application, engine.database, settings, others)
    return application


def settle_memory() -> None:
    """Takes what start-up allocated out of the cyclic garbage collector's walks.

    Modules, handlers and the application live as long as the process; without this every
    full collection walks them all again (0.1-0.25 s each on the benchmark's machine, a
    pause in the middle of some update). `gc.freeze` keeps them out of collections from
    then on; objects made later are collected as usual.
    """
    gc.collect()
    gc.freeze()

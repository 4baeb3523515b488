"""`baocao run`: every configured channel in one process, one asyncio loop.

Telegram (a token in TELEGRAM_BOT_TOKEN) and Zalo (ZALO_BOT_TOKEN) share one conversation
engine and one database; the bot's web server (BAOCAO_WEB_LISTEN) carries the routes of
every part that has some: the Zalo webhook, and each provider of `ROUTE_PROVIDERS`.
SIGINT or SIGTERM stops everything; a part that fails stops the others, and the process
ends with an error.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from starlette.routing import BaseRoute

from bot.conversation import heavy
from bot.conversation.engine import ConversationEngine
from bot.conversation.options import chat_service_options
from bot.core.settings import Settings
from bot.store.database import Database
from handlers.relay import NoticeRelay
from handlers.web.drafts import configured_draft_routes
from handlers.web.health import health_routes
from handlers.web.server import build_web_app, serve_web
from handlers.zalo.channel import CHANNEL as ZALO
from handlers.zalo.channel import ZaloChannel
from handlers.zalo.client import ZaloClient, ZaloError
from handlers.zalo.inbox import Inbox
from handlers.zalo.polling import poll as poll_zalo
from handlers.zalo.reminders import ZaloSender, run_reminders
from handlers.zalo.webhook import ZaloWebhook, webhook_routes

if TYPE_CHECKING:
    from handlers.telegram.app import WebhookConfig

log = logging.getLogger(__name__)
T = TypeVar("T")

# Seconds the updates in hand may take to finish once the bot is asked to stop (the rest of
# the 10 s a stop may take goes to the reminder sweep, the writer and the connections).
DRAIN_SECONDS = 6.0


@dataclass
class Runtime:
    """What a route provider may use: the settings, the database, the shared engine, and
    `ready`, set once every channel has started."""

    settings: Settings
    database: Database
    engine: ConversationEngine
    ready: asyncio.Event = field(default_factory=asyncio.Event)


RouteProvider = Callable[[Runtime], Sequence[BaseRoute]]


# The web routes of the other parts (draft pages, health checks): one line each.
def _draft_pages(runtime: Runtime) -> Sequence[BaseRoute]:
    return configured_draft_routes(runtime.database, runtime.settings)


def _health_checks(runtime: Runtime) -> Sequence[BaseRoute]:
    return health_routes(runtime.database)


ROUTE_PROVIDERS: tuple[RouteProvider, ...] = (_draft_pages, _health_checks)


@dataclass(frozen=True)
class Plan:
    """Which channels run and how."""

    telegram: bool
    telegram_webhook: WebhookConfig | None
    zalo: bool
    zalo_webhook: ZaloWebhook | None


async def _telegram(
    settings: Settings,
    engine: ConversationEngine,
    webhook: WebhookConfig | None,
    stop: asyncio.Event,
    started: asyncio.Event,
    relay: NoticeRelay,
) -> None:
    """The Telegram application in this loop: long polling, or its webhook server, which
    answers each POST only once its update is handled (a chat's order holds across
    instances). On stop, the updates in flight finish and claimed reminders are given back."""
    from handlers.telegram import webhook as telegram_webhook
    from handlers.telegram.app import announce_commands, build_application
    from handlers.telegram.poll import channel_of_app, poll
    from handlers.telegram.reminder_runner import stop_reminders

    application = build_application(settings, engine, relay=relay)
    if webhook is not None:
        log.info("Telegram: webhook %s on %s:%s", webhook.url, webhook.listen, webhook.port)
        started.set()
        await telegram_webhook.serve_webhook(
            application,
            url=webhook.url,
            path=webhook.url_path,
            secret_token=webhook.secret_token,
            listen=telegram_webhook.listen_address(webhook.listen, webhook.port),
            stop=stop,
        )
        return
    async with application:
        await announce_commands(application)
        await application.start()
        # The sweep stops (and gives back its claims) while the updates in hand finish.
        sweep_stopped = asyncio.create_task(_when_set(stop, stop_reminders, application))
        try:
            log.info("Telegram: long polling")
            started.set()
            await poll(application, stop)
        finally:
            if stop.is_set():
                await sweep_stopped
            else:  # polling failed by itself
                sweep_stopped.cancel()
                await stop_reminders(application)
            await application.stop()
            await asyncio.to_thread(channel_of_app(application).commits.close, 1.0)
    log.info("Telegram stopped")


async def _when_set(
    event: asyncio.Event, then: Callable[[T], Awaitable[None]], argument: T
) -> None:
    """Waits for `event`, then runs `then(argument)`."""
    await event.wait()
    await then(argument)


async def _zalo_identity(client: ZaloClient) -> None:
    """Asks Zalo who the bot is: a wrong token stops the start with a clear error."""
    try:
        me = await client.get_me()
    except ZaloError as err:
        if err.code == 401:
            raise RuntimeError("Zalo refused ZALO_BOT_TOKEN (401): check the token") from err
        log.warning("Zalo getMe failed (%s); starting all the same", err)
        return
    log.info("Zalo bot %s (%s)", me.get("account_name"), me.get("id"))


async def _zalo_polling(
    client: ZaloClient, inbox: Inbox, stop: asyncio.Event, started: asyncio.Event
) -> None:
    await _zalo_identity(client)
    log.info("Zalo: long polling")
    started.set()
    await poll_zalo(client, inbox, stop)


async def _zalo_webhook(
    client: ZaloClient, webhook: ZaloWebhook, stop: asyncio.Event, started: asyncio.Event
) -> None:
    """Registers the webhook (the route is already served) and waits for the stop."""
    await _zalo_identity(client)
    await client.set_webhook(webhook.url, webhook.secret_token)
    log.info("Zalo: webhook %s", webhook.url)
    started.set()
    await stop.wait()


async def serve(
    settings: Settings,
    database: Database,
    plan: Plan,
    *,
    providers: Sequence[RouteProvider] = ROUTE_PROVIDERS,
    stop: asyncio.Event | None = None,
) -> None:
    """Runs the planned channels and the web server until `stop` (or a signal)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    engine = ConversationEngine(database, chat_service_options(settings))
    runtime = Runtime(settings, database, engine)
    routes: list[BaseRoute] = []
    # Notices across channels; with Telegram, its sweep sends reminders on every channel.
    relay = NoticeRelay()
    parts: dict[str, asyncio.Task[None]] = {}
    starts: list[asyncio.Event] = []
    async with AsyncExitStack() as stack:
        inbox: Inbox | None = None
        if plan.zalo:
            assert settings.zalo_bot_token is not None
            client = ZaloClient(
                settings.zalo_bot_token.get_secret_value(), settings.zalo_api_base_url
            )
            stack.push_async_callback(client.aclose)
            zalo = ZaloChannel(engine, client, time_limit=settings.heavy_time_limit)
            zalo.relay = relay
            relay.senders[ZALO] = ZaloSender(zalo)
            inbox = Inbox(zalo)
            stack.push_async_callback(inbox.drain, DRAIN_SECONDS)
            if plan.zalo_webhook is not None:
                routes += webhook_routes(plan.zalo_webhook, inbox)
            if not plan.telegram and settings.reminder_sweep_seconds > 0:
                # With Telegram, its job queue runs the one sweep (Zalo's sender included).
                parts["zalo reminders"] = asyncio.create_task(
                    run_reminders(zalo, database, settings, stop)
                )
        for provider in providers:
            routes += provider(runtime)
        if routes:
            parts["web server"] = asyncio.create_task(
                serve_web(build_web_app(routes), settings.web_listen, stop)
            )
            log.info("web server on %s", settings.web_listen)
        if plan.zalo and inbox is not None:
            started = asyncio.Event()
            starts.append(started)
            zalo_part = (
                _zalo_polling(inbox.channel.client, inbox, stop, started)
                if plan.zalo_webhook is None
                else _zalo_webhook(inbox.channel.client, plan.zalo_webhook, stop, started)
            )
            parts["zalo"] = asyncio.create_task(zalo_part)
        if plan.telegram:
            started = asyncio.Event()
            starts.append(started)
            parts["telegram"] = asyncio.create_task(
                _telegram(settings, engine, plan.telegram_webhook, stop, started, relay)
            )
        await _watch(parts, starts, runtime, stop)
    heavy.stop_workers()


async def _watch(
    parts: dict[str, asyncio.Task[None]],
    starts: list[asyncio.Event],
    runtime: Runtime,
    stop: asyncio.Event,
) -> None:
    """Waits for the stop; a part that ends first stops the others and raises its error."""
    waiters = {asyncio.create_task(started.wait()) for started in starts}
    stopper = asyncio.create_task(stop.wait())
    pending = set(parts.values()) | {stopper}
    failure: BaseException | None = None
    while not stop.is_set():
        done, pending = await asyncio.wait(pending | waiters, return_when=asyncio.FIRST_COMPLETED)
        waiters -= done
        if not waiters and not runtime.ready.is_set():
            runtime.ready.set()
            log.info("every channel started")
        for task in done & set(parts.values()):
            name = next(name for name, part in parts.items() if part is task)
            error = task.exception()
            if error is None and stop.is_set():
                continue  # ended because it was asked to
            log.error("%s stopped: %s", name, error or "ended")
            failure = failure or error or RuntimeError(f"{name} ended")
            stop.set()
    for task in waiters | {stopper}:
        task.cancel()
    results = await asyncio.gather(*parts.values(), return_exceptions=True)
    for name, result in zip(parts, results, strict=True):
        if isinstance(result, Exception) and result is not failure:
            log.error("%s failed while stopping: %s", name, result)
    if failure is not None:
        raise failure


def run_channels(settings: Settings, database: Database, plan: Plan) -> None:
    """`baocao run` with chat services: until SIGINT or SIGTERM."""
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if plan.telegram:
        from handlers.telegram.app import settle_memory

        settle_memory()
    log.info(
        "bot starting: telegram=%s zalo=%s demo=%s",
        plan.telegram,
        plan.zalo,
        bool(settings.demo),
    )
    try:
        asyncio.run(serve(settings, database, plan))
    except Exception as err:
        # A part failed (a wrong token, a web address in use): said once, exit code 1.
        log.critical("the bot stopped: %s", err, exc_info=err)
        raise SystemExit(1) from err

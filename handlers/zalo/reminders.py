"""Deadline reminders on Zalo: the sender, and the sweep run every few seconds."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.core.replies import Reply
from bot.core.settings import Settings
from bot.reminders.messages import ReminderText
from bot.reminders.sender import RetryLaterError, SendFailedError, UnreachableError
from bot.reminders.sweep import Sweeper, SweepOptions
from bot.store.database import Database
from handlers.waiting import unless_stopped
from handlers.zalo.channel import CHANNEL, ZaloChannel
from handlers.zalo.client import ZaloError, ZaloRateLimitedError

log = logging.getLogger(__name__)

# Seconds before another attempt after a network failure.
NETWORK_RETRY = 60.0


class ZaloSender:
    """Sends reminders through the channel: numbered choices, split at 2 000 characters."""

    channel = CHANNEL

    def __init__(self, zalo: ZaloChannel) -> None:
        self.zalo = zalo

    async def send(self, chat_id: str, message: ReminderText) -> None:
        """One reminder; Zalo's refusals in the sweep's terms."""
        try:
            await self.zalo.send_reply(chat_id, Reply(message.text, message.buttons))
        except ZaloRateLimitedError as err:
            raise RetryLaterError(err.retry_after, str(err)) from err
        except ZaloError as err:
            if err.is_network:
                raise RetryLaterError(NETWORK_RETRY, str(err)) from err
            if err.code == 403:
                raise UnreachableError(str(err)) from err
            raise SendFailedError(str(err)) from err


async def run_reminders(
    zalo: ZaloChannel, database: Database, settings: Settings, stop: asyncio.Event
) -> None:
    """Sweeps every BAOCAO_REMINDER_SWEEP_SECONDS until `stop` (0: reminders off)."""
    interval = settings.reminder_sweep_seconds
    if interval <= 0:
        log.info("Zalo deadline reminders are off")
        return
    sweeper = Sweeper(
        database,
        {CHANNEL: ZaloSender(zalo)},
        SweepOptions(
            lease=timedelta(seconds=settings.reminder_lease_seconds), rate=settings.reminder_rate
        ),
    )
    await unless_stopped(stop, asyncio.sleep(min(interval, 1.0)))
    while not stop.is_set():
        try:
            report = await sweeper.sweep()
            if report.claimed:
                log.info("Zalo reminders: %s", report)
        except Exception:  # the next tick tries again
            log.exception("Zalo reminder sweep failed")
        await unless_stopped(stop, asyncio.sleep(interval))

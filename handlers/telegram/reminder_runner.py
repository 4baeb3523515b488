"""Runs the sweep periodically inside the Telegram application (PTB's JobQueue, APScheduler).

The scheduler only triggers the sweep; the database is the schedule, so a missed tick,
a restart or a second process changes nothing about what is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.core.settings import Settings
from bot.reminders.release import release_claims
from bot.reminders.sender import ReminderSender
from bot.reminders.sweep import Sweeper, SweepOptions
from bot.store.database import Database
from handlers.telegram.adapter import CHANNEL
from handlers.telegram.reminder_sender import TelegramSender

log = logging.getLogger(__name__)

JOB_NAME = "reminders-sweep"
# Where the application keeps its Sweeper and the lock a running sweep holds, in `bot_data`.
SWEEPER_KEY = "reminder_sweeper"
SWEEPING_KEY = "reminder_sweeping"
# Seconds a stopping process waits for the message being sent before giving back its claims.
STOP_WAIT = 3.0


def start_reminders(
    application: Application,
    database: Database,
    settings: Settings,
    others: Mapping[str, ReminderSender] | None = None,
) -> None:
    """Schedules the sweep every BAOCAO_REMINDER_SWEEP_SECONDS (0: reminders off).

    Reminders go out on Telegram, as "telegram", and on the `others` channels (by name),
    each to the chat its member wrote from last.
    """
    interval = settings.reminder_sweep_seconds
    queue = application.job_queue
    if interval <= 0 or queue is None:
        log.info("deadline reminders are off")
        return
    sweeper = Sweeper(
        database,
        {CHANNEL: TelegramSender(application.bot), **(others or {})},
        SweepOptions(
            lease=timedelta(seconds=settings.reminder_lease_seconds),
            rate=settings.reminder_rate,
        ),
    )

    sweeping = asyncio.Lock()
    application.bot_data[SWEEPER_KEY] = sweeper
    application.bot_data[SWEEPING_KEY] = sweeping

    async def sweep(_context: ContextTypes.DEFAULT_TYPE) -> None:
        """Sends what is due; a failure is logged and the next tick tries again."""
        if sweeper.stopping:
            return  # `stop_reminders` keeps the lock: waiting for it would hold up the stop
        try:
            async with sweeping:
                if sweeper.stopping:
                    return
                report = await sweeper.sweep()
        except Exception:
            log.exception("reminder sweep failed")
            return
        if report.claimed:
            log.info("reminders: %s", report)

    # A job of the same name (an earlier start) is replaced, never doubled.
    for job in queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    queue.run_repeating(
        sweep,
        interval=interval,
        first=min(interval, 1.0),
        name=JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )


async def stop_reminders(application: Application) -> None:
    """Stops the sweep after the message it is sending and gives back what it still claims.

    Another instance then sends those reminders at its next sweep, not after the lease.
    """
    sweeper = application.bot_data.get(SWEEPER_KEY)
    sweeping = application.bot_data.get(SWEEPING_KEY)
    if not isinstance(sweeper, Sweeper) or not isinstance(sweeping, asyncio.Lock):
        return
    sweeper.stopping = True
    try:
        await asyncio.wait_for(sweeping.acquire(), STOP_WAIT)
    except TimeoutError:
        log.warning("the reminder sweep did not stop in %.0f s", STOP_WAIT)
    try:
        released = await asyncio.to_thread(
            release_claims, sweeper.database, worker=sweeper.options.worker
        )
    except Exception:
        log.exception("claimed reminders not given back (their lease will expire)")
        return
    if released:
        log.info("gave back %d claimed reminders", released)

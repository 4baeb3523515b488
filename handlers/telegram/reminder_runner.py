"""Runs the sweep periodically inside the Telegram application (PTB's JobQueue, APScheduler).

The scheduler only triggers the sweep; the database is the schedule, so a missed tick,
a restart or a second process changes nothing about what is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.core.settings import Settings
from bot.reminders.sender import ReminderSender
from bot.reminders.sweep import Sweeper, SweepOptions
from bot.store.database import Database
from handlers.telegram.adapter import CHANNEL
from handlers.telegram.reminder_sender import TelegramSender

log = logging.getLogger(__name__)

JOB_NAME = "reminders-sweep"


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

    async def sweep(_context: ContextTypes.DEFAULT_TYPE) -> None:
        """Sends what is due; a failure is logged and the next tick tries again."""
        try:
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

"""Giving back the reminders a stopping process claimed but did not send."""

from __future__ import annotations

from sqlalchemy import update

from bot.store.database import Database
from models import Reminder

REMINDER = Reminder.__table__  # type: ignore[attr-defined]


def release_claims(database: Database, *, worker: str) -> int:
    """Makes `worker`'s claimed rows planned again, for another process's next sweep.

    Without this they would wait for their lease to expire. The attempt the claim counted
    is taken back: nothing was sent. Returns how many were given back.
    """
    with database.engine.begin() as connection:
        result = connection.execute(
            update(REMINDER)
            .where(REMINDER.c.status == "claimed", REMINDER.c.claimed_by == worker)
            .values(
                status="planned",
                claimed_by=None,
                claimed_at=None,
                attempts=REMINDER.c.attempts - 1,
            )
        )
        return int(result.rowcount)

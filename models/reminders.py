"""Reminder tables: the schedule of deadline reminders lives in the database.

A reminder row is one message to one member about one period, unique per (period, member,
kind), so planning it twice changes nothing and two processes can never both own it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.clock import now
from models.types import AwareDateTime


def _timestamp(**kwargs: Any) -> Any:
    """An aware timestamp column defaulting to now."""
    return Field(default_factory=now, sa_column=Column(AwareDateTime(), **kwargs))


class Reminder(SQLModel, table=True):
    """One planned message: who, about which period, what kind, and where it stands.

    status: planned -> claimed (a sweep owns it) -> sent | failed | dropped (no longer
    relevant: the member finished, the deadline passed, a later reminder superseded it).
    """

    __table_args__ = (
        UniqueConstraint("period_id", "member_id", "kind", name="uq_reminder_key"),
        Index("ix_reminder_status_due_at", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    kind: str = Field(description="before_7d, due_day, director_summary, nudge, blocked_<id>")
    due_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    status: str = Field(default="planned", description="planned|claimed|sent|failed|dropped")
    attempts: int = 0
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    sent_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    created_at: datetime = _timestamp(nullable=False)


class ReminderPolicy(SQLModel, table=True):
    """When a period's reminders go out; a period without a row uses the defaults."""

    __table_args__ = (UniqueConstraint("period_id", name="uq_reminderpolicy_period"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id")
    days_before: list[int] = Field(
        default_factory=lambda: [7, 3, 1], sa_column=Column(JSON, nullable=False)
    )
    on_due_day: bool = True
    director_summary: bool = True
    # Local time (Asia/Ho_Chi_Minh) of each reminder, in minutes after midnight (08:00).
    send_minute: int = 8 * 60
    # No message from quiet_start to quiet_end (local minutes); equal values: no quiet hours.
    quiet_start_minute: int = 21 * 60
    quiet_end_minute: int = 7 * 60
    skip_weekends: bool = False
    enabled: bool = True
    updated_at: datetime = _timestamp(nullable=False)


class SectorDeadline(SQLModel, table=True):
    """A deadline of the sector that comes back every year (30/6, 30/12, end of term, …)."""

    __table_args__ = (
        UniqueConstraint("unit_id", "template_id", "month", "day", name="uq_sectordeadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    template_id: str
    label: str
    month: int
    day: int
    term: int | None = None
    source: str = Field(default="", description="The document that sets it.")
    active: bool = True
    created_at: datetime = _timestamp(nullable=False)


class ChatBlock(SQLModel, table=True):
    """A member's chat that refused our messages (the person blocked the bot)."""

    __table_args__ = (UniqueConstraint("member_id", "channel", name="uq_chatblock_member"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    channel: str
    reason: str = ""
    blocked_at: datetime = _timestamp(nullable=False)

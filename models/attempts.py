"""What the bot keeps about an incoming event before it is handled: its attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.clock import now
from models.types import AwareDateTime


class EventAttempt(SQLModel, table=True):
    """An event's handling attempts (a crash mid-way leaves them counted).

    `attempts` lets a poison update be given up after it failed twice; an event handled
    already (`ProcessedEvent`, which keeps its replies) is never given up.
    """

    __table_args__ = (UniqueConstraint("channel", "event_id", name="uq_eventattempt_event"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    event_id: str
    attempts: int = 0
    updated_at: datetime = Field(
        default_factory=now, sa_column=Column(AwareDateTime(), nullable=False, index=True)
    )

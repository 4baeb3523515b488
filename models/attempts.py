"""What the bot keeps about an incoming event beyond "handled": its attempts and replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.clock import now
from models.types import AwareDateTime


class EventAttempt(SQLModel, table=True):
    """An event's handling attempts (a crash mid-way leaves them counted) and last replies.

    `attempts` lets a poison update be given up after it failed twice; `replies` (plain
    text replies to the sender) are sent again when the event is delivered again.
    """

    __table_args__ = (UniqueConstraint("channel", "event_id", name="uq_eventattempt_event"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    event_id: str
    attempts: int = 0
    replies: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON()))
    updated_at: datetime = Field(
        default_factory=now, sa_column=Column(AwareDateTime(), nullable=False, index=True)
    )

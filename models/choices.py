"""The numbered choices a text-only chat (Zalo) was shown last, kept across restarts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.clock import now
from models.types import AwareDateTime


class ShownChoices(SQLModel, table=True):
    """One chat's newest numbered choices: what a typed "2" picks, even after a restart."""

    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    external_id: str
    # [[number, code, label], …] as they were shown.
    choices: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(
        default_factory=now, sa_column=Column(AwareDateTime(), nullable=False)
    )

"""Linking one member's chats: one-time codes shown in one chat and typed in another, and
the wrong codes a chat typed (so that codes cannot be guessed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from bot.core.clock import now
from models.types import AwareDateTime


def _timestamp(**kwargs: Any) -> Any:
    """An aware timestamp column defaulting to now."""
    return Field(default_factory=now, sa_column=Column(AwareDateTime(), **kwargs))


class LinkCode(SQLModel, table=True):
    """A one-time code that links the chat it is typed in to the member who asked for it."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    # The chat that showed the code (told when another chat is linked with it).
    channel: str
    external_id: str
    created_at: datetime = _timestamp(nullable=False)
    expires_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))


class LinkFailure(SQLModel, table=True):
    """A wrong, expired or used code typed in a chat: a chat gets few tries an hour."""

    __table_args__ = (Index("ix_linkfailure_chat", "channel", "external_id", "failed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    external_id: str
    failed_at: datetime = _timestamp(nullable=False)

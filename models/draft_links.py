"""Signed links to a kept draft, one row per link given out (so each can be revoked)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from bot.core.clock import now
from models.types import AwareDateTime


class DraftLink(SQLModel, table=True):
    """A link to one kept draft of a period, given to one member of its unit.

    The token in the URL is signed and names this row; the row says whether the link was
    revoked. `made_at` is the kept draft's stamp in the draft history.
    """

    __tablename__ = "draft_link"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    period_id: int = Field(foreign_key="period.id")
    made_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    created_at: datetime = Field(
        default_factory=now, sa_column=Column(AwareDateTime(), nullable=False)
    )

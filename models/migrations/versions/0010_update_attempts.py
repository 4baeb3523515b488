"""Attempts and last replies of incoming events (poison updates, replies sent again).

Revision ID: 0010_update_attempts
Revises: 0009_hierarchy
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import AwareDateTime

revision: str = "0010_update_attempts"
down_revision: str | None = "0009_hierarchy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds the eventattempt table (nothing existing is altered)."""
    op.create_table(
        "eventattempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("replies", sa.JSON(), nullable=True),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.UniqueConstraint("channel", "event_id", name="uq_eventattempt_event"),
    )
    op.create_index("ix_eventattempt_updated_at", "eventattempt", ["updated_at"])


def downgrade() -> None:
    """Drops the table."""
    op.drop_index("ix_eventattempt_updated_at", table_name="eventattempt")
    op.drop_table("eventattempt")

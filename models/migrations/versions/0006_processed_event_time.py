"""Processed events pruned by time; accounts removed from a unit kept out of older invites.

Revision ID: 0006_processed_event_time
Revises: 0005_unit_settings
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import AwareDateTime

revision: str = "0006_processed_event_time"
down_revision: str | None = "0005_unit_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Indexes processed events by time and adds the removed accounts (nothing is altered)."""
    op.create_index("ix_processedevent_processed_at", "processedevent", ["processed_at"])
    op.create_table(
        "removedaccount",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("removed_at", AwareDateTime(), nullable=False),
        sa.UniqueConstraint("unit_id", "channel", "external_id", name="uq_removedaccount_account"),
    )


def downgrade() -> None:
    """Removes what `upgrade` added."""
    op.drop_table("removedaccount")
    op.drop_index("ix_processedevent_processed_at", table_name="processedevent")

"""Deadline reminders: reminder rows, per-period policies, sector deadlines, blocked chats.

Revision ID: 0003_reminders
Revises: 0002_units_roles
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import AwareDateTime

revision: str = "0003_reminders"
down_revision: str | None = "0002_units_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds the four reminder tables (new tables only: nothing existing is altered)."""
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_id", sa.Integer(), sa.ForeignKey("period.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("due_at", AwareDateTime(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("claimed_at", AwareDateTime(), nullable=True),
        sa.Column("sent_at", AwareDateTime(), nullable=True),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.UniqueConstraint("period_id", "member_id", "kind", name="uq_reminder_key"),
    )
    op.create_index("ix_reminder_period_id", "reminder", ["period_id"])
    op.create_index("ix_reminder_status_due_at", "reminder", ["status", "due_at"])
    op.create_table(
        "reminderpolicy",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_id", sa.Integer(), sa.ForeignKey("period.id"), nullable=False),
        sa.Column("days_before", sa.JSON(), nullable=False),
        sa.Column("on_due_day", sa.Boolean(), nullable=False),
        sa.Column("director_summary", sa.Boolean(), nullable=False),
        sa.Column("send_minute", sa.Integer(), nullable=False),
        sa.Column("quiet_start_minute", sa.Integer(), nullable=False),
        sa.Column("quiet_end_minute", sa.Integer(), nullable=False),
        sa.Column("skip_weekends", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.UniqueConstraint("period_id", name="uq_reminderpolicy_period"),
    )
    op.create_table(
        "sectordeadline",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("template_id", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("term", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.UniqueConstraint("unit_id", "template_id", "month", "day", name="uq_sectordeadline"),
    )
    op.create_index("ix_sectordeadline_unit_id", "sectordeadline", ["unit_id"])
    op.create_table(
        "chatblock",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("blocked_at", AwareDateTime(), nullable=False),
        sa.UniqueConstraint("member_id", "channel", name="uq_chatblock_member"),
    )
    op.create_index("ix_chatblock_member_id", "chatblock", ["member_id"])


def downgrade() -> None:
    """Removes what `upgrade` added."""
    op.drop_table("chatblock")
    op.drop_table("sectordeadline")
    op.drop_table("reminderpolicy")
    op.drop_table("reminder")

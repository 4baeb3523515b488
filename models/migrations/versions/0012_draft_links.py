"""Signed links to kept drafts, one row per link so each can be revoked.

Revision ID: 0012_draft_links
Revises: 0011_unit_phone
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import AwareDateTime

revision: str = "0012_draft_links"
down_revision: str | None = "0011_unit_phone"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds the draft_link table (nothing existing is altered)."""
    op.create_table(
        "draft_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("period_id", sa.Integer(), sa.ForeignKey("period.id"), nullable=False),
        sa.Column("made_at", AwareDateTime(), nullable=False),
        sa.Column("expires_at", AwareDateTime(), nullable=False),
        sa.Column("revoked_at", AwareDateTime(), nullable=True),
        sa.Column("created_at", AwareDateTime(), nullable=False),
    )
    op.create_index("ix_draft_link_member_id", "draft_link", ["member_id"])
    op.create_index("ix_draft_link_unit_id", "draft_link", ["unit_id"])


def downgrade() -> None:
    """Drops the table."""
    op.drop_index("ix_draft_link_unit_id", table_name="draft_link")
    op.drop_index("ix_draft_link_member_id", table_name="draft_link")
    op.drop_table("draft_link")

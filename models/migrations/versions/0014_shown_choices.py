"""The numbered choices each text-only chat was shown last (typed numbers after a restart).

Revision ID: 0014_shown_choices
Revises: 0013_chat_links
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import AwareDateTime

revision: str = "0014_shown_choices"
down_revision: str | None = "0013_chat_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds shownchoices (empty: a chat's next reply with choices fills it)."""
    op.create_table(
        "shownchoices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("updated_at", AwareDateTime(), nullable=False),
        sa.UniqueConstraint("channel", "external_id"),
    )


def downgrade() -> None:
    """Drops it."""
    op.drop_table("shownchoices")

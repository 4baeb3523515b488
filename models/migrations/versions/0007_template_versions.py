"""Report kinds' versions: the questionnaire text a period was opened with, by its hash.

Revision ID: 0007_template_versions
Revises: 0006_processed_event_time
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import AwareDateTime

revision: str = "0007_template_versions"
down_revision: str | None = "0006_processed_event_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds the templateversion table and each period's template_hash (empty for existing
    periods: they take the kind's current version when next used)."""
    op.create_table(
        "templateversion",
        sa.Column("digest", sa.String(), primary_key=True),
        sa.Column("template_id", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
    )
    op.create_index("ix_templateversion_template_id", "templateversion", ["template_id"])
    with op.batch_alter_table("period") as batch:
        batch.add_column(sa.Column("template_hash", sa.String(), nullable=True))


def downgrade() -> None:
    """Removes them."""
    with op.batch_alter_table("period") as batch:
        batch.drop_column("template_hash")
    op.drop_index("ix_templateversion_template_id", table_name="templateversion")
    op.drop_table("templateversion")

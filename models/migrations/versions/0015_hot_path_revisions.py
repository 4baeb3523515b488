"""Each period's revision, counted by triggers on its answers, finished sections and kept
checks (what an event reads of a period is kept while the revision has not moved).

Revision ID: 0015_hot_path_revisions
Revises: 0014_shown_choices
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.revisions import create_triggers, drop_triggers

revision: str = "0015_hot_path_revisions"
down_revision: str | None = "0014_shown_choices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds period.revision (0) and the triggers counting changes."""
    with op.batch_alter_table("period") as batch:
        batch.add_column(
            sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    create_triggers(op.get_bind())


def downgrade() -> None:
    """Drops the triggers and the column."""
    drop_triggers(op.get_bind())
    with op.batch_alter_table("period") as batch:
        batch.drop_column("revision")

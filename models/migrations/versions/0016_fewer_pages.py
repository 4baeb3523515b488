"""Fewer pages written per event: an event's kept replies move to its processed-event row
(written by its claim already), and indexes that another one covers go.

- processedevent.replies (from eventattempt.replies, which goes): keeping an event's
  replies updates the row its claim inserted, instead of inserting another row with two
  indexes into eventattempt;
- ix_processedevent_processed_at: old ids are pruned oldest id first;
- ix_answer_period_id, ix_sectionprogress_period_id, ix_confirmedcheck_period_id: each
  table's UNIQUE index starts with period_id.

Revision ID: 0016_fewer_pages
Revises: 0015_hot_path_revisions
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_fewer_pages"
down_revision: str | None = "0015_hot_path_revisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The indexes dropped: (name, table, column).
_COVERED = (
    ("ix_processedevent_processed_at", "processedevent", "processed_at"),
    ("ix_answer_period_id", "answer", "period_id"),
    ("ix_sectionprogress_period_id", "sectionprogress", "period_id"),
    ("ix_confirmedcheck_period_id", "confirmedcheck", "period_id"),
)


def upgrade() -> None:
    """Moves the kept replies to processedevent and drops the covered indexes."""
    op.add_column("processedevent", sa.Column("replies", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE processedevent SET replies = (SELECT e.replies FROM eventattempt e "
        "WHERE e.channel = processedevent.channel AND e.event_id = processedevent.event_id)"
    )
    with op.batch_alter_table("eventattempt") as batch:
        batch.drop_column("replies")
    for name, table, _column in _COVERED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    """Puts the indexes back and the kept replies in eventattempt again."""
    for name, table, column in _COVERED:
        op.create_index(name, table, [column])
    with op.batch_alter_table("eventattempt") as batch:
        batch.add_column(sa.Column("replies", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE eventattempt SET replies = (SELECT p.replies FROM processedevent p "
        "WHERE p.channel = eventattempt.channel AND p.event_id = eventattempt.event_id)"
    )
    # An event handled without a counted attempt (a webhook's, a console's) had its row made
    # by its kept replies, its count cleared.
    op.execute(
        "INSERT INTO eventattempt (channel, event_id, attempts, replies, updated_at) "
        "SELECT p.channel, p.event_id, 0, p.replies, p.processed_at FROM processedevent p "
        "WHERE p.replies IS NOT NULL AND NOT EXISTS (SELECT 1 FROM eventattempt e "
        "WHERE e.channel = p.channel AND e.event_id = p.event_id)"
    )
    with op.batch_alter_table("processedevent") as batch:
        batch.drop_column("replies")

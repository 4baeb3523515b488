"""Where a change of an answer came from when it was not typed in chat (a file, a spreadsheet).

Revision ID: 0008_answer_change_source
Revises: 0007_template_versions
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_answer_change_source"
down_revision: str | None = "0007_template_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("answerchange") as batch:
        batch.add_column(sa.Column("source", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answerchange") as batch:
        batch.drop_column("source")

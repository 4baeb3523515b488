"""Units under a parent unit, periods collected by a parent's period, adjusted figures.

Revision ID: 0009_hierarchy
Revises: 0008_answer_change_source
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import AwareDateTime

revision: str = "0009_hierarchy"
down_revision: str | None = "0008_answer_change_source"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds unit.parent_id, period.parent_period_id and collect_template_id (all empty for
    existing rows) and the figureadjustment table."""
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_unit_parent_id_unit", "unit", ["parent_id"], ["id"])
        batch.create_index("ix_unit_parent_id", ["parent_id"])
    with op.batch_alter_table("period") as batch:
        batch.add_column(sa.Column("parent_period_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("collect_template_id", sa.String(), nullable=True))
        batch.create_foreign_key(
            "fk_period_parent_period_id_period", "period", ["parent_period_id"], ["id"]
        )
        batch.create_index("ix_period_parent_period_id", ["parent_period_id"])
    op.create_table(
        "figureadjustment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_id", sa.Integer(), sa.ForeignKey("period.id"), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("adjusted_at", AwareDateTime(), nullable=False),
        sa.UniqueConstraint("period_id", "target"),
    )
    op.create_index("ix_figureadjustment_period_id", "figureadjustment", ["period_id"])


def downgrade() -> None:
    """Removes them."""
    op.drop_index("ix_figureadjustment_period_id", table_name="figureadjustment")
    op.drop_table("figureadjustment")
    with op.batch_alter_table("period") as batch:
        batch.drop_index("ix_period_parent_period_id")
        batch.drop_constraint("fk_period_parent_period_id_period", type_="foreignkey")
        batch.drop_column("collect_template_id")
        batch.drop_column("parent_period_id")
    with op.batch_alter_table("unit") as batch:
        batch.drop_index("ix_unit_parent_id")
        batch.drop_constraint("fk_unit_parent_id_unit", type_="foreignkey")
        batch.drop_column("parent_id")

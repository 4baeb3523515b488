"""Units, roles and the director's workflow: assignments, invites, returns and locks.

Revision ID: 0002_units_roles
Revises: 0001_initial
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import AwareDateTime

revision: str = "0002_units_roles"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds the new columns (with defaults for existing rows) and tables."""
    with op.batch_alter_table("member") as batch:
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("period") as batch:
        batch.add_column(sa.Column("opened_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("finalized_at", AwareDateTime(), nullable=True))
        batch.create_foreign_key("fk_period_opened_by_member", "member", ["opened_by"], ["id"])
    with op.batch_alter_table("sectionprogress") as batch:
        batch.add_column(sa.Column("returned_comment", sa.String(), nullable=True))
        batch.add_column(sa.Column("returned_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("returned_at", AwareDateTime(), nullable=True))
        batch.add_column(
            sa.Column("reopened", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_foreign_key(
            "fk_sectionprogress_returned_by_member", "member", ["returned_by"], ["id"]
        )
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_id", sa.Integer(), sa.ForeignKey("period.id"), nullable=False),
        sa.Column("section_id", sa.String(), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("assigned_by", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("assigned_at", AwareDateTime(), nullable=False),
        sa.UniqueConstraint("period_id", "section_id", "member_id"),
    )
    op.create_index("ix_assignment_period_id", "assignment", ["period_id"])
    op.create_index("ix_assignment_member_id", "assignment", ["member_id"])
    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("single_use", sa.Boolean(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("member.id"), nullable=True),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("expires_at", AwareDateTime(), nullable=False),
        sa.Column("revoked_at", AwareDateTime(), nullable=True),
    )
    op.create_index("ix_invite_code", "invite", ["code"], unique=True)
    op.create_index("ix_invite_unit_id", "invite", ["unit_id"])
    op.create_table(
        "carriedanswer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_id", sa.Integer(), sa.ForeignKey("period.id"), nullable=False),
        sa.Column("question_id", sa.String(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("source_period_id", sa.Integer(), sa.ForeignKey("period.id"), nullable=False),
        sa.UniqueConstraint("period_id", "question_id"),
    )
    op.create_index("ix_carriedanswer_period_id", "carriedanswer", ["period_id"])


def downgrade() -> None:
    """Removes what `upgrade` added."""
    op.drop_table("carriedanswer")
    op.drop_table("invite")
    op.drop_table("assignment")
    with op.batch_alter_table("sectionprogress") as batch:
        batch.drop_constraint("fk_sectionprogress_returned_by_member", type_="foreignkey")
        for column in ("reopened", "returned_at", "returned_by", "returned_comment"):
            batch.drop_column(column)
    with op.batch_alter_table("period") as batch:
        batch.drop_constraint("fk_period_opened_by_member", type_="foreignkey")
        batch.drop_column("finalized_at")
        batch.drop_column("opened_by")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("active")

"""The tables of baocao 0.1.0, the release before migrations.

A database that release created (with `create_all`, no version table) is stamped at this
revision and upgraded from here.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import AwareDateTime

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _stamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, AwareDateTime(), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(), nullable=nullable)


def _ref(name: str, target: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=nullable)


def upgrade() -> None:
    """Creates the 0.1.0 tables."""
    op.create_table(
        "processedevent",
        _id(),
        _text("channel"),
        _text("event_id"),
        _stamp("processed_at"),
        sa.UniqueConstraint("channel", "event_id"),
    )
    op.create_table(
        "unit",
        _id(),
        _text("name"),
        _text("parent_body"),
        _text("place"),
        _text("address"),
        _text("signer_title"),
        _text("signer_name"),
        _text("deputy_title", nullable=True),
        _text("deputy_name", nullable=True),
        _text("number_pattern"),
        sa.Column("recipients", sa.JSON(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        _stamp("created_at"),
    )
    op.create_table(
        "member",
        _id(),
        _ref("unit_id", "unit.id"),
        _text("display_name"),
        _text("role"),
        _stamp("created_at"),
    )
    op.create_index("ix_member_unit_id", "member", ["unit_id"])
    op.create_table(
        "chatidentity",
        _id(),
        _ref("member_id", "member.id"),
        _text("channel"),
        _text("external_id"),
        _stamp("created_at"),
        sa.UniqueConstraint("channel", "external_id"),
    )
    op.create_index("ix_chatidentity_member_id", "chatidentity", ["member_id"])
    op.create_table(
        "period",
        _id(),
        _ref("unit_id", "unit.id"),
        _text("template_id"),
        sa.Column("template_version", sa.Integer(), nullable=False),
        _text("year"),
        sa.Column("term", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("report_date", sa.Date(), nullable=True),
        _text("document_number", nullable=True),
        _text("status"),
        _stamp("created_at"),
    )
    op.create_index("ix_period_unit_id", "period", ["unit_id"])
    op.create_table(
        "answer",
        _id(),
        _ref("period_id", "period.id"),
        _text("question_id"),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        _ref("author_id", "member.id", nullable=True),
        _stamp("updated_at"),
        sa.UniqueConstraint("period_id", "question_id"),
    )
    op.create_index("ix_answer_period_id", "answer", ["period_id"])
    op.create_table(
        "answerchange",
        _id(),
        _ref("period_id", "period.id"),
        _text("question_id"),
        _ref("member_id", "member.id", nullable=True),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        _stamp("changed_at"),
    )
    op.create_index("ix_answerchange_period_id", "answerchange", ["period_id"])
    op.create_table(
        "sectionprogress",
        _id(),
        _ref("period_id", "period.id"),
        _text("section_id"),
        sa.Column("finished", sa.Boolean(), nullable=False),
        _ref("finished_by", "member.id", nullable=True),
        _stamp("finished_at", nullable=True),
        sa.UniqueConstraint("period_id", "section_id"),
    )
    op.create_index("ix_sectionprogress_period_id", "sectionprogress", ["period_id"])
    op.create_table(
        "confirmedcheck",
        _id(),
        _ref("period_id", "period.id"),
        _text("check_key"),
        _ref("member_id", "member.id", nullable=True),
        _stamp("confirmed_at"),
        sa.UniqueConstraint("period_id", "check_key"),
    )
    op.create_index("ix_confirmedcheck_period_id", "confirmedcheck", ["period_id"])
    op.create_table(
        "conversation",
        _id(),
        _ref("member_id", "member.id"),
        _ref("period_id", "period.id", nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        _stamp("updated_at"),
        sa.UniqueConstraint("member_id"),
    )


def downgrade() -> None:
    """Drops every table."""
    for table in (
        "conversation",
        "confirmedcheck",
        "sectionprogress",
        "answerchange",
        "answer",
        "period",
        "chatidentity",
        "member",
        "unit",
        "processedevent",
    ):
        op.drop_table(table)

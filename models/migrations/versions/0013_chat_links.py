"""One person, two chats: linking codes, wrong codes typed, and the chat a member used last.

Revision ID: 0013_chat_links
Revises: 0012_draft_links
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.types import AwareDateTime

revision: str = "0013_chat_links"
down_revision: str | None = "0012_draft_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds linkcode, linkfailure and conversation.identity_id (empty: reminders and
    notices fall back to the member's newest chat until they write again)."""
    op.create_table(
        "linkcode",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("expires_at", AwareDateTime(), nullable=False),
        sa.Column("used_at", AwareDateTime(), nullable=True),
    )
    op.create_index("ix_linkcode_code", "linkcode", ["code"], unique=True)
    op.create_index("ix_linkcode_member_id", "linkcode", ["member_id"])
    op.create_table(
        "linkfailure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("failed_at", AwareDateTime(), nullable=False),
    )
    op.create_index("ix_linkfailure_chat", "linkfailure", ["channel", "external_id", "failed_at"])
    with op.batch_alter_table("conversation") as batch:
        batch.add_column(sa.Column("identity_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_conversation_identity_id",
            "chatidentity",
            ["identity_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Drops them."""
    with op.batch_alter_table("conversation") as batch:
        batch.drop_constraint("fk_conversation_identity_id", type_="foreignkey")
        batch.drop_column("identity_id")
    op.drop_index("ix_linkfailure_chat", table_name="linkfailure")
    op.drop_table("linkfailure")
    op.drop_index("ix_linkcode_member_id", table_name="linkcode")
    op.drop_index("ix_linkcode_code", table_name="linkcode")
    op.drop_table("linkcode")

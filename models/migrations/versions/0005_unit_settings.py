"""Unit settings the director edits: who signs and for whom, the number's ký hiệu.

`on_behalf_of` holds the head's title a deputy signs for ("KT. GIÁM ĐỐC"); the signer's
title and name are then the deputy's own, so the separate deputy columns go. The unused
`number_pattern` becomes `number_prefix`, the ký hiệu printed after the number.

Revision ID: 0005_unit_settings
Revises: 0004_inferred_check_keys
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_unit_settings"
down_revision: str | None = "0004_inferred_check_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sa.String()


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("on_behalf_of", TEXT, nullable=True))
        batch.alter_column("number_pattern", new_column_name="number_prefix")
    # A deputy who signed "KT." becomes the signer, for the head whose title was stored.
    op.execute(
        "UPDATE unit SET on_behalf_of = signer_title, signer_title = deputy_title, "
        "signer_name = COALESCE(deputy_name, '') "
        "WHERE deputy_title IS NOT NULL AND deputy_title <> ''"
    )
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("deputy_title")
        batch.drop_column("deputy_name")


def downgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("deputy_title", TEXT, nullable=True))
        batch.add_column(sa.Column("deputy_name", TEXT, nullable=True))
    op.execute(
        "UPDATE unit SET deputy_title = signer_title, deputy_name = signer_name, "
        "signer_title = on_behalf_of, signer_name = '' "
        "WHERE on_behalf_of IS NOT NULL AND on_behalf_of <> ''"
    )
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("on_behalf_of")
        batch.alter_column("number_prefix", new_column_name="number_pattern")

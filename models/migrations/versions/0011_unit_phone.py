"""The unit's telephone number, printed where a report names it ("Điện thoại: …").

Revision ID: 0011_unit_phone
Revises: 0010_update_attempts
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_unit_phone"
down_revision: str | None = "0010_update_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds unit.phone, empty for the units there are."""
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("phone", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("phone")

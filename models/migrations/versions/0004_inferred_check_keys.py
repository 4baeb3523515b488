"""Kept exceptions under the keys of the checks inference now makes.

The annual report's hand-written checks were replaced by inferred ones with other keys; a
check someone chose to keep under the old key is renamed so it is not asked again.

Revision ID: 0004_inferred_check_keys
Revises: 0003_reminders
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_inferred_check_keys"
down_revision: str | None = "0003_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
# Old key -> new key; "{row}" stands for any row of the table.
RENAMED = {
    "conduct.{row}.0": "conduct.{row}.sum:total",
    "academic.{row}.0": "academic.{row}.sum:total",
    "learning_titles.{row}.0": "learning_titles.{row}.not_above:recognised:registered",
    "certificates.{row}.0": "certificates.{row}.not_above:certified:learners",
    "dropouts_within_enrolled": "not_above:dropouts:enrolled",
    "previous_dropouts_within_enrolled": "not_above:previous_dropouts:previous_enrolled",
}


def new_key(old: str) -> str | None:
    """The inferred check's key for a kept check's old key, or None when it did not change."""
    for before, after in RENAMED.items():
        table, _, rest = before.partition(".{row}.")
        if not rest:
            if old == before:
                return after
            continue
        parts = old.split(".")
        if len(parts) == 3 and parts[0] == table and parts[2] == rest:
            return after.replace("{row}", parts[1])
    return None


def upgrade() -> None:
    """Renames the annual report's kept checks."""
    connection = op.get_bind()
    checks = sa.table(
        "confirmedcheck",
        sa.column("id", sa.Integer),
        sa.column("period_id", sa.Integer),
        sa.column("check_key", sa.String),
    )
    periods = sa.table("period", sa.column("id", sa.Integer), sa.column("template_id", sa.String))
    rows = connection.execute(
        sa.select(checks.c.id, checks.c.period_id, checks.c.check_key)
        .join(periods, periods.c.id == checks.c.period_id)
        .where(periods.c.template_id == KIND)
    ).all()
    existing = {(period_id, key) for _, period_id, key in rows}
    for row_id, period_id, key in rows:
        renamed = new_key(key)
        if renamed is None:
            continue
        if (period_id, renamed) in existing:
            connection.execute(sa.delete(checks).where(checks.c.id == row_id))
        else:
            connection.execute(
                sa.update(checks).where(checks.c.id == row_id).values(check_key=renamed)
            )
            existing.add((period_id, renamed))


def downgrade() -> None:
    """Nothing to undo: the old keys match no check any more."""

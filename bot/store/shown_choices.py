"""The numbered choices a text-only chat was shown last: written on each reply, read after
a restart, so a typed number keeps picking what the person saw."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select

from bot.core.clock import now
from bot.store.database import Database, table_of
from models import ShownChoices

# One choice as kept: its number, the press it stands for, its words.
Kept = tuple[int, str, str]

_TABLE = table_of(ShownChoices)
_INSERTS: dict[str, Any] = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


def remember(
    database: Database, *, channel: str, external_id: str, choices: Sequence[Kept]
) -> None:
    """Keeps the chat's newest choices (none: a reply without choices was shown)."""
    rows = [[number, code, label] for number, code, label in choices]
    values = {
        "channel": channel,
        "external_id": external_id,
        "choices": rows,
        "updated_at": now(),
    }
    with database.session() as session:
        insert = _INSERTS[session.get_bind().dialect.name](_TABLE).values(**values)
        session.connection().execute(
            insert.on_conflict_do_update(
                index_elements=["channel", "external_id"],
                set_={"choices": rows, "updated_at": values["updated_at"]},
            )
        )


def recall(database: Database, *, channel: str, external_id: str) -> list[Kept]:
    """The chat's newest choices as kept; none when it was never shown any."""
    with database.session() as session:
        row = session.exec(
            select(ShownChoices).where(
                ShownChoices.channel == channel, ShownChoices.external_id == external_id
            )
        ).first()
        if row is None:
            return []
        return [(int(number), str(code), str(label)) for number, code, label in row.choices]

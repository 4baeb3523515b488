"""The id of a stored row, where it must exist."""

from __future__ import annotations

from typing import Protocol


class HasId(Protocol):
    """A table row: its id is None until it is flushed."""

    @property
    def id(self) -> int | None: ...


class UnsavedRowError(ValueError):
    """A row's id was needed before the row was stored."""


def require_id(row: HasId) -> int:
    """The row's id; raises UnsavedRowError for a row not flushed yet (never a made-up 0)."""
    if row.id is None:
        raise UnsavedRowError(f"{type(row).__name__} has no id: it was never flushed")
    return row.id

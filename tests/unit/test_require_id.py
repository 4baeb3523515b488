"""`require_id`: a stored row's id, never a made-up 0 for a row not stored yet."""

from __future__ import annotations

import pytest

from bot.store import queries as store
from bot.store.database import Database
from models import Unit, UnsavedRowError, require_id


def test_a_stored_row_gives_its_id_and_an_unsaved_one_raises(database: Database) -> None:
    with database.session() as session:
        unit = store.create_unit(session, name="Trường A", place="Quận 1")
        assert require_id(unit) == unit.id and unit.id is not None
    with pytest.raises(UnsavedRowError, match="Unit has no id"):
        require_id(Unit(name="Trường B", place="Quận 2"))

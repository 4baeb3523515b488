"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import AutoString


class Role(StrEnum):
    """A member's role in their unit (stored as its value)."""

    DIRECTOR = "director"
    DEPUTY = "deputy"
    STAFF = "staff"


class RoleColumn(TypeDecorator[Role]):
    """A `Role` stored as its plain string; an unknown stored value reads as staff (least
    rights), so that no role needs a database enum type or a migration."""

    impl = AutoString
    cache_ok = True

    def process_bind_param(self, value: Role | str | None, dialect: Dialect) -> str | None:
        """Stores a known role's value; refuses anything else."""
        return None if value is None else Role(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> Role | None:
        """The stored string as a `Role`."""
        if value is None:
            return None
        try:
            return Role(value)
        except ValueError:
            return Role.STAFF


class AwareDateTime(TypeDecorator[datetime]):
    """Stores timezone-aware datetimes as UTC and always returns them aware.

    SQLite keeps no offset, so without this a value read back would be naive.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuses naive datetimes; converts aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use bot.core.clock.now()")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Marks values read back as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

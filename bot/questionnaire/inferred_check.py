"""A check derived from a template's structure, as `infer` finds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

InferredKind = Literal["sum_equals", "not_above", "rate_matches", "change_matches"]


@dataclass(frozen=True)
class InferredCheck:
    """A check derived from a template's structure; operands are references.

    `table` is set for a table's checks; `row` too when every operand is a cell of that one
    row, so the failure is worded with column labels after the row, as a table's declared
    checks are.
    """

    key: str
    name: str
    kind: InferredKind
    parts: tuple[str, ...] = ()
    part: str | None = None
    total: str | None = None
    denominator: tuple[str, ...] = ()
    stated: str | None = None
    current: str | None = None
    previous: str | None = None
    signed: bool = True
    table: str | None = None
    row: str | None = None

    def references(self) -> list[str]:
        """Every value this check reads."""
        optional = (self.part, self.total, self.stated, self.current, self.previous)
        return [*self.parts, *self.denominator, *(ref for ref in optional if ref)]

"""Checks a table's shape implies for each of its rows, and across its typed rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from bot.core.text import fold
from bot.questionnaire.inferred_check import InferredCheck, InferredKind
from bot.questionnaire.schema import ComputedColumn, TableColumn, TableQuestion
from bot.questionnaire.table_shape import (
    CHANGE_WORDS,
    TableShape,
    column_rank,
    from_up_rank,
    table_shape,
)


@dataclass(frozen=True)
class _RowRule:
    """A check over the columns of one row, applied to every row."""

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
    typed_rows_only: bool = False


def _row_rules(table: TableQuestion) -> Iterator[_RowRule]:
    """The checks every row of a table keeps, by its shape."""
    shape = table_shape(table)
    columns = list(table.columns)
    answered = {c.id: c for c in columns}
    if shape.total and len(shape.parts) >= 2:
        yield _RowRule(f"sum:{shape.total}", "sum_equals", parts=shape.parts, total=shape.total)
    elif shape.total and len(shape.parts) == 1:
        part, total = shape.parts[0], shape.total
        yield _RowRule(f"not_above:{part}:{total}", "not_above", part=part, total=total)
    yield from _from_up_rules(columns, shape)
    for computed in table.computed:
        yield from _rate_column_rules(computed, answered)
    if shape.total:
        for subset in (c for c in columns if c.role == "subset"):
            name = f"not_above:{subset.id}:{shape.total}"
            yield _RowRule(name, "not_above", part=subset.id, total=shape.total)
    yield from _typed_rate_rules(columns, shape)
    yield from _typed_change_rules(columns)


def _from_up_rules(columns: list[TableColumn], shape: TableShape) -> Iterator[_RowRule]:
    """A typed "từ X trở lên" count equals the sum of the categories from X up."""
    ranks = {c.id: column_rank(c) for c in columns if c.id in shape.categories}
    if not ranks or any(rank is None for rank in ranks.values()):
        return
    for column in columns:
        lowest = from_up_rank(column.group)
        if lowest is None:
            lowest = from_up_rank(column.label)
        if lowest is None or column.kind != "integer" or column.id in shape.parts:
            continue
        parts = tuple(c for c, rank in ranks.items() if rank is not None and rank >= lowest)
        if parts:
            yield _RowRule(f"sum:{column.id}", "sum_equals", parts=parts, total=column.id)


def _rate_column_rules(
    column: ComputedColumn, answered: dict[str, TableColumn]
) -> Iterator[_RowRule]:
    """A computed rate's numerator is not above its single answered denominator."""
    if column.kind != "rate" or len(column.total) != 1 or column.total[0] not in answered:
        return
    part, total = column.part or "", column.total[0]
    if answered.get(part) is not None and answered[part].kind == "percent":
        return
    yield _RowRule(f"not_above:{part}:{total}", "not_above", part=part, total=total)


def _typed_rate_rules(columns: list[TableColumn], shape: TableShape) -> Iterator[_RowRule]:
    """A percent column right after a count column of the same group is count / total."""
    if shape.total is None:
        return
    for count, stated in pairwise(columns):
        if stated.kind != "percent" or count.kind == "percent" or count.group is None:
            continue
        if stated.group != count.group or count.id == shape.total:
            continue
        ranked_only = shape.unclassified and count.id not in shape.unclassified
        denominator = shape.categories if ranked_only else (shape.total,)
        yield _RowRule(
            f"rate:{stated.id}",
            "rate_matches",
            part=count.id,
            denominator=denominator,
            stated=stated.id,
            typed_rows_only=True,
        )


def _typed_change_rules(columns: list[TableColumn]) -> Iterator[_RowRule]:
    """A typed "Tăng/giảm" after two typed rates is the first less the second."""
    for index in range(2, len(columns)):
        stated = columns[index]
        first, second = columns[index - 2], columns[index - 1]
        if stated.kind == "integer" or not any(w in fold(stated.label) for w in CHANGE_WORDS):
            continue
        if first.kind != "percent" or second.kind != "percent":
            continue
        current, previous = first, second
        if "truoc" in fold(first.label) and "truoc" not in fold(second.label):
            current, previous = second, first
        yield _RowRule(
            f"change:{stated.id}",
            "change_matches",
            stated=stated.id,
            current=current.id,
            previous=previous.id,
            signed=stated.min is None or stated.min < 0,
            typed_rows_only=True,
        )


def row_ids(table: TableQuestion) -> list[str]:
    ids = [r.id for r in table.rows]
    return [*ids, table.total_row.id] if table.total_row else ids


def _expand(table: TableQuestion, rule: _RowRule, row: str) -> InferredCheck:
    def ref(column: str | None) -> str | None:
        return None if column is None else f"{table.id}.{row}.{column}"

    return InferredCheck(
        key=f"{table.id}.{row}.{rule.name}",
        name=f"{table.id}.{rule.name}",
        kind=rule.kind,
        parts=tuple(f"{table.id}.{row}.{c}" for c in rule.parts),
        part=ref(rule.part),
        total=ref(rule.total),
        denominator=tuple(f"{table.id}.{row}.{c}" for c in rule.denominator),
        stated=ref(rule.stated),
        current=ref(rule.current),
        previous=ref(rule.previous),
        signed=rule.signed,
        table=table.id,
        row=row,
    )


def table_candidates(table: TableQuestion) -> Iterator[InferredCheck]:
    """Every check a table's structure implies, row by row, then across its rows."""
    rules = list(_row_rules(table))
    typed = {r.id for r in table.rows}
    for row in row_ids(table):
        for rule in rules:
            if row in typed or not rule.typed_rows_only:
                yield _expand(table, rule, row)
    yield from _row_role_candidates(table)


def _row_role_candidates(table: TableQuestion) -> Iterator[InferredCheck]:
    """A typed total row is the sum of the plain rows; a subset row is not above it."""
    totals = [r.id for r in table.rows if r.role == "total"]
    if len(totals) != 1:
        return
    whole = totals[0]
    plain = [r.id for r in table.rows if r.role is None]
    counts = [c.id for c in table.columns if c.kind == "integer" and c.role != "other"]
    for column in counts:
        if len(plain) >= 2:
            yield InferredCheck(
                key=f"{table.id}.{whole}.rows:{column}",
                name=f"{table.id}.rows:{column}",
                kind="sum_equals",
                parts=tuple(f"{table.id}.{r}.{column}" for r in plain),
                total=f"{table.id}.{whole}.{column}",
                table=table.id,
            )
    for row in (r.id for r in table.rows if r.role == "subset"):
        for column in counts:
            yield InferredCheck(
                key=f"{table.id}.{row}.within:{whole}:{column}",
                name=f"{table.id}.within:{whole}:{column}",
                kind="not_above",
                part=f"{table.id}.{row}.{column}",
                total=f"{table.id}.{whole}.{column}",
                table=table.id,
            )

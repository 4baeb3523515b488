"""Summing children's answers into their parent's report.

A child's answer goes to the parent's question of the same id. Integer and decimal
questions are added; tables are added cell by cell (a row nobody has stays "-"). Tables
with a percent column, texts, lists, dates and choices are not added: the parent writes
its own. Rates are never added either: they are computed again by `evaluate` from the
summed counts, as the parent's template says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.questionnaire import index as flow
from bot.questionnaire.schema import (
    DecimalQuestion,
    IntegerQuestion,
    Question,
    TableQuestion,
    Template,
)

Values = Mapping[str, Any]


def summable(question: Question) -> bool:
    """Whether children's answers to this question are added up."""
    if isinstance(question, IntegerQuestion | DecimalQuestion):
        return True
    if isinstance(question, TableQuestion):
        return all(column.kind in ("integer", "decimal") for column in question.columns)
    return False


def summed_answers(template: Template, children: Sequence[Values]) -> dict[str, Any]:
    """The parent's stored values that are the sums of its children's answers."""
    sums: dict[str, Any] = {}
    for slot in flow.all_slots(template):
        question = slot.question
        if not summable(question):
            continue
        answers = [child.get(question.id) for child in children]
        if isinstance(question, TableQuestion):
            table = _sum_table(question, [a for a in answers if isinstance(a, dict)])
            if table is not None:
                sums[question.id] = table
            continue
        total = _sum([a for a in answers if a is not None])
        if total is not None:
            sums[question.id] = _stored(total, integer=isinstance(question, IntegerQuestion))
    return sums


def _sum_table(question: TableQuestion, tables: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Cell by cell; a row no child has stays None."""
    if not tables:
        return None
    rows: dict[str, Any] = {}
    for row in question.rows:
        given = [table[row.id] for table in tables if isinstance(table.get(row.id), dict)]
        if not given:
            rows[row.id] = None
            continue
        cells: dict[str, Any] = {}
        for column in question.columns:
            total = _sum([cells_of.get(column.id) for cells_of in given])
            cells[column.id] = _stored(total or Decimal(0), integer=column.kind == "integer")
        rows[row.id] = cells
    return rows


def _sum(values: Sequence[Any]) -> Decimal | None:
    """The exact sum of the numbers among `values`; None when there is none."""
    numbers: list[Decimal] = []
    for value in values:
        if value is None or isinstance(value, bool):
            continue
        try:
            numbers.append(Decimal(str(value)))
        except InvalidOperation:
            continue
    return sum(numbers, Decimal(0)) if numbers else None


def _stored(number: Decimal, *, integer: bool) -> Any:
    """A number as answers store it: an int, or a decimal's text ('91.82')."""
    if integer and number == number.to_integral_value():
        return int(number)
    return format(number.normalize(), "f")


def apply_adjustment(template: Template, values: dict[str, Any], target: str, value: Any) -> None:
    """Sets one figure of `values`: a whole question ("graduates") or a table cell
    ("primary.schools.public"); an unknown target changes nothing."""
    question_id, _, cell = target.partition(".")
    slot = flow.find_slot(template, question_id)
    if slot is None:
        return
    if not cell:
        values[question_id] = value
        return
    question = slot.question
    row_id, _, column_id = cell.partition(".")
    if not isinstance(question, TableQuestion):
        return
    if row_id not in {r.id for r in question.rows}:
        return
    if column_id not in {c.id for c in question.columns}:
        return
    table = dict(values.get(question_id) or {})
    row = dict(table.get(row_id) or {c.id: 0 for c in question.columns})
    row[column_id] = value
    table[row_id] = row
    values[question_id] = table

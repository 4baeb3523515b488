"""Wording of the prompts and read-backs of a question: a table's row and columns, examples
with Vietnamese thousands, row names that already say "Dòng", and the abbreviations a
table's columns use."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.core.numbers import format_integer
from bot.core.text import fold
from bot.questionnaire.answers import format_row
from bot.questionnaire.derived import derived
from bot.questionnaire.schema import TableQuestion, Template
from bot.texts import catalogue, t

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface

# A whole number of four digits or more standing alone (not inside a date, a year range
# "2020-2021", a decimal or an already grouped "7.502").
_BARE_NUMBER = re.compile(r"(?<![\d.,/-])\d{4,}(?![\d.,/-])")
_WORD = re.compile(r"[^\W\d_]+")
_GLOSSARY = "abbreviation."
# How much of an answer its read-back, the question's "current answer" and the review show.
REVIEW_ANSWER_PREVIEW = 160


def row_name(label: str, *, capital: bool = False) -> str:
    """A table row as named in a sentence: "dòng THPT", but "Dòng họ học tập" as it is."""
    if fold(label).startswith("dong "):
        return label
    return t("row.name_capital" if capital else "row.name", row=label)


def numeric_example(example: str) -> str:
    """An example of figures with Vietnamese thousands: "2279" -> "2.279"."""
    return _BARE_NUMBER.sub(lambda m: format_integer(int(m.group())), example)


def abbreviations(template: Template, table: TableQuestion) -> str | None:
    """ "Viết tắt: SL: số lượng · TB: trung bình" for the abbreviations among the table's
    column labels, or None when it uses none; worked out once per table of a template (its
    first row's prompt and read-back show it)."""
    kept: dict[str, tuple[TableQuestion, str | None]] = derived(template, "abbreviations", dict)
    found = kept.get(table.id)
    if found is None or found[0] is not table:
        found = kept[table.id] = (table, _abbreviations(table))
    return found[1]


def _abbreviations(table: TableQuestion) -> str | None:
    labels = [c.label for c in table.columns] + [c.label for c in table.computed]
    found: list[str] = []
    for label in labels:
        for word in _WORD.findall(label):
            meaning = catalogue().get(_GLOSSARY + word)
            if meaning and word not in found:
                found.append(word)
    if not found:
        return None
    items = " · ".join(f"{word}: {t(_GLOSSARY + word)}" for word in found)
    return t("ask.abbreviations", items=items)


def _table_lines(
    template: Template, table: TableQuestion
) -> tuple[str, str | None, tuple[str, ...]]:
    """A table's prompt lines that are the same for every row: the columns to type, the
    abbreviations (the first row shows them), and the hint, example and blank-row note;
    worked out once per table of a loaded template."""
    kept: dict[str, tuple[TableQuestion, tuple[str, str | None, tuple[str, ...]]]]
    kept = derived(template, "table_lines", dict)
    found = kept.get(table.id)
    if found is None or found[0] is not table:
        columns = ", ".join(c.label for c in table.columns)
        if len(table.columns) == 1:
            typing = t("ask.table_column", column=columns)
        else:
            typing = t("ask.table_columns", count=len(table.columns), columns=columns)
        help_: list[str] = []
        if table.hint:
            help_.append(f"💡 {table.hint}")
        if table.example:
            help_.append(t("ask.example", example=numeric_example(table.example)))
        help_.append(t("ask.table_blank"))
        lines = (typing, abbreviations(template, table), tuple(help_))
        found = kept[table.id] = (table, lines)
    return found[1]


def table_prompt(turn: TurnSurface, table: TableQuestion) -> list[str]:
    """The row being asked, the columns expected, and its current values."""
    index = turn.state.row_index
    row = table.rows[index]
    typing, glossary, help_ = _table_lines(turn.template, table)
    lines = [t("ask.table_row", row=row.label, index=index + 1, count=len(table.rows)), typing]
    if glossary and index == 0:
        lines.append(glossary)
    lines += help_
    answered = turn.values.get(table.id) or {}
    if row.id in answered:
        lines.append(t("ask.current_row", value=format_row(table, answered[row.id])))
    return lines

"""Table and list questions drawn as document tables: grouped headers, a total row, the
computed columns, and optionally each rate beside the count it is the rate of."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.questionnaire.answers import format_number
from bot.questionnaire.evaluation import Evaluation
from bot.questionnaire.schema import ComputedColumn, ListQuestion, TableColumn, TableQuestion
from bot.report.blocks import Cell, HeaderCell, Table
from bot.texts import t

# (column id, label, group) in document order.
ColumnSpec = tuple[str, str, str | None]


def table_block(table: TableQuestion, values: Mapping[str, Any], evaluation: Evaluation) -> Table:
    """A table question drawn like the seed's: grouped headers, total row, figures."""
    columns = _paired(table) if table.pair_rates else _plain(table)
    answered = values.get(table.id)
    rows = [(r.id, r.label, False) for r in table.rows]
    if table.total_row:
        rows.append((table.total_row.id, table.total_row.label, True))
    typed_rows = {r.id for r in table.rows}

    def cell(row_id: str, column_id: str, bold: bool) -> Cell:
        if answered is None or (row_id in typed_rows and row_id not in answered):
            return Cell("…", placeholder=True)
        if row_id in answered and answered[row_id] is None:
            return Cell(t("report.blank_row"))  # the row typed "-": printed as typed
        text = evaluation.text(f"{table.id}.{row_id}.{column_id}") or ""
        # A change reads "tăng 1,95 điểm phần trăm" in a sentence; a cell starts upper.
        return Cell(text[:1].upper() + text[1:], bold=bold)

    if table.transpose:
        header = [
            [HeaderCell(table.first_column_label)] + [HeaderCell(label) for _, label, _ in rows]
        ]
        body = [
            [Cell(label)] + [cell(row_id, column_id, total) for row_id, _, total in rows]
            for column_id, label, _ in columns
        ]
        return Table(header, body)
    header = grouped_header(table.first_column_label, columns)
    body = [
        [Cell(label, bold=total)] + [cell(row_id, column_id, total) for column_id, _, _ in columns]
        for row_id, label, total in rows
    ]
    return Table(header, body)


def _plain(table: TableQuestion) -> list[ColumnSpec]:
    """Typed columns, then computed ones, as the template lists them."""
    return [(c.id, c.label, c.group) for c in table.columns] + [
        (c.id, c.label, c.group) for c in table.computed
    ]


def _paired(table: TableQuestion) -> list[ColumnSpec]:
    """Each count followed by its rate, both under the count's label ("Tốt": SL | TL).

    A rate's count is its `part`, typed or computed; a count without a rate keeps its own
    header, and a computed count with a group (e.g. "Từ TB trở lên") keeps that group.
    """
    rate_of = {c.part: c for c in table.computed if c.kind == "rate" and c.part}
    placed = {c.id for c in rate_of.values()}
    out: list[ColumnSpec] = []
    columns: list[TableColumn | ComputedColumn] = [*table.columns, *table.computed]
    for column in columns:
        if column.id in placed:
            continue
        rate = rate_of.get(column.id)
        if rate is None:
            out.append((column.id, column.label, column.group))
            continue
        group = column.group or column.label
        out.append((column.id, t("report.count_short"), group))
        out.append((rate.id, t("report.rate_short"), group))
    return out


class TableCells:
    """A table's cells for prose: `{{ conduct.total.avg_up_rate }}` is that cell's text, or
    a placeholder while it is missing; the table itself prints as a placeholder."""

    def __init__(
        self, table: TableQuestion, evaluation: Evaluation, placeholder: Callable[[str], str]
    ) -> None:
        self._table = table
        self._evaluation = evaluation
        self._placeholder = placeholder

    def __getitem__(self, row_id: str) -> _RowCells:
        return _RowCells(self, row_id)

    def _cell(self, row_id: str, column_id: str) -> str:
        text = self._evaluation.text(f"{self._table.id}.{row_id}.{column_id}")
        return text or self._placeholder(self._cell_label(row_id, column_id))

    def _cell_label(self, row_id: str, column_id: str) -> str:
        table = self._table
        rows = {r.id: r.label for r in table.rows}
        if table.total_row:
            rows[table.total_row.id] = table.total_row.label
        columns = {c.id: c.label for c in table.columns}
        columns.update({c.id: c.label for c in table.computed})
        parts = (table.label or table.prompt, rows.get(row_id, row_id), columns.get(column_id))
        return " – ".join(part for part in parts if part)

    def __str__(self) -> str:
        return self._placeholder(self._table.label or self._table.prompt)


class _RowCells:
    """One row of a TableCells: `[column]` is the cell's text."""

    def __init__(self, cells: TableCells, row_id: str) -> None:
        self._cells = cells
        self._row_id = row_id

    def __getitem__(self, column_id: str) -> str:
        return self._cells._cell(self._row_id, column_id)

    def __str__(self) -> str:
        return self._cells._cell(self._row_id, "")


def list_block(question: ListQuestion, values: Mapping[str, Any]) -> Table:
    """A list question as a table, one row per item."""
    header = [
        [HeaderCell(t("report.list_number"))] + [HeaderCell(f.label) for f in question.fields]
    ]
    body = []
    for index, item in enumerate(values.get(question.id) or [], 1):
        cells = [Cell(str(index))]
        for list_field in question.fields:
            value = item.get(list_field.id)
            if value is None:
                cells.append(Cell(""))
            elif list_field.kind == "integer":
                cells.append(Cell(format_number("integer", value)))
            else:
                cells.append(Cell(str(value)))
        body.append(cells)
    return Table(header, body, first_column_left=False)


def grouped_header(first_label: str, columns: list[ColumnSpec]) -> list[list[HeaderCell]]:
    """One header row, or two when columns share a group (a merged cell above them)."""
    if not any(group for _, _, group in columns):
        return [[HeaderCell(first_label)] + [HeaderCell(label) for _, label, _ in columns]]
    top: list[HeaderCell] = [HeaderCell(first_label, rowspan=2)]
    bottom: list[HeaderCell] = []
    index = 0
    while index < len(columns):
        _, label, group = columns[index]
        if group is None:
            top.append(HeaderCell(label, rowspan=2))
            index += 1
            continue
        span = 1
        while index + span < len(columns) and columns[index + span][2] == group:
            span += 1
        top.append(HeaderCell(group, colspan=span))
        bottom.extend(HeaderCell(columns[index + k][1]) for k in range(span))
        index += span
    return [top, bottom]

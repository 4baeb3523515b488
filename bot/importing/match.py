"""Finding, in a spreadsheet, the table that fills a table question: its header row, the
columns of the question (in any order) and the rows by their labels."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.text import fold
from bot.importing.spreadsheet import Cell, ImportFileError, Sheet, cell_text
from bot.questionnaire.answers import ROW_BLANK_INPUTS, InvalidAnswer, parse_cell
from bot.questionnaire.schema import TableQuestion
from bot.texts import t

# Abbreviations of report tables, by folded word: "SL" = "Số lượng", "TS HV" = "Tổng số học viên".
_ABBREVIATIONS = {
    "sl": "so luong",
    "tl": "ti le",
    "ty": "ti",
    "ts": "tong so",
    "hv": "hoc vien",
    "hs": "hoc sinh",
    "tb": "trung binh",
    "kxl": "khong xep loai",
}
_PUNCTUATION = re.compile(r"[^\w%]+")
# Labels of a total row the spreadsheet may carry: the engine computes it, it is not read.
_TOTAL_LABELS = {"tong", "tong cong", "cong", "tong so", "toan trung tam", "toan don vi"}


def canonical(text: str) -> str:
    """A header or label folded and with abbreviations spelt out, for comparison."""
    words = _PUNCTUATION.sub(" ", fold(str(text))).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def _matches(written: str, expected: str) -> bool:
    """A written header names the expected one: the same words, or ending with them
    ("Xếp loại Tốt" for "Tốt")."""
    return bool(written) and (written == expected or written.endswith(f" {expected}"))


@dataclass
class TableMatch:
    """What a spreadsheet gives a table question: one parsed row per row id read."""

    sheet: str
    header_row: int
    rows: dict[str, dict[str, Any] | None]
    # Spreadsheet row labels that match no row of the question (not imported).
    unmatched: list[str] = field(default_factory=list)
    # Headers of the spreadsheet that are no column of the question (computed ones, notes).
    ignored_headers: list[str] = field(default_factory=list)


def _header_columns(table: TableQuestion, row: list[Cell]) -> dict[str, int]:
    """The column index of each question column named in this row, when unambiguous."""
    written = [canonical(cell_text(cell)) for cell in row]
    found: dict[str, int] = {}
    for column in table.columns:
        expected = canonical(column.label)
        exact = [i for i, text in enumerate(written) if text == expected]
        near = [i for i, text in enumerate(written) if _matches(text, expected)]
        chosen = exact or near
        if len(chosen) == 1 and chosen[0] not in found.values():
            found[column.id] = chosen[0]
    return found


def _label_column(table: TableQuestion, sheet: Sheet, header: int, used: set[int]) -> int | None:
    """The column below the header whose cells name the most rows of the question."""
    best, best_count = None, 0
    width = max((len(r) for r in sheet.rows[header + 1 :]), default=0)
    for column in range(width):
        if column in used:
            continue
        count = sum(
            1
            for row in sheet.rows[header + 1 :]
            if column < len(row) and _row_id(table, cell_text(row[column])) is not None
        )
        if count > best_count:
            best, best_count = column, count
    return best


def _row_id(table: TableQuestion, text: str) -> str | None:
    """The question row a spreadsheet label names ("Khối THCS" for "THCS")."""
    written = canonical(text)
    for row in table.rows:
        if _matches(written, canonical(row.label)) or written == canonical(row.id):
            return row.id
    return None


def _header_merged(sheet: Sheet, header: int) -> bool:
    """Whether a merged range covers the header row (each column needs its own header)."""
    return any(top <= header <= bottom for top, _, bottom, _ in sheet.merged)


def find_table(table: TableQuestion, sheets: list[Sheet], file_name: str) -> TableMatch:
    """The first table of the file with every column of the question; else ImportFileError."""
    best: tuple[list[str], Sheet, int, set[int]] | None = None
    for sheet in sheets:
        for index, row in enumerate(sheet.rows):
            columns = _header_columns(table, row)
            if len(columns) == len(table.columns):
                if _header_merged(sheet, index):
                    raise _merged(file_name, sheet, index)
                return _read_rows(table, sheet, index, columns, file_name)
            missing = [c.label for c in table.columns if c.id not in columns]
            if columns and (best is None or len(missing) < len(best[0])):
                best = (missing, sheet, index, set(columns.values()))
    expected = ", ".join(c.label for c in table.columns)
    if best is None:
        raise ImportFileError(t("importing.no_table", file=file_name, expected=expected))
    missing, sheet, index, found = best
    # A header over two rows with merged cells ("Xếp loại" above Yếu, TB, Khá, Tốt) names
    # no column fully in either row; a merged title elsewhere is no reason.
    first, last = min(found) - 1, max(found) + 1
    for top, left, bottom, right in sheet.merged:
        if top - 1 <= index <= bottom + 1 and left <= last and right >= first:
            raise _merged(file_name, sheet, top)
    raise ImportFileError(
        t(
            "importing.missing_columns",
            file=file_name,
            missing=", ".join(missing),
            expected=expected,
        )
    )


def _merged(file_name: str, sheet: Sheet, row: int) -> ImportFileError:
    return ImportFileError(
        t("importing.merged_header", file=file_name, sheet=sheet.name, row=row + 1)
    )


def _read_rows(
    table: TableQuestion, sheet: Sheet, header: int, columns: dict[str, int], file_name: str
) -> TableMatch:
    label_at = _label_column(table, sheet, header, set(columns.values()))
    if label_at is None:
        labels = ", ".join(r.label for r in table.rows)
        raise ImportFileError(t("importing.no_rows", file=file_name, rows=labels))
    header_cells = sheet.rows[header]
    match = TableMatch(sheet=sheet.name, header_row=header + 1, rows={})
    match.ignored_headers = [
        cell_text(cell)
        for i, cell in enumerate(header_cells)
        if i not in columns.values() and i != label_at and cell_text(cell)
    ]
    total_labels = _TOTAL_LABELS | (
        {canonical(table.total_row.label)} if table.total_row is not None else set()
    )
    for cells in sheet.rows[header + 1 :]:
        label = cell_text(cells[label_at]) if label_at < len(cells) else ""
        if not label:
            continue
        row_id = _row_id(table, label)
        if row_id is None:
            if canonical(label) not in total_labels:
                match.unmatched.append(label)
            continue
        if row_id in match.rows:
            raise ImportFileError(t("importing.row_twice", file=file_name, row=label))
        match.rows[row_id] = _parse_row(table, cells, columns)
    if not match.rows:
        labels = ", ".join(r.label for r in table.rows)
        raise ImportFileError(t("importing.no_rows", file=file_name, rows=labels))
    return match


def _parse_row(
    table: TableQuestion, cells: list[Cell], columns: dict[str, int]
) -> dict[str, Any] | None:
    """One row's cells parsed as typed cells; a row with no figure at all is left blank."""
    picked = {
        c.id: cells[columns[c.id]] if columns[c.id] < len(cells) else None for c in table.columns
    }
    texts = {key: "" if cell is None else cell_text(cell) for key, cell in picked.items()}
    for cell in picked.values():
        if cell is not None and cell.uncomputed:
            raise ImportFileError(t("importing.formula", cell=cell.ref))
    if all(fold(text) in ROW_BLANK_INPUTS or not text for text in texts.values()):
        return None
    row: dict[str, Any] = {}
    for column in table.columns:
        cell = picked[column.id]
        where = cell.ref if cell is not None else column.label
        if not texts[column.id]:
            raise ImportFileError(t("importing.empty_cell", cell=where, column=column.label))
        try:
            row[column.id] = parse_cell(column, texts[column.id])
        except InvalidAnswer as err:
            raise ImportFileError(
                t("importing.bad_cell", cell=where, column=column.label, reason=err.message)
            ) from err
    return row

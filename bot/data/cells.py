"""Workbook cells that are safe: text never a formula, valid sheet names, numbers as numbers.

Nothing a user typed is ever written as a formula: openpyxl turns a string starting with
"=" into a formula, so every string cell is forced back to a string and, when it starts
with a character a spreadsheet would read as the start of a formula, marked with Excel's
quote prefix so that editing the cell keeps it text.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.clock import VIETNAM
from bot.questionnaire.answers import format_answer
from bot.questionnaire.schema import Question
from bot.texts import t

# Excel's limits on sheet names.
SHEET_NAME_LIMIT = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Excel keeps this name for itself.
_RESERVED_SHEET_NAMES = {"history"}
# The longest text a cell holds.
CELL_TEXT_LIMIT = 32767
# What a spreadsheet reads as the start of a formula (tab and CR as well, after OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"


# -- cells -----------------------------------------------------------------------------------


def safe_text(value: str) -> str:
    """Text a cell can hold: NFC, no characters XML forbids, within Excel's length."""
    text = ILLEGAL_CHARACTERS_RE.sub("", unicodedata.normalize("NFC", value))
    if len(text) > CELL_TEXT_LIMIT:
        text = text[: CELL_TEXT_LIMIT - 1] + "…"
    return text


def local_time(moment: datetime) -> datetime:
    """An aware moment as the wall-clock time in Vietnam, for a cell.

    Excel has no time zones (openpyxl refuses aware datetimes), so the cell gets the
    Vietnamese local time and the column header says so.
    """
    return moment.astimezone(VIETNAM).replace(tzinfo=None)


def put(sheet: Worksheet, row: int, column: int, value: Any, *, bold: bool = False) -> None:
    """Writes one cell: text always as text (never a formula), numbers and dates as such."""
    if value is None or value == "":
        if bold:
            sheet.cell(row=row, column=column).font = Font(bold=True)
        return
    if isinstance(value, str):
        text = safe_text(value)
        cell = sheet.cell(row=row, column=column, value=text)
        # openpyxl makes any string starting with "=" a formula: force it back to text.
        cell.data_type = "s"
        if text.startswith(_FORMULA_START):
            # Excel's "'" prefix, stored as a style: the cell stays text when edited.
            cell.quotePrefix = True
        if "\n" in text:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif isinstance(value, bool):
        cell = sheet.cell(row=row, column=column, value=value)
    elif isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=VIETNAM)
        cell = sheet.cell(row=row, column=column, value=local_time(aware))
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int | float | Decimal):
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, int):
            cell.number_format = "#,##0"
    else:
        put(sheet, row, column, str(value), bold=bold)
        return
    if bold:
        cell.font = Font(bold=True)


def put_row(sheet: Worksheet, row: int, values: Sequence[Any], *, bold: bool = False) -> None:
    """Writes values from column A on."""
    for column, value in enumerate(values, start=1):
        put(sheet, row, column, value, bold=bold)


def number_of(kind: str, value: Any) -> int | Decimal | None:
    """A stored numeric value as a number for a cell (None when it is not one)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if kind == "integer":
            return int(value)
        return Decimal(str(value))
    except (TypeError, ValueError, InvalidOperation):
        return None


# -- sheet names -----------------------------------------------------------------------------


def sheet_name(wanted: str, taken: Iterable[str]) -> str:
    """A valid sheet name close to `wanted`, unique (case-insensitively) among `taken`.

    Excel: at most 31 characters, none of []:*?/\\, not empty, not starting or ending
    with an apostrophe, not "History".
    """
    used = {name.casefold() for name in taken}
    base = unicodedata.normalize("NFC", wanted)
    base = _SHEET_FORBIDDEN.sub("-", ILLEGAL_CHARACTERS_RE.sub("", base))
    base = " ".join(base.split()).strip("'").strip() or t("export.fallback_sheet")
    if base.casefold() in _RESERVED_SHEET_NAMES:
        base = f"{base} 1"
    candidate = _fit(base, "")
    counter = 1
    while candidate.casefold() in used:
        counter += 1
        candidate = _fit(base, f" ({counter})")
    return candidate


def _fit(base: str, suffix: str) -> str:
    """`base` cut so that `base + suffix` fits Excel's limit."""
    room = SHEET_NAME_LIMIT - len(suffix)
    if len(base) <= room:
        return base + suffix
    # Cut at a word boundary when one is not too far back, and show that it was cut.
    cut = base[: room - 1]
    space = cut.rfind(" ")
    if space >= room // 2:
        cut = cut[:space]
    cut = cut.rstrip(" -.'–") or base[: room - 1]
    return f"{cut}…{suffix}"


def autosize(sheet: Worksheet, widths: dict[int, int]) -> None:
    """Sets the width of each column."""
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width


def text_of(question: Question | None, value: Any) -> str:
    """A stored value as readable text; raw JSON when the question is unknown or odd."""
    if value is None:
        return ""
    if question is not None:
        try:
            return format_answer(question, value)
        except (TypeError, ValueError, KeyError, AttributeError, InvalidOperation):
            pass
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)

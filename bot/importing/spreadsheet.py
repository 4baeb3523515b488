"""Reading an .xlsx or .csv file into plain grids of cells, refusing what cannot be trusted.

A file is read whole before anything is matched or stored, and every refusal is an
`ImportFileError` with a Vietnamese message: nothing is changed by a bad file.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from bot.texts import t

MAX_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip: its unpacked size is limited too, so a small bomb is refused early.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 200
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted (password-protected) Office file is an OLE file holding this stream.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


class ImportFileError(ValueError):
    """A file that cannot be imported; `message` says why, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Cell:
    """One cell: its value as read, its address ("D5") and how Excel shows it."""

    value: Any
    ref: str
    percent: bool = False
    # A formula whose result the file does not hold (never calculated by a spreadsheet app).
    uncomputed: bool = False


@dataclass
class Sheet:
    """A worksheet (a .csv is one sheet): rows of cells, and its merged ranges."""

    name: str
    rows: list[list[Cell]]
    # (first row, first column, last row, last column), 0-based.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def read_sheets(file_name: str, data: bytes) -> list[Sheet]:
    """The sheets of an .xlsx or .csv file given as bytes."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(t("importing.too_big_bytes", file=file_name, limit=_mb(MAX_BYTES)))
    suffix = Path(file_name).suffix.lower()
    if data.startswith(_OLE_MAGIC):
        key = "importing.protected" if _ENCRYPTED_STREAM in data else "importing.old_xls"
        raise ImportFileError(t(key, file=file_name))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(file_name, data)
    if suffix == ".csv":
        return [_read_csv(file_name, data)]
    raise ImportFileError(t("importing.not_spreadsheet", file=file_name))


def _mb(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def _too_many(file_name: str, rows: int, columns: int) -> None:
    if rows > MAX_ROWS or columns > MAX_COLUMNS:
        raise ImportFileError(
            t("importing.too_big_cells", file=file_name, rows=MAX_ROWS, columns=MAX_COLUMNS)
        )


def _read_xlsx(file_name: str, data: bytes) -> list[Sheet]:
    # Imported here: only spreadsheet files need openpyxl.
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as err:
        raise ImportFileError(t("importing.not_spreadsheet", file=file_name)) from err
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(t("importing.too_big_bytes", file=file_name, limit=_mb(MAX_BYTES)))
    try:
        # Two readings: the formulas themselves, and the results the file last saved.
        formulas = load_workbook(io.BytesIO(data), data_only=False)
        results = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as err:  # openpyxl raises many kinds of error on a broken file
        raise ImportFileError(t("importing.not_spreadsheet", file=file_name)) from err
    sheets = []
    for sheet, computed in zip(formulas.worksheets, results.worksheets, strict=True):
        _too_many(file_name, sheet.max_row, sheet.max_column)
        rows: list[list[Cell]] = []
        for written, result in zip(sheet.iter_rows(), computed.iter_rows(), strict=True):
            row = []
            for cell, value_cell in zip(written, result, strict=True):
                formula = cell.data_type == "f"
                row.append(
                    Cell(
                        value=value_cell.value,
                        ref=f"{get_column_letter(cell.column)}{cell.row}",
                        percent="%" in (cell.number_format or ""),
                        uncomputed=formula and value_cell.value is None,
                    )
                )
            rows.append(row)
        merged = [
            (r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1)
            for r in sheet.merged_cells.ranges
        ]
        sheets.append(Sheet(sheet.title, rows, merged))
    return sheets


def _decode(file_name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1258, as Vietnamese Excel saves CSV."""
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise ImportFileError(t("importing.not_spreadsheet", file=file_name))


def _read_csv(file_name: str, data: bytes) -> Sheet:
    text = _decode(file_name, data)
    if "\x00" in text or not text.strip():
        raise ImportFileError(t("importing.not_spreadsheet", file=file_name))
    try:
        dialect: Any = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = text.splitlines()
    _too_many(file_name, len(lines), 0)
    rows: list[list[Cell]] = []
    try:
        for index, values in enumerate(csv.reader(io.StringIO(text), dialect)):
            _too_many(file_name, index + 1, len(values))
            rows.append(
                [
                    Cell(value=v, ref=f"{get_column_letter(column + 1)}{index + 1}")
                    for column, v in enumerate(values)
                ]
            )
    except csv.Error as err:
        raise ImportFileError(t("importing.not_spreadsheet", file=file_name)) from err
    return Sheet(Path(file_name).stem, rows)


def cell_text(cell: Cell) -> str:
    """A cell as a member would have typed it: 12, "12,5", "95%" for a percent-formatted 0.95."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        if cell.percent:
            number *= 100
        if number == number.to_integral_value():
            text = str(int(number))
        else:
            text = format(number.normalize(), "f").replace(".", ",")
        return f"{text}%" if cell.percent else text
    return str(value).strip()

"""The paragraphs and tables of a document, in document order.

A .docx is read with python-docx (merged cells repeat their text in every grid column
they cover). Plain text is read line by line; tables extracted from Word the way the
seed reports are (each cell on a line of its own starting with a tab, rows separated by
a blank line, a cell's further lines without the tab) come back as tables too.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot.figure_check.errors import SourceError
from bot.figure_check.package import MAX_XML_BYTES, main_document

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_XML_BYTES",
    "Block",
    "Paragraph",
    "SourceError",
    "Table",
    "read_docx",
    "read_path",
    "read_text",
]

# The largest file `read_path` reads (a long report with pictures is about 2 MB).
MAX_FILE_BYTES = 10 * 1024 * 1024
_MEBIBYTE = 1024 * 1024


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    """Rows of cell texts; a row may be shorter than the table is wide."""

    rows: list[list[str]]


Block = Paragraph | Table


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\u00a0", " ")


def read_docx(data: bytes, *, max_xml_bytes: int = MAX_XML_BYTES) -> list[Block]:
    """The body paragraphs and tables of a .docx, in order; SourceError if it is not one,
    or (reason "too_large") when its text inflates past `max_xml_bytes`."""
    # Imported here: reading plain text does not need python-docx.
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = main_document(data, max_xml_bytes=max_xml_bytes)
    except SourceError as err:
        if err.reason == "too_large":
            err.params.setdefault("limit", max_xml_bytes // _MEBIBYTE)
        raise
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            blocks.append(Paragraph(_nfc(item.text)))
        elif isinstance(item, DocxTable):
            rows = [[_nfc(cell.text) for cell in row.cells] for row in item.rows]
            blocks.append(Table(rows))
    return blocks


def read_text(text: str) -> list[Block]:
    """Paragraphs (one per non-blank line) and tab-celled tables of plain text."""
    blocks: list[Block] = []
    rows: list[list[str]] = []
    row: list[str] = []
    previous_blank = True

    def close_table() -> None:
        nonlocal rows, row
        if row:
            rows.append(row)
        if rows:
            blocks.append(Table(rows))
        rows, row = [], []

    for line in _nfc(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.startswith("\t"):
            row.append(line[1:].strip())
            previous_blank = False
        elif not line.strip():
            if row:
                rows.append(row)
                row = []
            previous_blank = True
        elif row and not previous_blank:
            # A further line of the cell above (a line break inside a cell).
            row[-1] = f"{row[-1]}\n{line.strip()}".strip()
        else:
            close_table()
            blocks.append(Paragraph(line.strip()))
            previous_blank = False
    close_table()
    return blocks


def _read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; SourceError for anything else
    (a missing file, a folder, a device such as /dev/zero, a pipe that would never end)."""
    try:
        # Non-blocking: opening a FIFO must not wait for a writer; fstat then tells.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as err:
        raise SourceError(str(err), reason="missing") from err
    except IsADirectoryError as err:
        raise SourceError(str(err), reason="not_a_file") from err
    except OSError as err:
        raise SourceError(str(err)) from err
    too_large = SourceError(
        f"{path} is over {limit} bytes", reason="file_too_large", limit=limit // _MEBIBYTE
    )
    data = bytearray()
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(f"not a regular file: {path}", reason="not_a_file")
        if info.st_size > limit:
            raise too_large
        # One byte more than allowed: a file growing while it is read is caught too.
        while len(data) <= limit and (chunk := os.read(descriptor, limit + 1 - len(data))):
            data += chunk
    except OSError as err:
        raise SourceError(str(err)) from err
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise too_large
    return bytes(data)


def read_path(path: Path, *, max_file_bytes: int = MAX_FILE_BYTES) -> list[Block]:
    """A .docx by its content, anything else as UTF-8 text; SourceError when unreadable,
    missing, not a regular file or larger than `max_file_bytes`."""
    data = _read_regular_file(path, max_file_bytes)
    if data.startswith(b"PK\x03\x04"):
        return read_docx(data)
    if path.suffix.lower() == ".docx":
        raise SourceError("not a .docx file")
    try:
        return read_text(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise SourceError("not UTF-8 text") from err

"""The paragraphs and tables of a document, in document order.

A .docx is read with python-docx (merged cells repeat their text in every grid column
they cover). Plain text is read line by line; tables extracted from Word the way the
seed reports are (each cell on a line of its own starting with a tab, rows separated by
a blank line, a cell's further lines without the tab) come back as tables too.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Block", "Paragraph", "SourceError", "Table", "read_docx", "read_path", "read_text"]


class SourceError(ValueError):
    """The file cannot be read as a .docx or as UTF-8 text."""


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


def read_docx(data: bytes) -> list[Block]:
    """The body paragraphs and tables of a .docx, in order; SourceError if it is not one."""
    # Imported here: reading plain text does not need python-docx.
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph
    from lxml.etree import XMLSyntaxError

    try:
        document = Document(io.BytesIO(data))
    # A damaged part inside a sound zip surfaces as lxml's syntax error, not python-docx's.
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError, XMLSyntaxError) as err:
        raise SourceError(str(err)) from err
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


def read_path(path: Path) -> list[Block]:
    """A .docx by its content, anything else as UTF-8 text; SourceError when unreadable."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SourceError(str(err)) from err
    if data.startswith(b"PK\x03\x04"):
        return read_docx(data)
    if path.suffix.lower() == ".docx":
        raise SourceError("not a .docx file")
    try:
        return read_text(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise SourceError("not UTF-8 text") from err

"""The plain context a report is drawn from: header, blocks of content, signature.

Building this context (from answers and figures) is separate from drawing it (python-docx),
so the official layout lives in one place and knows nothing about questionnaires.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Run:
    """A stretch of text; a placeholder is drawn highlighted so a missing answer shows."""

    text: str
    placeholder: bool = False
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Heading:
    """A numbered section heading ("3.2.1. Về hạnh kiểm"); level 1 is a top section."""

    number: str
    title: str
    level: int


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph (justified, first-line indent); `bullet` prefixes "- "."""

    runs: list[Run]
    bullet: bool = False


@dataclass(frozen=True)
class HeaderCell:
    """A cell of a table's header; spans merge cells like the seed's tables."""

    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class Cell:
    """A body cell; a placeholder cell is highlighted."""

    text: str
    placeholder: bool = False
    bold: bool = False


@dataclass(frozen=True)
class Table:
    """A grid: header rows with merged cells over body rows of plain cells."""

    header: list[list[HeaderCell]]
    rows: list[list[Cell]]
    first_column_left: bool = True


@dataclass(frozen=True)
class Header:
    """The two-column header and the number / place-and-date line under it."""

    parent_body: str
    unit_name: str
    number_line: str
    place_date_line: str


@dataclass(frozen=True)
class Signer:
    """The signature block: title lines ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC") and name."""

    title_lines: list[str]
    name: str


Block = Heading | Paragraph | Table


@dataclass
class ReportContext:
    """Everything the document shows, already formatted as text."""

    header: Header
    title: str
    summary: str
    blocks: list[Block]
    recipients: list[str]
    signer: Signer
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said of the draft as a whole
    is_draft: bool = True

    @property
    def has_notes(self) -> bool:
        """Whether the draft carries a notes page (and so the "DỰ THẢO" mark)."""
        return self.is_draft and bool(self.missing or self.warnings or self.notes)

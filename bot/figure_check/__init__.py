"""Audit of a report someone else wrote: every figure found is recomputed.

`audit_path` and `audit_bytes` read a .docx (paragraphs and tables in document order) or
plain text, check the rates, totals, distributions and changes they can read without
doubt, and return an `AuditReport` listing each mismatch with the correct figure.
"""

from __future__ import annotations

from pathlib import Path

from bot.figure_check.finders import check_paragraph
from bot.figure_check.findings import AuditReport, Finding, Tally
from bot.figure_check.lines import join_broken_lines
from bot.figure_check.source import Block, Paragraph, SourceError, Table, read_docx, read_path
from bot.figure_check.summary import chat_summary, text_report
from bot.figure_check.tables import check_table

__all__ = [
    "AuditReport",
    "Finding",
    "SourceError",
    "audit_blocks",
    "audit_bytes",
    "audit_path",
    "chat_summary",
    "text_report",
]


def audit_blocks(blocks: list[Block], file: str = "") -> AuditReport:
    """Checks the figures of paragraphs and tables given in document order; a sentence
    broken across paragraphs (text copied from a PDF) is read whole."""
    blocks = join_broken_lines(blocks)
    tally = Tally()
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            check_paragraph(block.text, tally)
        elif isinstance(block, Table):
            check_table(block.rows, _caption(blocks, index), _note(blocks, index), tally)
    return AuditReport(file=file, checked=tally.checked, findings=tally.findings)


def audit_path(path: Path) -> AuditReport:
    """Audits a .docx or UTF-8 text file; SourceError when it cannot be read."""
    return audit_blocks(read_path(path), path.name)


def audit_bytes(data: bytes, file: str) -> AuditReport:
    """Audits the bytes of a .docx; SourceError when they are not one."""
    return audit_blocks(read_docx(data), file)


def _caption(blocks: list[Block], index: int) -> str:
    """The last non-empty paragraph before a table (its heading, usually)."""
    for block in reversed(blocks[:index]):
        if isinstance(block, Table):
            return ""
        if block.text.strip():
            return block.text
    return ""


def _note(blocks: list[Block], index: int) -> str:
    """The first non-empty paragraph after a table (where "Ghi chú" sits)."""
    for block in blocks[index + 1 :]:
        if isinstance(block, Table):
            return ""
        if block.text.strip():
            return block.text
    return ""

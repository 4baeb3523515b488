"""Drafts printed by LibreOffice, read page by page: what a clerk sees before signing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.report.blocks import Cell, HeaderCell, Paragraph, Run, Table
from bot.report.docx_writer import save_report
from tests.docx_helpers import docx_many_to_pdf, pdf_pages, sample_context

pytestmark = pytest.mark.slow

FILLER = "Dòng chữ đệm số {n} của báo cáo."
LEAD_IN = "Kết quả kiểm tra cuối kỳ:"
# Enough one-line paragraphs to push what follows through every position on pages 1-2.
FILLER_COUNTS = range(18, 52, 2)


def _filler(count: int) -> list[Paragraph]:
    return [Paragraph([Run(FILLER.format(n=n))]) for n in range(1, count + 1)]


def _table() -> Table:
    header = [[HeaderCell("Lớp"), HeaderCell("Sĩ số"), HeaderCell("Đạt")]]
    rows = [[Cell(f"Hàng {n}"), Cell(str(30 + n)), Cell(str(20 + n))] for n in range(1, 7)]
    return Table(header, rows)


def _convert(folder: Path, contexts: dict[str, object]) -> dict[str, list[str]]:
    docxs = [save_report(context, folder / f"{name}.docx") for name, context in contexts.items()]  # type: ignore[arg-type]
    pdfs = docx_many_to_pdf(docxs, folder)
    return {pdf.stem: pdf_pages(pdf) for pdf in pdfs}


@pytest.fixture(scope="module")
def ending_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Reports whose body ends at every height of a page, then the signature block."""
    folder = tmp_path_factory.mktemp("ending")
    contexts = {
        f"ending-{count}": sample_context(blocks=_filler(count), missing=[], warnings=[])
        for count in FILLER_COUNTS
    }
    return _convert(folder, contexts)


@pytest.fixture(scope="module")
def table_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Reports whose lead-in line and table start at every height of a page."""
    folder = tmp_path_factory.mktemp("tables")
    contexts = {
        f"table-{count}": sample_context(
            blocks=[*_filler(count), Paragraph([Run(LEAD_IN)]), _table(), *_filler(3)],
            missing=[],
            warnings=[],
        )
        for count in FILLER_COUNTS
    }
    return _convert(folder, contexts)


def test_signature_never_stands_alone_on_a_page(ending_pages: dict[str, list[str]]) -> None:
    for name, pages in ending_pages.items():
        signed = [page for page in pages if "Nơi nhận:" in page]
        assert len(signed) == 1, name
        assert FILLER.split("{n}")[0] in signed[0], f"{name}: the signature stands alone"


def test_a_lead_in_line_and_its_table_start_on_one_page(
    table_pages: dict[str, list[str]],
) -> None:
    for name, pages in table_pages.items():
        page = next(page for page in pages if LEAD_IN in page)
        # The lead-in, the header and at least two rows of the table are on one page.
        for text in ("Sĩ số", "Hàng 1", "Hàng 2"):
            assert text in page, f"{name}: {text!r} is not on the page of the lead-in"


def test_a_table_never_starts_at_a_page_foot_with_its_header_alone(
    table_pages: dict[str, list[str]],
) -> None:
    for name, pages in table_pages.items():
        for page in pages:
            if "Sĩ số" in page:
                # The header, first or repeated, comes with at least two rows of its own.
                rows = re.findall(r"Hàng \d", page)
                assert len(rows) >= 2, f"{name}: a header with {rows} only"

"""Drafts printed by LibreOffice, read page by page: what a clerk sees before signing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, sample_answers_path
from bot.report.answers_file import load_answers_file
from bot.report.blocks import Cell, HeaderCell, Paragraph, Run, Table
from bot.report.build import render_draft
from bot.report.docx_writer import save_report
from tests.support.docx_helpers import (
    docx_many_to_pdf,
    pdf_pages,
    pdf_text,
    sample_context,
    spaced,
)

pytestmark = pytest.mark.slow

FILLER = "Dòng chữ đệm số {n} của báo cáo."
LEAD_IN = "Kết quả kiểm tra cuối kỳ:"
# Enough one-line paragraphs to push what follows through every position on pages 1-2.
FILLER_COUNTS = range(18, 50)


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


# -- the three demo drafts, a half-filled one and a clean one, as printed -----------------

DEMO_KINDS = [
    path.parent.name for path in sorted(DEFAULT_TEMPLATES_DIR.glob("*/sample-answers.yaml"))
]
HALF = "half-filled"
CLEAN = "clean"


@pytest.fixture(scope="module")
def printed_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each demo draft, a half-filled draft and a clean version, printed to PDF."""
    folder = tmp_path_factory.mktemp("demos")
    docxs: list[Path] = []
    for kind in DEMO_KINDS:
        sample = load_answers_file(sample_answers_path(kind))
        draft = render_draft(sample.template, sample.frame, sample.values, set())
        docxs.append(folder / f"{kind}.docx")
        docxs[-1].write_bytes(draft.data)
    sample = load_answers_file(sample_answers_path(DEMO_KINDS[-1]))
    half = {k: v for index, (k, v) in enumerate(sample.values.items()) if index % 2}
    for name, values, clean in ((HALF, half, False), (CLEAN, sample.values, True)):
        draft = render_draft(sample.template, sample.frame, values, set(), clean=clean)
        docxs.append(folder / f"{name}.docx")
        docxs[-1].write_bytes(draft.data)
    return {pdf.stem: pdf for pdf in docx_many_to_pdf(docxs, folder)}


@pytest.fixture(scope="module")
def printed(printed_pdfs: dict[str, Path]) -> dict[str, list[str]]:
    """The printed drafts page by page, in reading order."""
    return {name: pdf_pages(pdf) for name, pdf in printed_pdfs.items()}


def test_the_signed_page_holds_body_text(printed: dict[str, list[str]]) -> None:
    for name, pages in printed.items():
        signed = next(page for page in pages if "Nơi nhận:" in page)
        body = signed.split("Nơi nhận:")[0]
        lines = [line for line in body.splitlines() if len(line.strip()) > 20]
        assert lines, f"{name}: the signature block stands alone on its page"


def test_a_half_filled_draft_is_marked_on_its_first_page(printed: dict[str, list[str]]) -> None:
    assert "DỰ THẢO" in printed[HALF][0].split("GHI CHÚ")[0]
    assert any("GHI CHÚ DỰ THẢO" in page for page in printed[HALF][1:])
    assert "[Chưa có]" in "".join(printed[HALF])


def test_the_clean_version_has_no_notes_page(printed: dict[str, list[str]]) -> None:
    pages = printed[CLEAN]
    assert "Nơi nhận:" in pages[-1]
    text = "".join(pages)
    assert "DỰ THẢO" not in text and "[Chưa có" not in text


def test_header_names_break_only_between_phrases(printed: dict[str, list[str]]) -> None:
    lines = [
        line.strip() for line in printed["bao-cao-nhiem-vu-nam-hoc-phong-gddt"][0].splitlines()
    ]
    assert "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO" in lines
    lines = [
        line.strip() for line in printed["bao-cao-kiem-diem-hoi-nghi-vien-chuc"][0].splitlines()
    ]
    assert "GIÁO DỤC THƯỜNG XUYÊN" in lines or "TRUNG TÂM GIÁO DỤC THƯỜNG XUYÊN" in lines


def test_school_years_are_never_cut_at_a_line_end(printed_pdfs: dict[str, Path]) -> None:
    for name, pdf in printed_pdfs.items():
        # As laid out: reading order joins a line cut after a hyphen to the next one.
        for line in spaced(pdf_text(pdf)).splitlines():
            assert not re.fullmatch(r"\s*\d{4}\.?\s*", line), f"{name}: a year alone: {line!r}"
            assert not re.search(r"\d{4} -\s*$", line), f"{name}: a year cut: {line!r}"

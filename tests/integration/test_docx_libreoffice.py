"""A drawn report opens in LibreOffice and prints on A4 with its Vietnamese text intact."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.report.docx_writer import save_report
from tests.support.docx_helpers import docx_to_pdf, pdf_text, run_tool, sample_context

pytestmark = pytest.mark.slow

A4_POINTS = (595.3, 841.9)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample report converted to PDF by LibreOffice."""
    folder = tmp_path_factory.mktemp("libreoffice")
    return docx_to_pdf(save_report(sample_context(), folder / "bao-cao.docx"), folder)


def test_libreoffice_converts_the_report(pdf: Path) -> None:
    assert pdf.exists()
    assert pdf.read_bytes().startswith(b"%PDF")


def test_pdf_keeps_the_vietnamese_text_and_figures(pdf: Path) -> None:
    text = pdf_text(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "91,82%" in text
    assert "Nơi nhận:" in text


def test_page_numbers_start_on_the_second_page(pdf: Path) -> None:
    first = pdf_text(pdf, 1).strip().splitlines()
    second = pdf_text(pdf, 2).strip().splitlines()
    assert first[0].strip() != "1"
    assert second[0].strip() == "2"


def test_pdf_pages_are_a4(pdf: Path) -> None:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is not None:
        match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", run_tool(pdfinfo, str(pdf)))
        assert match is not None
        size = (float(match.group(1)), float(match.group(2)))
    else:
        # LibreOffice writes each page's MediaBox in the clear.
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
        assert boxes
        size = (float(boxes[0][0]), float(boxes[0][1]))
    assert size == pytest.approx(A4_POINTS, abs=1.0)

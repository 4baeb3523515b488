"""A drawn report opens in LibreOffice and prints on A4 with its Vietnamese text intact."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from bot.report.docx_writer import save_report
from tests.docx_helpers import sample_context

pytestmark = pytest.mark.slow

CONVERSION_TIMEOUT = 120
A4_POINTS = (595.3, 841.9)


def _require(tool: str) -> str:
    """The tool's path; a skip without it, or a failure when CI says it must be there."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed"
        if os.environ.get("BAOCAO_REQUIRE_SOFFICE") == "1":
            pytest.fail(f"{message}, but BAOCAO_REQUIRE_SOFFICE=1")
        pytest.skip(message)
    return path


def _run(*command: str) -> str:
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=CONVERSION_TIMEOUT, check=True
    )
    return result.stdout


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample report converted to PDF by LibreOffice, with a profile of its own."""
    soffice = _require("soffice")
    folder = tmp_path_factory.mktemp("libreoffice")
    docx = save_report(sample_context(), folder / "bao-cao.docx")
    profile = (folder / "lo-profile").as_uri()
    _run(
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(folder),
        str(docx),
    )
    return folder / "bao-cao.pdf"


def _text(pdf: Path, *pages: int) -> str:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    span = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return unicodedata.normalize("NFC", _run(pdftotext, "-layout", *span, str(pdf), "-"))


def test_libreoffice_converts_the_report(pdf: Path) -> None:
    assert pdf.exists()
    assert pdf.read_bytes().startswith(b"%PDF")


def test_pdf_keeps_the_vietnamese_text_and_figures(pdf: Path) -> None:
    text = _text(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "91,82%" in text
    assert "Nơi nhận:" in text


def test_page_numbers_start_on_the_second_page(pdf: Path) -> None:
    first = _text(pdf, 1).strip().splitlines()
    second = _text(pdf, 2).strip().splitlines()
    assert first[0].strip() != "1"
    assert second[0].strip() == "2"


def test_pdf_pages_are_a4(pdf: Path) -> None:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is not None:
        match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", _run(pdfinfo, str(pdf)))
        assert match is not None
        size = (float(match.group(1)), float(match.group(2)))
    else:
        # LibreOffice writes each page's MediaBox in the clear.
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
        assert boxes
        size = (float(boxes[0][0]), float(boxes[0][1]))
    assert size == pytest.approx(A4_POINTS, abs=1.0)

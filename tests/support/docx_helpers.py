"""Helpers for reading a drawn .docx back in tests, converting it with LibreOffice, and a
report context shaped like the seed."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml.ns import qn
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run as DocxRun

from bot.report.blocks import (
    Cell,
    Header,
    HeaderCell,
    Heading,
    Paragraph,
    ReportContext,
    Run,
    Signer,
    Table,
)

CONVERSION_TIMEOUT = 120

LONG_ANSWER = (
    "Trung tâm phát động tiếp tục thực hiện Chỉ thị 05-CT/TW về “Đẩy mạnh học tập và làm theo "
    "tư tưởng, đạo đức, phong cách Hồ Chí Minh”, tập thể CB, CC, VC thực hiện những việc làm "
    "cụ thể thực hiện chủ đề năm 2021 đã đăng ký và tham gia tuyên truyền chào mừng Đại hội "
    "Đảng toàn quốc lần thứ XIII."
)


def academic_table() -> Table:
    """The seed's 3.2.2 table: 7 headers over two rows, "Từ trung bình trở lên" over 4."""
    header = [
        [
            *(HeaderCell(label, rowspan=2) for label in ("KHỐI", "TS HV", "Kém", "Yếu")),
            *(HeaderCell(label, rowspan=2) for label in ("TB", "Khá", "Giỏi")),
            HeaderCell("Từ trung bình trở lên", colspan=4),
        ],
        [
            HeaderCell("SL"),
            HeaderCell("Tỷ lệ 2020-2021"),
            HeaderCell("Tỷ lệ 2019-2020"),
            HeaderCell("Tăng/giảm"),
        ],
    ]
    figures = ["538", "3", "41", "193", "214", "87", "494", "91,82%", "89,87%", "Tăng 1,95%"]
    rows = [
        [Cell("THCS"), *(Cell("") for _ in figures)],
        [Cell("THPT"), *(Cell(text) for text in figures)],
        [Cell("Liên kết đào tạo"), *(Cell("…", placeholder=True) for _ in figures)],
        [Cell("Tổng", bold=True), *(Cell(text, bold=True) for text in figures)],
    ]
    return Table(header, rows)


def sample_context(**changes: object) -> ReportContext:
    """A representative annual report of a centre, as the context builder would make it."""
    context = ReportContext(
        header=Header(
            parent_body="ỦY BAN NHÂN DÂN QUẬN PHÚ NHUẬN",
            unit_name="Trung tâm GDNN-GDTX quận Phú Nhuận",
            number_line="Số:       /BC-TTGDNN-GDTX",
            place_date_line="Phú Nhuận, ngày 15 tháng 6 năm 2021",
        ),
        title="Báo cáo",
        summary="Tổng kết năm học 2020 - 2021",
        blocks=[
            Heading("1.", "Thực hiện các cuộc vận động và phong trào thi đua", 1),
            Paragraph(
                [Run("Kết quả thực hiện Chỉ thị số 05-CT/TW: "), Run(LONG_ANSWER)], bullet=True
            ),
            Paragraph(
                [
                    Run("Số học viên đầu năm: "),
                    Run("[Chưa có: Số học viên đầu năm]", placeholder=True),
                    Run(" học viên."),
                ],
                bullet=True,
            ),
            Heading("3.", "Công tác triển khai chương trình giáo dục thường xuyên", 1),
            Heading("3.2.", "Về chất lượng giáo dục:", 2),
            Heading("3.2.2.", "Về học lực:", 3),
            academic_table(),
            Paragraph([Run("Đánh giá chung: " + LONG_ANSWER)]),
            Paragraph([Run(LONG_ANSWER)]),
            Paragraph([Run(LONG_ANSWER)]),
            Paragraph([Run(LONG_ANSWER)]),
            Paragraph([Run(LONG_ANSWER)]),
        ],
        recipients=[
            "- Phòng GD&ĐT quận Phú Nhuận;",
            "- Sở GD&ĐT (Phòng GDTX);",
            "- Lưu: VT.",
        ],
        signer=Signer(["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"], "Nguyễn Văn An"),
        warnings=["Tổng học lực THPT không khớp với tổng số học viên."],
        missing=["Phần 3: Số học viên đầu năm"],
        is_draft=True,
    )
    for name, value in changes.items():
        setattr(context, name, value)
    return context


def open_docx(data: bytes) -> DocumentObject:
    """The document read back from its bytes."""
    return Document(io.BytesIO(data))


def with_damaged_body(data: bytes) -> bytes:
    """The .docx with its word/document.xml cut in half: still a zip, but broken XML."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)
    return buffer.getvalue()


def paragraphs(document: DocumentObject) -> Iterator[DocxParagraph]:
    """Every paragraph of the body, including those inside table cells, in order."""
    for item in document.iter_inner_content():
        if isinstance(item, DocxTable):
            yield from _table_paragraphs(item)
        else:
            yield item


def _table_paragraphs(table: DocxTable) -> Iterator[DocxParagraph]:
    # Physical cells, so a merged cell is read once, not once per grid column it covers.
    for tr in table._tbl.tr_lst:
        for tc in tr.tc_lst:
            cell = _Cell(tc, table)
            yield from cell.paragraphs
            for inner in cell.tables:
                yield from _table_paragraphs(inner)


def spaced(text: str) -> str:
    """Text with its no-break spaces read as spaces: they only hold a line together."""
    return text.replace("\u00a0", " ")


def text_of(document: DocumentObject) -> str:
    """All the document's body text, one paragraph a line, no-break spaces as spaces."""
    return "\n".join(spaced(paragraph.text) for paragraph in paragraphs(document))


def paragraph_with(document: DocumentObject, text: str) -> DocxParagraph:
    """The first paragraph whose text contains `text`."""
    for paragraph in paragraphs(document):
        if text in spaced(paragraph.text):
            return paragraph
    raise AssertionError(f"no paragraph contains {text!r}")


def run_with(document: DocumentObject, text: str) -> DocxRun:
    """The first run whose text contains `text`."""
    for paragraph in paragraphs(document):
        for run in paragraph.runs:
            if text in spaced(run.text):
                return run
    raise AssertionError(f"no run contains {text!r}")


def table_with(document: DocumentObject, text: str) -> DocxTable:
    """The first top-level table with a cell containing `text`."""
    for table in document.tables:
        if any(text in spaced(paragraph.text) for paragraph in _table_paragraphs(table)):
            return table
    raise AssertionError(f"no table contains {text!r}")


def grid_span(table: DocxTable, row: int, column: int) -> int:
    """How many grid columns the cell at (row, column) spans."""
    values = table.cell(row, column)._tc.xpath("./w:tcPr/w:gridSpan/@w:val")
    return int(values[0]) if values else 1


def vertical_merge(table: DocxTable, row: int, column: int) -> str | None:
    """The w:vMerge of the physical cell at (row, column): "restart", "continue" or None."""
    cells = table.rows[row]._tr.tc_lst
    grid = 0
    for tc in cells:
        if grid == column:
            merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            if merge is None:
                return None
            return merge.get(qn("w:val")) or "continue"
        grid += tc.grid_span
    raise AssertionError(f"no cell starts at column {column} of row {row}")


# -- LibreOffice and poppler ------------------------------------------------------------------


def require_tool(tool: str) -> str:
    """The tool's path; a skip without it, or a failure when CI says it must be there."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed"
        if os.environ.get("BAOCAO_REQUIRE_SOFFICE") == "1":
            pytest.fail(f"{message}, but BAOCAO_REQUIRE_SOFFICE=1")
        pytest.skip(message)
    return path


def run_tool(*command: str) -> str:
    """Runs an external program and returns its standard output; raises when it fails."""
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=CONVERSION_TIMEOUT, check=True
    )
    return result.stdout


def docx_to_pdf(docx: Path, folder: Path) -> Path:
    """The .docx converted to PDF by headless LibreOffice, with a profile of its own."""
    soffice = require_tool("soffice")
    profile = (folder / "lo-profile").as_uri()
    run_tool(
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(folder),
        str(docx),
    )
    return folder / f"{docx.stem}.pdf"


def docx_many_to_pdf(docxs: list[Path], folder: Path) -> list[Path]:
    """Several .docx files converted to PDF by one LibreOffice run (it starts slowly)."""
    soffice = require_tool("soffice")
    profile = (folder / "lo-profile").as_uri()
    run_tool(
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(folder),
        *map(str, docxs),
    )
    return [folder / f"{docx.stem}.pdf" for docx in docxs]


def pdf_pages(pdf: Path) -> list[str]:
    """Each page's text in reading order, no-break spaces as spaces."""
    text = pdf_text(pdf, layout=False)
    return [spaced(page) for page in text.split("\f")[:-1] or [text]]


def pdf_text(pdf: Path, *pages: int, layout: bool = True) -> str:
    """The PDF's text, NFC; laid out as printed (-layout) or in reading order; only `pages`."""
    pdftotext = require_tool("pdftotext")
    span = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    mode = ["-layout"] if layout else []
    return unicodedata.normalize("NFC", run_tool(pdftotext, *mode, *span, str(pdf), "-"))

"""The drawn .docx follows Nghị định 30/2020 and shows every text literally."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from bot.report.blocks import Cell, HeaderCell, Paragraph, Run, Table
from bot.report.docx_parts import safe_text
from bot.report.docx_writer import save_report, write_report
from bot.report.layout import PPR_ORDER, TBLPR_ORDER, TEXT_WIDTH
from tests.support.docx_helpers import (
    LONG_ANSWER,
    academic_table,
    grid_span,
    open_docx,
    paragraph_with,
    run_with,
    sample_context,
    spaced,
    table_with,
    text_of,
    vertical_merge,
)

MM_TOLERANCE = 0.5


@pytest.fixture(scope="module")
def document():
    """The sample report, written and read back."""
    return open_docx(write_report(sample_context()))


def test_page_is_a4_with_official_margins(document) -> None:
    section = document.sections[0]
    assert section.start_type == WD_SECTION_START.NEW_PAGE
    for measure, expected in (
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 20),
        (section.bottom_margin, 20),
        (section.left_margin, 30),
        (section.right_margin, 15),
    ):
        assert measure.mm == pytest.approx(expected, abs=MM_TOLERANCE)


def test_normal_style_is_black_times_new_roman_for_every_script(document) -> None:
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(14)
    assert str(normal.font.color.rgb) == "000000"
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert fonts.get(qn(script)) == "Times New Roman"
    defaults = document.styles.element.find(qn("w:docDefaults")).find(f".//{qn('w:rFonts')}")
    assert defaults.get(qn("w:eastAsia")) == "Times New Roman"
    assert not [name for name in defaults.attrib if "heme" in name]  # no theme font wins
    body = normal.paragraph_format
    assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert body.first_line_indent.cm == pytest.approx(1.27, abs=0.01)
    assert body.space_after == Pt(6)
    assert 1.15 <= body.line_spacing <= 1.5


def test_header_names_the_unit_and_the_nation(document) -> None:
    header = document.tables[0]
    left, right = header.rows[0].cells
    assert "ỦY BAN NHÂN DÂN QUẬN PHÚ NHUẬN" in spaced(left.text)
    unit = run_with(document, "TRUNG TÂM GDNN-GDTX QUẬN PHÚ NHUẬN")
    assert unit.bold
    assert run_with(document, "ỦY BAN NHÂN DÂN").bold is not True
    assert run_with(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold
    assert run_with(document, "Độc lập - Tự do - Hạnh phúc").bold
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right.text
    number, date = header.rows[1].cells
    assert number.text == "Số:       /BC-TTGDNN-GDTX"
    assert spaced(date.text) == "Phú Nhuận, ngày 15 tháng 6 năm 2021"
    assert all(run.italic for run in date.paragraphs[0].runs)
    # About 43% and 57% of the text width, with no borders.
    assert left.width / TEXT_WIDTH == pytest.approx(0.43, abs=0.02)
    assert {edge.get(qn("w:val")) for edge in header._tbl.xpath("./w:tblPr/w:tblBorders/*")} == {
        "none"
    }


def test_short_rules_underline_the_unit_motto_and_summary(document) -> None:
    borders = [
        paragraph
        for paragraph in document.tables[0].rows[0].cells[0].paragraphs
        + document.tables[0].rows[0].cells[1].paragraphs
        + document.paragraphs
        if paragraph._p.xpath("./w:pPr/w:pBdr/w:bottom")
    ]
    assert len(borders) == 3
    assert all(not paragraph.text for paragraph in borders)


def test_title_and_summary_are_centred_and_bold(document) -> None:
    title = paragraph_with(document, "BÁO CÁO")
    assert title.text == "BÁO CÁO"
    summary = paragraph_with(document, "Tổng kết năm học 2020 - 2021")
    for paragraph in (title, summary):
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert all(run.bold for run in paragraph.runs)


def test_headings_are_bold_and_deeper_ones_italic(document) -> None:
    top = paragraph_with(document, "1. Thực hiện các cuộc vận động")
    assert top.runs[0].bold
    assert not top.runs[0].italic
    deeper = paragraph_with(document, "3.2.2. Về học lực:")
    assert deeper.runs[0].bold
    assert deeper.runs[0].italic


def test_bullets_are_plain_hyphens_and_placeholders_are_highlighted(document) -> None:
    bullet = paragraph_with(document, "Số học viên đầu năm:")
    assert bullet.text == "- Số học viên đầu năm: [Chưa có: Số học viên đầu năm] học viên."
    assert bullet.style is not None
    assert bullet.style.name == "Normal"
    assert bullet._p.pPr is None or bullet._p.pPr.numPr is None
    placeholder = run_with(document, "[Chưa có: Số học viên đầu năm]")
    assert placeholder.font.highlight_color == WD_COLOR_INDEX.YELLOW
    assert run_with(document, " học viên.").font.highlight_color is None


def test_academic_table_merges_its_header_like_the_seed(document) -> None:
    table = table_with(document, "Từ trung bình trở lên")
    assert table.style is not None
    assert table.style.name == "Table Grid"
    assert len(table.columns) == 11
    # "Từ trung bình trở lên" spans SL, the two rates and the change.
    assert table.cell(0, 7).text == "Từ trung bình trở lên"
    assert grid_span(table, 0, 7) == 4
    assert table.cell(0, 7)._tc is table.cell(0, 10)._tc
    assert [table.cell(1, column).text for column in range(7, 11)] == [
        "SL",
        "Tỷ lệ 2020-2021",
        "Tỷ lệ 2019-2020",
        "Tăng/giảm",
    ]
    # The other headers span both header rows.
    for column, label in enumerate(["KHỐI", "TS HV", "Kém", "Yếu", "TB", "Khá", "Giỏi"]):
        assert table.cell(0, column).text == label
        assert vertical_merge(table, 0, column) == "restart"
        assert vertical_merge(table, 1, column) == "continue"
    assert all(run.bold for run in table.cell(0, 7).paragraphs[0].runs)
    assert [cell.text for cell in table.rows[3].cells][-3:] == ["91,82%", "89,87%", "Tăng 1,95%"]
    # Header rows repeat on each page; eleven columns take the smaller size.
    assert [bool(row._tr.xpath("./w:trPr/w:tblHeader")) for row in table.rows] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert table.cell(3, 8).paragraphs[0].runs[0].font.size == Pt(11)


def test_table_cells_are_aligned_and_placeholders_highlighted(document) -> None:
    table = table_with(document, "Từ trung bình trở lên")
    assert table.cell(3, 0).paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert table.cell(3, 1).paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    placeholder = table.cell(4, 5).paragraphs[0].runs[0]
    assert placeholder.text == "…"
    assert placeholder.font.highlight_color == WD_COLOR_INDEX.YELLOW
    assert all(run.bold for run in table.cell(5, 0).paragraphs[0].runs)


@pytest.mark.parametrize("columns", [3, 11, 14])
def test_tables_fill_the_text_width_exactly(columns: int) -> None:
    table = Table(
        [[HeaderCell(f"Cột số {index} có tiêu đề dài") for index in range(columns)]],
        [[Cell("Liên kết đào tạo nghề")] + [Cell("100,00%")] * (columns - 1)],
    )
    document = open_docx(write_report(sample_context(blocks=[table])))
    drawn = table_with(document, "Cột số 0")
    widths = [column.width for column in drawn.columns]
    assert sum(widths) == pytest.approx(TEXT_WIDTH, abs=Cm(0.05))
    assert min(widths) > 0
    size = drawn.cell(1, 1).paragraphs[0].runs[0].font.size
    assert size == (Pt(11) if columns > 8 else Pt(13))


def test_header_rows_are_read_like_html() -> None:
    # A | B (2 columns) | C, both A and C over two rows: B1 and B2 land between them.
    header = [
        [HeaderCell("A", rowspan=2), HeaderCell("B", colspan=2), HeaderCell("C", rowspan=2)],
        [HeaderCell("B1"), HeaderCell("B2")],
    ]
    table = Table(header, [[Cell("1"), Cell("2"), Cell("3"), Cell("4")]])
    document = open_docx(write_report(sample_context(blocks=[table])))
    drawn = table_with(document, "B1")
    assert [drawn.cell(1, column).text for column in range(4)] == ["A", "B1", "B2", "C"]
    assert vertical_merge(drawn, 1, 3) == "continue"
    assert grid_span(drawn, 0, 1) == 2


def test_signature_block(document) -> None:
    signature = document.tables[-1]
    left, right = signature.rows[0].cells
    label = left.paragraphs[0].runs[0]
    assert label.text == "Nơi nhận:"
    assert label.bold
    assert label.italic
    assert label.font.size == Pt(12)
    recipients = [paragraph.text for paragraph in left.paragraphs[1:]]
    assert recipients == [
        "- Phòng GD&ĐT quận Phú Nhuận;",
        "- Sở GD&ĐT (Phòng GDTX);",
        "- Lưu: VT.",
    ]
    assert all(paragraph.runs[0].font.size == Pt(11) for paragraph in left.paragraphs[1:])
    lines = [paragraph.text for paragraph in right.paragraphs]
    assert lines[:2] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert lines[-1] == "Nguyễn Văn An"
    assert lines[2:-1] == ["", "", "", ""]  # room for the signature
    assert all(paragraph.runs[0].bold for paragraph in right.paragraphs if paragraph.runs)
    assert right.paragraphs[-1].alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_page_numbers_from_the_second_page(document) -> None:
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert not section.first_page_header.is_linked_to_previous
    assert "PAGE" not in section.first_page_header._element.xml
    header = section.header
    instructions = "".join(header._element.xpath(".//w:instrText/text()"))
    simple = header._element.xpath(".//w:fldSimple/@w:instr")
    assert "PAGE" in instructions or any("PAGE" in value for value in simple)
    assert header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_file_properties_are_the_report_s(document) -> None:
    properties = document.core_properties
    assert properties.author == "Trung tâm GDNN-GDTX quận Phú Nhuận"
    assert "python-docx" not in properties.comments


HOSTILE = "{{ 7*7 }} {% if x %} <b>&amp;</b> & \\n"


def test_user_text_is_shown_literally() -> None:
    context = sample_context(
        blocks=[
            Paragraph([Run(HOSTILE)]),
            Paragraph([Run("a\x00b\x07c\x1bd\x0be\x0cf\ufffeg\uffffh\ud800i")], bullet=True),
            Table([[HeaderCell("<th>{{ x }}</th>")]], [[Cell("x\x01y &lt;")]]),
        ],
        recipients=["- {% raw %}Lưu\x08: VT."],
    )
    document = open_docx(write_report(context))
    text = text_of(document)
    assert HOSTILE in text
    assert "49" not in text
    assert "- abcdefghi" in text
    assert "<th>{{ x }}</th>" in text
    assert "xy &lt;" in text
    assert "- {% raw %}Lưu: VT." in text


def test_newlines_become_line_breaks_within_the_paragraph() -> None:
    context = sample_context(blocks=[Paragraph([Run("Dòng một\nDòng hai\r\nDòng ba\rDòng bốn")])])
    document = open_docx(write_report(context))
    paragraph = paragraph_with(document, "Dòng một")
    assert paragraph.text == "Dòng một\nDòng hai\nDòng ba\nDòng bốn"
    assert len(paragraph._p.xpath(".//w:br")) == 3


def test_text_is_normalised_to_nfc() -> None:
    decomposed = "Hoa\u0300 Bi\u0300nh"  # "Hoà Bình" typed with combining marks
    context = sample_context(blocks=[Paragraph([Run(decomposed)])])
    assert "Hoà Bình" in text_of(open_docx(write_report(context)))
    assert safe_text(decomposed) == "Hoà Bình"


def test_draft_notes_list_what_is_missing_and_what_to_check(document) -> None:
    title = paragraph_with(document, "GHI CHÚ DỰ THẢO (xóa trước khi ký)")
    assert title.paragraph_format.page_break_before
    text = text_of(document)
    assert text.index("Còn thiếu:") < text.index("- Phần 3: Số học viên đầu năm")
    assert text.index("Cần kiểm tra lại:") < text.index("- Tổng học lực THPT không khớp")
    assert run_with(document, "- Phần 3: Số học viên").font.highlight_color == (
        WD_COLOR_INDEX.YELLOW
    )
    # The notes come after the signature.
    assert text.index("Nguyễn Văn An") < text.index("GHI CHÚ DỰ THẢO")


@pytest.mark.parametrize(
    "changes",
    [{"is_draft": False}, {"warnings": [], "missing": []}],
    ids=["final", "nothing-to-note"],
)
def test_no_draft_notes_otherwise(changes: dict[str, object]) -> None:
    document = open_docx(write_report(sample_context(**changes)))
    assert "GHI CHÚ DỰ THẢO" not in text_of(document)
    assert document.paragraphs[-1].text == ""


def test_save_report_writes_the_file(tmp_path: Path) -> None:
    path = save_report(sample_context(), tmp_path / "bao-cao.docx")
    assert path == tmp_path / "bao-cao.docx"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text_of(open_docx(path.read_bytes()))


def test_properties_keep_the_schema_order_word_insists_on(document) -> None:
    for tag, order in (("w:pPr", PPR_ORDER), ("w:tblPr", TBLPR_ORDER)):
        names = [qn(name) for name in order]
        for element in document.element.body.iter(qn(tag)):
            positions = [names.index(child.tag) for child in element]
            assert positions == sorted(positions), element.xml


# -- layout a clerk can sign (issue 14) ----------------------------------------------------

LEAD_IN = "Kết quả học lực cuối năm:"
AFTER = "Nhận xét sau bảng về kết quả học lực."


def _with_table_document():
    blocks = [
        Paragraph([Run(LEAD_IN)]),
        Table(
            [[HeaderCell("Lớp"), HeaderCell("Nhận xét")]],
            [
                [Cell("10A1"), Cell(LONG_ANSWER)],
                [Cell("10A2"), Cell("Tốt")],
                [Cell("10A3"), Cell("Khá")],
            ],
        ),
        Paragraph([Run(AFTER)]),
        Paragraph([Run("Đoạn cuối của báo cáo, ngay trước chữ ký.")]),
    ]
    return open_docx(write_report(sample_context(blocks=blocks)))


def test_a_lead_in_line_keeps_with_its_table_and_the_header_with_its_rows() -> None:
    document = _with_table_document()
    assert paragraph_with(document, LEAD_IN).paragraph_format.keep_with_next
    assert not paragraph_with(document, AFTER).paragraph_format.keep_with_next
    table = table_with(document, "Nhận xét")
    kept = [
        all(p.paragraph_format.keep_with_next for p in row.cells[0].paragraphs)
        for row in table.rows
    ]
    # The header with the first body row, and the last two rows together.
    assert kept == [True, True, True, False]
    assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")  # repeated on each page


def test_the_last_body_paragraph_keeps_with_the_signature() -> None:
    document = _with_table_document()
    last = paragraph_with(document, "Đoạn cuối của báo cáo")
    assert last.paragraph_format.keep_with_next


def test_a_closing_table_keeps_its_last_rows_with_the_signature() -> None:
    document = open_docx(write_report(sample_context(blocks=[academic_table()])))
    table = table_with(document, "Liên kết đào tạo")
    last_rows = table.rows[-2:]
    assert all(
        p.paragraph_format.keep_with_next for row in last_rows for p in row.cells[0].paragraphs
    )


def test_long_text_in_a_cell_is_left_aligned_and_figures_centred() -> None:
    table = table_with(_with_table_document(), "Nhận xét")
    long_cell = table.rows[1].cells[1].paragraphs[0]
    short_cell = table.rows[2].cells[1].paragraphs[0]
    assert long_cell.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert short_cell.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_headings_are_ragged_not_spread_across_the_line(document) -> None:
    heading = paragraph_with(document, "Công tác triển khai chương trình")
    assert heading.alignment == WD_ALIGN_PARAGRAPH.LEFT


def test_school_years_dates_and_name_phrases_hold_together(document) -> None:
    summary = paragraph_with(document, "Tổng kết năm học")
    assert "năm\u00a0học\u00a02020\u00a0-\u00a02021" in summary.text
    date = document.tables[0].rows[1].cells[1].paragraphs[0].text
    assert "ngày\u00a015 tháng\u00a06 năm\u00a02021" in date
    left = document.tables[0].rows[0].cells[0].text
    assert "ỦY\u00a0BAN\u00a0NHÂN\u00a0DÂN QUẬN\u00a0PHÚ\u00a0NHUẬN" in left


def test_a_draft_with_notes_is_marked_on_its_first_page(document) -> None:
    mark = document.sections[0].first_page_header.paragraphs[0]
    assert mark.text == "DỰ THẢO"
    assert mark.runs[0].bold
    assert mark._p.xpath("./w:pPr/w:pBdr/w:left")  # boxed
    final = open_docx(write_report(sample_context(is_draft=False)))
    assert "DỰ THẢO" not in final.sections[0].first_page_header._element.xml

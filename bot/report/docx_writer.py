"""Drawing a report's plain context as a .docx in the official layout (Nghị định 30/2020).

`draw_report` is the one function that knows the layout; every measure it uses is a named
constant below. Text is drawn literally: whatever a user typed is cleaned of characters XML
cannot hold, normalised to NFC, and a "\\n" inside a run or cell becomes a line break within
the same paragraph (so a typed answer keeps its lines without gaining first-line indents).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Emu, Length, Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from bot.clock import now
from bot.report.blocks import (
    Header,
    HeaderCell,
    Heading,
    Paragraph,
    ReportContext,
    Run,
    Signer,
    Table,
)
from bot.texts import t

# -- page (Nghị định 30/2020/NĐ-CP, appendix I) --------------------------------------------
PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
MARGIN_TOP = Mm(20)
MARGIN_BOTTOM = Mm(20)
MARGIN_LEFT = Mm(30)
MARGIN_RIGHT = Mm(15)
HEADER_DISTANCE = Mm(10)  # the page number sits inside the top margin
FOOTER_DISTANCE = Mm(10)
TEXT_WIDTH = Emu(PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT)

# -- type -------------------------------------------------------------------------------
FONT_NAME = "Times New Roman"
LANGUAGE = "vi-VN"
TEXT_COLOR = RGBColor(0, 0, 0)
BODY_SIZE = Pt(14)
BODY_FIRST_LINE_INDENT = Cm(1.27)
BODY_SPACE_AFTER = Pt(6)
BODY_LINE_SPACING = 1.2
PLACEHOLDER_HIGHLIGHT = WD_COLOR_INDEX.YELLOW

# -- header block: issuing body on the left, national name and motto on the right -----
HEADER_LEFT_SHARE = 0.4
HEADER_CELL_MARGIN = Mm(1)
AGENCY_SIZE = Pt(13)
NUMBER_SIZE = Pt(13)
NATION_SIZE = Pt(13)
MOTTO_SIZE = Pt(14)
DATE_SIZES = (Pt(14), Pt(13), Pt(12))  # the largest that keeps the line whole
UNIT_RULE_WIDTH = Mm(25)  # a third to a half of the unit's name
MOTTO_RULE_WIDTH = Mm(62)  # as long as "Độc lập - Tự do - Hạnh phúc" at 14 pt bold
RULE_THICKNESS = 6  # eighths of a point
RULE_MARK_SIZE = Pt(1)
RULE_GAP = Pt(3)  # between the text and its rule, clear of the dots under letters
HEADER_SECOND_ROW_SPACE = Pt(6)

# -- title -------------------------------------------------------------------------------
TITLE_SIZE = Pt(14)
TITLE_SPACE_BEFORE = Pt(18)
SUMMARY_RULE_WIDTH = Mm(30)
SUMMARY_SPACE_AFTER = Pt(12)

# -- tables ------------------------------------------------------------------------------
TABLE_STYLE = "Table Grid"
TABLE_SIZE = Pt(13)
WIDE_TABLE_SIZE = Pt(11)
WIDE_TABLE_COLUMNS = 8  # more columns than this: the smaller size and tighter cells
TABLE_CELL_MARGIN = Mm(1.5)
WIDE_TABLE_CELL_MARGIN = Mm(1)
TABLE_CELL_PADDING = Pt(1.5)  # above and below text, so lines clear the borders
TABLE_SPACE_AFTER = Pt(6)
BOLD_WIDENING = 1.08  # bold Times runs about this much wider

# -- signature block ---------------------------------------------------------------------
RECIPIENTS_LABEL_SIZE = Pt(12)
RECIPIENT_SIZE = Pt(11)
SIGNER_SIZE = Pt(14)
SIGNATURE_LEFT_SHARE = 0.4
SIGNATURE_SPACE_LINES = 4
SIGNATURE_SPACE_BEFORE = Pt(12)
PAGE_NUMBER_SIZE = Pt(13)
DRAFT_TITLE_SPACE_AFTER = Pt(12)

NO_SPACE = Pt(0)
_ALIGN_CENTER = WD_ALIGN_PARAGRAPH.CENTER
_ALIGN_LEFT = WD_ALIGN_PARAGRAPH.LEFT
_ALIGN_JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

# Everything XML 1.0 cannot hold: C0 controls except tab and newline, the two
# non-characters python-docx rejects, and surrogates left alone by a broken decoder.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]")
_EMU_PER_POINT = 12700
# Child order of w:pPr and w:tblPr in the WordprocessingML schema (ECMA-376 part 1, 17.3.1.26
# and 17.4.60); python-docx only keeps it for the elements it knows.
PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
    "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
    "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
    "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
    "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd",
    "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
    "w:tblDescription", "w:tblPrChange",
)  # fmt: skip
_BREAKS = re.compile(r"\s+|(?<=[-/])")


def write_report(context: ReportContext) -> bytes:
    """The report as the bytes of a .docx file."""
    buffer = io.BytesIO()
    draw_report(context).save(buffer)
    return buffer.getvalue()


def save_report(context: ReportContext, path: Path) -> Path:
    """Writes the report's .docx to `path` and returns it."""
    path.write_bytes(write_report(context))
    return path


def draw_report(context: ReportContext) -> DocumentObject:
    """Draws the whole document: page, header, title, blocks, signature, draft notes."""
    document = Document()
    _set_up_page(document)
    _set_up_styles(document)
    _keep_broken_lines_unstretched(document)
    _set_properties(document, context)
    _page_numbers(document)
    _header_block(document, context.header)
    _title(document, context.title, context.summary)
    for block in context.blocks:
        if isinstance(block, Heading):
            _heading(document, block)
        elif isinstance(block, Paragraph):
            _paragraph(document, block)
        else:
            _table(document, block)
    _signature_block(document, context.recipients, context.signer)
    if context.is_draft and (context.missing or context.warnings):
        _draft_notes(document, context.missing, context.warnings)
    else:
        # Word expects the body to end with a paragraph, not a table; keep it tiny so it
        # never spills onto a page of its own.
        _plain(document.add_paragraph(), _ALIGN_LEFT).paragraph_format.line_spacing = Pt(1)
    return document


def safe_text(text: str) -> str:
    """`text` as XML can hold it: NFC, line ends as "\\n", control characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _XML_ILLEGAL.sub("", text))


# -- page and styles ---------------------------------------------------------------------


def _set_up_page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.page_width = PAGE_WIDTH
    section.page_height = PAGE_HEIGHT
    section.top_margin = MARGIN_TOP
    section.bottom_margin = MARGIN_BOTTOM
    section.left_margin = MARGIN_LEFT
    section.right_margin = MARGIN_RIGHT
    section.header_distance = HEADER_DISTANCE
    section.footer_distance = FOOTER_DISTANCE


def _set_up_styles(document: DocumentObject) -> None:
    """Times New Roman for every script, black, Vietnamese; Normal is the body paragraph."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        default_rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if default_rpr is not None:
            _set_fonts(default_rpr)
            _set_language(default_rpr)
    normal = document.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = BODY_SIZE
    normal.font.color.rgb = TEXT_COLOR
    rpr = normal.element.get_or_add_rPr()
    _set_fonts(rpr)
    _set_language(rpr)
    body = normal.paragraph_format
    body.alignment = _ALIGN_JUSTIFY
    body.first_line_indent = BODY_FIRST_LINE_INDENT
    body.space_before = Pt(0)
    body.space_after = BODY_SPACE_AFTER
    body.line_spacing = BODY_LINE_SPACING
    body.widow_control = True


def _keep_broken_lines_unstretched(document: DocumentObject) -> None:
    """A line ended by a typed line break stays ragged instead of spread across the width."""
    compat = document.settings.element.find(qn("w:compat"))
    if compat is not None and compat.find(qn("w:doNotExpandShiftReturn")) is None:
        # It comes before every element python-docx's template puts in w:compat.
        compat.insert(0, OxmlElement("w:doNotExpandShiftReturn"))


def _set_fonts(rpr: BaseOxmlElement) -> None:
    """Names the font for all four scripts and drops theme fonts, which would win over it."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT_NAME)


def _set_language(rpr: BaseOxmlElement) -> None:
    language = rpr.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        rpr.append(language)
    language.set(qn("w:val"), LANGUAGE)
    language.set(qn("w:eastAsia"), LANGUAGE)


def _set_properties(document: DocumentObject, context: ReportContext) -> None:
    """File properties a director sees in Word, instead of python-docx's own."""
    properties = document.core_properties
    properties.title = safe_text(f"{context.title} {context.summary}".strip())
    properties.author = safe_text(context.header.unit_name)
    properties.last_modified_by = properties.author
    properties.comments = ""
    properties.language = LANGUAGE
    # python-docx writes the clock time followed by Z, so hand it UTC.
    properties.created = properties.modified = now().astimezone(UTC)


def _page_numbers(document: DocumentObject) -> None:
    """A centred PAGE field in the header from the second page; the first page has none."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    # An explicit empty first-page header, so no application falls back to the default one.
    section.first_page_header.is_linked_to_previous = False
    paragraph = section.header.paragraphs[0]
    _plain(paragraph, _ALIGN_CENTER)
    _field(paragraph, "PAGE", "2", PAGE_NUMBER_SIZE)


def _field(paragraph: DocxParagraph, instruction: str, shown: str, size: Length) -> None:
    """A complex field (begin, instruction, separate, cached result, end)."""
    parts: list[tuple[str, str | None]] = [
        ("begin", None),
        ("instr", f" {instruction} "),
        ("separate", None),
        ("text", shown),
        ("end", None),
    ]
    for kind, text in parts:
        run = paragraph.add_run()
        run.font.size = size
        if kind == "text":
            run.text = text or ""
        elif kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


# -- paragraphs and runs -----------------------------------------------------------------


def _plain(
    paragraph: DocxParagraph,
    alignment: WD_ALIGN_PARAGRAPH = _ALIGN_CENTER,
    *,
    before: Length = NO_SPACE,
    after: Length = NO_SPACE,
    line_spacing: float = 1.0,
) -> DocxParagraph:
    """A paragraph without the body's indent and spacing, for headers, cells and titles."""
    fmt = paragraph.paragraph_format
    fmt.alignment = alignment
    fmt.first_line_indent = Pt(0)
    fmt.space_before = before
    fmt.space_after = after
    fmt.line_spacing = line_spacing
    return paragraph


def _text(
    paragraph: DocxParagraph,
    text: str,
    *,
    size: Length | None = None,
    bold: bool = False,
    italic: bool = False,
    highlight: bool = False,
) -> None:
    """Adds `text` literally as one run; "\\n" becomes a line break, "\\t" a tab."""
    run = paragraph.add_run(safe_text(text))
    if size is not None:
        run.font.size = size
        _mark_size(paragraph, size)
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    if highlight:
        run.font.highlight_color = PLACEHOLDER_HIGHLIGHT


def _runs(paragraph: DocxParagraph, runs: Iterable[Run]) -> None:
    for run in runs:
        _text(paragraph, run.text, bold=run.bold, italic=run.italic, highlight=run.placeholder)


def _rule(paragraph: DocxParagraph, width: Length, space: Length) -> DocxParagraph:
    """Turns an empty paragraph into a short centred line: a bottom border over `width`."""
    indent = Emu(max(0, (space - width) // 2))
    _plain(paragraph, _ALIGN_CENTER)
    fmt = paragraph.paragraph_format
    fmt.left_indent = indent
    fmt.right_indent = indent
    fmt.space_before = RULE_GAP
    # The paragraph mark's tiny font makes the line itself tiny, so the rule sits close
    # under the text it underlines (an exact line height makes LibreOffice draw it across).
    _mark_size(paragraph, RULE_MARK_SIZE)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(RULE_THICKNESS))
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    border.append(bottom)
    _insert_in_order(paragraph._p.get_or_add_pPr(), border, PPR_ORDER)
    return paragraph


def _mark_size(paragraph: DocxParagraph, size: Length) -> None:
    """Sizes the paragraph mark, which sets an empty paragraph's (or cell's) height."""
    mark = OxmlElement("w:rPr")
    for tag in ("w:sz", "w:szCs"):
        half_points = OxmlElement(tag)
        half_points.set(qn("w:val"), str(round(size.pt * 2)))
        mark.append(half_points)
    _insert_in_order(paragraph._p.get_or_add_pPr(), mark, PPR_ORDER)


def _insert_in_order(
    parent: BaseOxmlElement, child: BaseOxmlElement, order: Sequence[str]
) -> None:
    """Puts `child` where the schema's element `order` says: Word rejects files otherwise."""
    existing = parent.find(child.tag)
    if existing is not None:
        parent.remove(existing)
    names = [qn(name) for name in order]
    position = names.index(child.tag)
    successors = set(names[position + 1 :])
    for index, sibling in enumerate(parent):
        if sibling.tag in successors:
            parent.insert(index, child)
            return
    parent.append(child)


# -- header, title -----------------------------------------------------------------------


def _borderless_table(document: DocumentObject, rows: int, shares: Sequence[float]) -> DocxTable:
    """A layout grid with no lines, columns sharing the text width as given."""
    table = document.add_table(rows=rows, cols=len(shares))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = [Emu(int(TEXT_WIDTH * share)) for share in shares]
    _fix_widths(table, widths)
    _table_property(table, _borders("none"))
    _table_property(table, _cell_margins(HEADER_CELL_MARGIN))
    return table


def _header_block(document: DocumentObject, header: Header) -> None:
    table = _borderless_table(document, 2, (HEADER_LEFT_SHARE, 1 - HEADER_LEFT_SHARE))
    left, right = table.rows[0].cells
    left_space = Emu(left.width - 2 * HEADER_CELL_MARGIN)
    right_space = Emu(right.width - 2 * HEADER_CELL_MARGIN)

    first = True
    if header.parent_body.strip():
        _text(_cell_paragraph(left, first), header.parent_body.upper(), size=AGENCY_SIZE)
        first = False
    _text(_cell_paragraph(left, first), header.unit_name.upper(), size=AGENCY_SIZE, bold=True)
    _rule(left.add_paragraph(), UNIT_RULE_WIDTH, left_space)

    _text(_cell_paragraph(right, True), t("document.nation"), size=NATION_SIZE, bold=True)
    _text(_cell_paragraph(right, False), t("document.motto"), size=MOTTO_SIZE, bold=True)
    _rule(right.add_paragraph(), MOTTO_RULE_WIDTH, right_space)

    number_cell, date_cell = table.rows[1].cells
    number = _cell_paragraph(number_cell, True)
    number.paragraph_format.space_before = HEADER_SECOND_ROW_SPACE
    _text(number, header.number_line, size=NUMBER_SIZE)
    date = _cell_paragraph(date_cell, True)
    date.paragraph_format.space_before = HEADER_SECOND_ROW_SPACE
    size = _fitting_size(header.place_date_line, right_space, DATE_SIZES)
    _text(date, header.place_date_line, size=size, italic=True)
    for row in table.rows:
        _keep_row_whole(row._tr)


def _fitting_size(text: str, space: int, sizes: Sequence[Length]) -> Length:
    """The first of `sizes` at which `text` fits on one line of `space`, else the last."""
    for size in sizes:
        if _text_width(text, size) <= space:
            return size
    return sizes[-1]


def _cell_paragraph(
    cell: _Cell, first: bool, alignment: WD_ALIGN_PARAGRAPH = _ALIGN_CENTER
) -> DocxParagraph:
    """The cell's own empty paragraph the first time, a new one after that."""
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    return _plain(paragraph, alignment)


def _title(document: DocumentObject, title: str, summary: str) -> None:
    heading = _plain(document.add_paragraph(), before=TITLE_SPACE_BEFORE)
    heading.paragraph_format.keep_with_next = True
    _text(heading, title.upper(), size=TITLE_SIZE, bold=True)
    if summary.strip():
        line = _plain(document.add_paragraph())
        line.paragraph_format.keep_with_next = True
        _text(line, summary, size=TITLE_SIZE, bold=True)
    rule = _rule(document.add_paragraph(), SUMMARY_RULE_WIDTH, TEXT_WIDTH)
    rule.paragraph_format.space_after = SUMMARY_SPACE_AFTER


# -- blocks ------------------------------------------------------------------------------


def _heading(document: DocumentObject, heading: Heading) -> None:
    """Level 1 bold, deeper levels bold italic; indented like the body's first lines."""
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    # Official numbering ends with a dot: "1.", "3.2.1." (ND 30/2020, and every seed).
    number = heading.number.strip()
    if number and not number.endswith("."):
        number += "."
    text = " ".join(part for part in (number, heading.title.strip()) if part)
    _text(paragraph, text, bold=True, italic=heading.level >= 2)


def _paragraph(document: DocumentObject, block: Paragraph) -> None:
    paragraph = document.add_paragraph()
    if block.bullet:
        # Official documents mark items with a plain hyphen, not a Word list.
        _text(paragraph, "- ")
    _runs(paragraph, block.runs)


@dataclass(frozen=True)
class _Placed:
    """A header cell at its place in the grid, its spans clipped to the header."""

    row: int
    column: int
    cell: HeaderCell
    rowspan: int
    colspan: int


def _place_header(header: Sequence[Sequence[HeaderCell]]) -> tuple[list[_Placed], int]:
    """Where each header cell goes, read like HTML rows; and the header's column count.

    Each row lists only the cells that start in it, left to right; a cell spanning rows
    takes its columns in the rows below, so later cells of those rows move right past it.
    """
    taken: set[tuple[int, int]] = set()
    placed: list[_Placed] = []
    width = 0
    for row_index, row in enumerate(header):
        column = 0
        for cell in row:
            while (row_index, column) in taken:
                column += 1
            rowspan = max(1, min(cell.rowspan, len(header) - row_index))
            colspan = max(1, cell.colspan)
            for down in range(rowspan):
                for across in range(colspan):
                    taken.add((row_index + down, column + across))
            placed.append(_Placed(row_index, column, cell, rowspan, colspan))
            column += colspan
            width = max(width, column)
    return placed, width


def _table(document: DocumentObject, block: Table) -> None:
    """A bordered table: bold merged header rows repeated on each page, then the body."""
    placed, header_width = _place_header(block.header)
    columns = max([header_width, *(len(row) for row in block.rows)])
    if columns == 0:
        return
    header_rows = len(block.header)
    wide = columns > WIDE_TABLE_COLUMNS
    size = WIDE_TABLE_SIZE if wide else TABLE_SIZE
    margin = WIDE_TABLE_CELL_MARGIN if wide else TABLE_CELL_MARGIN

    table = document.add_table(rows=header_rows + len(block.rows), cols=columns)
    table.style = document.styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fix_widths(table, _column_widths(block, placed, columns, size, margin))
    _table_property(table, _cell_margins(margin, TABLE_CELL_PADDING))

    # python-docx rebuilds the whole grid on every table.cell() or row.cells call, which made
    # drafts quadratic in table size; the fresh table has one <w:tc> per grid cell, so the
    # grid is taken once here (header spots never overlap, so merging keeps it valid).
    grid = [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]
    # Every cell first gets the table's size, so empty ones are not as tall as body text.
    for grid_row in grid:
        for cell in grid_row:
            _mark_size(_cell_paragraph(cell, True), size)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for spot in placed:
        cell = grid[spot.row][spot.column]
        if spot.rowspan > 1 or spot.colspan > 1:
            cell = cell.merge(grid[spot.row + spot.rowspan - 1][spot.column + spot.colspan - 1])
        _text(_cell_paragraph(cell, True), spot.cell.text, size=size, bold=True)
    for index, row in enumerate(table.rows):
        _keep_row_whole(row._tr, repeat=index < header_rows)

    for row_index, cells in enumerate(block.rows, start=header_rows):
        for column, data in enumerate(cells):
            left = column == 0 and block.first_column_left
            paragraph = _cell_paragraph(
                grid[row_index][column], True, _ALIGN_LEFT if left else _ALIGN_CENTER
            )
            _text(paragraph, data.text, size=size, bold=data.bold, highlight=data.placeholder)

    # A small paragraph after every table keeps two tables from fusing and gives air below.
    _mark_size(_plain(document.add_paragraph(), _ALIGN_LEFT), TABLE_SPACE_AFTER)


def _column_widths(
    block: Table, placed: Sequence[_Placed], columns: int, size: Length, margin: Length
) -> list[Length]:
    """Widths filling the text width, each column as close to one-line text as room allows."""
    floor = _em_to_emu(1.0, size)
    least = [floor] * columns  # the longest unbreakable word, header or body
    body = [floor] * columns  # the longest body text on one line
    head = [floor] * columns  # the longest header text on one line
    for spot in placed:
        if spot.colspan == 1:
            label = spot.cell.text
            least[spot.column] = max(least[spot.column], _longest_word(label, size, True))
            head[spot.column] = max(head[spot.column], _text_width(label, size, True))
    for row in block.rows:
        for column, cell in enumerate(row[:columns]):
            least[column] = max(least[column], _longest_word(cell.text, size, cell.bold))
            body[column] = max(body[column], _text_width(cell.text, size, cell.bold))
    room = TEXT_WIDTH - columns * 2 * margin
    content = _share(room, least, body, [max(b, h) for b, h in zip(body, head, strict=True)])
    widths: list[Length] = [Emu(int(c + 2 * margin)) for c in content]
    # Rounding must not make the table wider than the page.
    widths[-1] = Emu(TEXT_WIDTH - sum(widths[:-1]))
    return widths


def _share(
    room: float, least: Sequence[int], body: Sequence[int], whole: Sequence[int]
) -> list[float]:
    """Shares `room` among columns: narrow ones whole, wide ones wrapped, none below a word.

    A column that fits in an equal share gets all it needs, so short figures never wrap;
    wider ones start from an equal share. What is left goes first to body text still
    wrapped, then to header text still wrapped, in proportion to what each lacks.
    """
    fair = room / len(least)
    widths = [float(max(n, min(w, fair))) for n, w in zip(least, whole, strict=True)]
    if sum(widths) > room:
        if sum(least) >= room:
            return [n * room / sum(least) for n in least]
        stretch = [w - n for w, n in zip(widths, least, strict=True)]
        room_left = room - sum(least)
        return [n + room_left * s / sum(stretch) for n, s in zip(least, stretch, strict=True)]
    for wanted in (body, whole):
        lack = [max(0.0, w - g) for w, g in zip(wanted, widths, strict=True)]
        if sum(lack) > 0:
            give = min(1.0, (room - sum(widths)) / sum(lack))
            widths = [g + give * d for g, d in zip(widths, lack, strict=True)]
    spare = room - sum(widths)
    return [g + spare * g / sum(widths) for g in widths]


def _char_em(char: str) -> float:
    """A Times New Roman character's advance, roughly, in ems (erring wide)."""
    if char.isspace():
        return 0.25
    if char in "mwMW%":
        return 0.9
    if char.isupper():
        return 0.72
    if char.isdigit():
        return 0.5
    if char in ".,:;!'()-/[]":
        return 0.33
    return 0.5


def _text_width(text: str, size: Length, bold: bool = False) -> int:
    """The width of the text's longest line, estimated."""
    lines = safe_text(text).split("\n")
    return max(_em_to_emu(sum(map(_char_em, line)), size, bold) for line in lines)


def _longest_word(text: str, size: Length, bold: bool = False) -> int:
    """The widest piece a line cannot break: lines break at spaces and after - and /."""
    words = _BREAKS.split(safe_text(text))
    return max(_em_to_emu(sum(map(_char_em, word)), size, bold) for word in words)


def _em_to_emu(ems: float, size: Length, bold: bool = False) -> int:
    return int(ems * size.pt * _EMU_PER_POINT * (BOLD_WIDENING if bold else 1.0))


# -- signature, draft notes --------------------------------------------------------------


def _signature_block(document: DocumentObject, recipients: Sequence[str], signer: Signer) -> None:
    """Recipients on the left, signer's title, room to sign and name on the right."""
    spacer = _plain(document.add_paragraph(), _ALIGN_LEFT, after=SIGNATURE_SPACE_BEFORE)
    spacer.paragraph_format.keep_with_next = True
    table = _borderless_table(document, 1, (SIGNATURE_LEFT_SHARE, 1 - SIGNATURE_LEFT_SHARE))
    _keep_row_whole(table.rows[0]._tr)
    left, right = table.rows[0].cells

    _text(
        _cell_paragraph(left, True, _ALIGN_LEFT),
        t("document.recipients_label"),
        size=RECIPIENTS_LABEL_SIZE,
        bold=True,
        italic=True,
    )
    for recipient in recipients:
        _text(_cell_paragraph(left, False, _ALIGN_LEFT), recipient, size=RECIPIENT_SIZE)

    first = True
    for line in signer.title_lines:
        _text(_cell_paragraph(right, first), line.upper(), size=SIGNER_SIZE, bold=True)
        first = False
    for _ in range(SIGNATURE_SPACE_LINES):
        _cell_paragraph(right, first).paragraph_format.line_spacing = 1.0
        first = False
    _text(_cell_paragraph(right, first), signer.name, size=SIGNER_SIZE, bold=True)


def _draft_notes(
    document: DocumentObject, missing: Sequence[str], warnings: Sequence[str]
) -> None:
    """A page after the signature listing what is missing and what to check, highlighted."""
    title = _plain(document.add_paragraph(), after=DRAFT_TITLE_SPACE_AFTER)
    title.paragraph_format.page_break_before = True
    _text(title, t("document.draft_notes_title"), size=TITLE_SIZE, bold=True)
    for label, items in (
        (t("document.missing_label"), missing),
        (t("document.warnings_label"), warnings),
    ):
        if not items:
            continue
        heading = document.add_paragraph()
        heading.paragraph_format.keep_with_next = True
        _text(heading, label, bold=True)
        for item in items:
            _text(document.add_paragraph(), f"- {item}", highlight=True)


# -- table properties --------------------------------------------------------------------


def _fix_widths(table: DocxTable, widths: Sequence[Length]) -> None:
    """Fixed layout at the given widths, which Word and LibreOffice both honour."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    # Row by row over the <w:tc> elements: column.cells rebuilds the grid on every call.
    for tr in table._tbl.tr_lst:
        for cell, width in zip((_Cell(tc, table) for tc in tr.tc_lst), widths, strict=False):
            cell.width = width
    tbl_width = table._tbl.tblPr.find(qn("w:tblW"))
    if tbl_width is None:
        tbl_width = OxmlElement("w:tblW")
        _insert_in_order(table._tbl.tblPr, tbl_width, TBLPR_ORDER)
    tbl_width.set(qn("w:w"), str(Emu(sum(widths)).twips))
    tbl_width.set(qn("w:type"), "dxa")


def _table_property(table: DocxTable, element: BaseOxmlElement) -> None:
    _insert_in_order(table._tbl.tblPr, element, TBLPR_ORDER)


def _borders(kind: str) -> BaseOxmlElement:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), kind)
        edge.set(qn("w:sz"), "0")
        edge.set(qn("w:space"), "0")
        edge.set(qn("w:color"), "auto")
        borders.append(edge)
    return borders


def _cell_margins(margin: Length, vertical: Length = NO_SPACE) -> BaseOxmlElement:
    margins = OxmlElement("w:tblCellMar")
    sides = (("top", vertical), ("left", margin), ("bottom", vertical), ("right", margin))
    for side, width in sides:
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(Emu(width).twips))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    return margins


def _keep_row_whole(tr: BaseOxmlElement, repeat: bool = False) -> None:
    """A row never splits across pages; header rows repeat on each page of the table."""
    properties = tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if repeat:
        properties.append(OxmlElement("w:tblHeader"))

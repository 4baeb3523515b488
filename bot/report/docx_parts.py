"""The python-docx primitives the drawing is made of: plain paragraphs, literal runs,
rules, sizes, table widths and properties, and text width estimates."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Emu, Length, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from bot.report.blocks import (
    Run,
)
from bot.report.breaks import keep_dates
from bot.report.layout import (
    ALIGN_CENTER,
    BOLD_WIDENING,
    BREAKS,
    EMU_PER_POINT,
    HEADER_CELL_MARGIN,
    NO_SPACE,
    PLACEHOLDER_HIGHLIGHT,
    PPR_ORDER,
    RULE_GAP,
    RULE_MARK_SIZE,
    RULE_THICKNESS,
    TBLPR_ORDER,
    TEXT_WIDTH,
    XML_ILLEGAL,
)


def safe_text(text: str) -> str:
    """`text` as XML can hold it: NFC, line ends as "\\n", control characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", XML_ILLEGAL.sub("", text))


def add_field(paragraph: DocxParagraph, instruction: str, shown: str, size: Length) -> None:
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


def plain(
    paragraph: DocxParagraph,
    alignment: WD_ALIGN_PARAGRAPH = ALIGN_CENTER,
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


def add_text(
    paragraph: DocxParagraph,
    text: str,
    *,
    size: Length | None = None,
    bold: bool = False,
    italic: bool = False,
    highlight: bool = False,
) -> None:
    """Adds `text` literally as one run; "\\n" becomes a line break, "\\t" a tab; school
    years and dates are kept on one line."""
    run = paragraph.add_run(keep_dates(safe_text(text)))
    if size is not None:
        run.font.size = size
        mark_size(paragraph, size)
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    if highlight:
        run.font.highlight_color = PLACEHOLDER_HIGHLIGHT


def add_runs(paragraph: DocxParagraph, runs: Iterable[Run]) -> None:
    for run in runs:
        add_text(paragraph, run.text, bold=run.bold, italic=run.italic, highlight=run.placeholder)


def draw_rule(paragraph: DocxParagraph, width: Length, space: Length) -> DocxParagraph:
    """Turns an empty paragraph into a short centred line: a bottom border over `width`."""
    indent = Emu(max(0, (space - width) // 2))
    plain(paragraph, ALIGN_CENTER)
    fmt = paragraph.paragraph_format
    fmt.left_indent = indent
    fmt.right_indent = indent
    fmt.space_before = RULE_GAP
    # The paragraph mark's tiny font makes the line itself tiny, so the rule sits close
    # under the text it underlines (an exact line height makes LibreOffice draw it across).
    mark_size(paragraph, RULE_MARK_SIZE)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(RULE_THICKNESS))
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    border.append(bottom)
    insert_in_order(paragraph._p.get_or_add_pPr(), border, PPR_ORDER)
    return paragraph


def mark_size(paragraph: DocxParagraph, size: Length) -> None:
    """Sizes the paragraph mark, which sets an empty paragraph's (or cell's) height."""
    mark = OxmlElement("w:rPr")
    for tag in ("w:sz", "w:szCs"):
        half_points = OxmlElement(tag)
        half_points.set(qn("w:val"), str(round(size.pt * 2)))
        mark.append(half_points)
    insert_in_order(paragraph._p.get_or_add_pPr(), mark, PPR_ORDER)


def insert_in_order(parent: BaseOxmlElement, child: BaseOxmlElement, order: Sequence[str]) -> None:
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


def borderless_table(document: DocumentObject, rows: int, shares: Sequence[float]) -> DocxTable:
    """A layout grid with no lines, columns sharing the text width as given."""
    table = document.add_table(rows=rows, cols=len(shares))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = [Emu(int(TEXT_WIDTH * share)) for share in shares]
    fix_widths(table, widths)
    table_property(table, borders("none"))
    table_property(table, cell_margins(HEADER_CELL_MARGIN))
    return table


def fitting_size(text: str, space: int, sizes: Sequence[Length]) -> Length:
    """The first of `sizes` at which `text` fits on one line of `space`, else the last."""
    for size in sizes:
        if text_width(text, size) <= space:
            return size
    return sizes[-1]


def cell_paragraph(
    cell: _Cell, first: bool, alignment: WD_ALIGN_PARAGRAPH = ALIGN_CENTER
) -> DocxParagraph:
    """The cell's own empty paragraph the first time, a new one after that."""
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    return plain(paragraph, alignment)


def char_em(char: str) -> float:
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


def text_width(text: str, size: Length, bold: bool = False) -> int:
    """The width of the text's longest line, estimated."""
    lines = safe_text(text).split("\n")
    return max(em_to_emu(sum(map(char_em, line)), size, bold) for line in lines)


def longest_word(text: str, size: Length, bold: bool = False) -> int:
    """The widest piece a line cannot break: lines break at spaces and after - and /."""
    words = BREAKS.split(safe_text(text))
    return max(em_to_emu(sum(map(char_em, word)), size, bold) for word in words)


def em_to_emu(ems: float, size: Length, bold: bool = False) -> int:
    return int(ems * size.pt * EMU_PER_POINT * (BOLD_WIDENING if bold else 1.0))


# -- table properties --------------------------------------------------------------------


def fix_widths(table: DocxTable, widths: Sequence[Length]) -> None:
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
        insert_in_order(table._tbl.tblPr, tbl_width, TBLPR_ORDER)
    tbl_width.set(qn("w:w"), str(Emu(sum(widths)).twips))
    tbl_width.set(qn("w:type"), "dxa")


def table_property(table: DocxTable, element: BaseOxmlElement) -> None:
    insert_in_order(table._tbl.tblPr, element, TBLPR_ORDER)


def borders(kind: str) -> BaseOxmlElement:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), kind)
        edge.set(qn("w:sz"), "0")
        edge.set(qn("w:space"), "0")
        edge.set(qn("w:color"), "auto")
        borders.append(edge)
    return borders


def cell_margins(margin: Length, vertical: Length = NO_SPACE) -> BaseOxmlElement:
    margins = OxmlElement("w:tblCellMar")
    sides = (("top", vertical), ("left", margin), ("bottom", vertical), ("right", margin))
    for side, width in sides:
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(Emu(width).twips))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    return margins


def keep_row_whole(tr: BaseOxmlElement, repeat: bool = False) -> None:
    """A row never splits across pages; header rows repeat on each page of the table."""
    properties = tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if repeat:
        properties.append(OxmlElement("w:tblHeader"))


def keep_rows_with_next(rows: Iterable[BaseOxmlElement], parent: Any) -> None:
    """Every paragraph of these table rows keeps with the next, which holds the rows
    together and with what follows them on one page."""
    for tr in rows:
        for p in tr.iter(qn("w:p")):
            DocxParagraph(p, parent).paragraph_format.keep_with_next = True

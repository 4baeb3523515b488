"""Drawing a report's plain context as a .docx in the official layout (Nghị định 30/2020).

`draw_report` puts the parts together: header and signature in docx_frame, tables in
docx_tables, every measure named in layout. Text is drawn literally: whatever a user typed
is cleaned of characters XML cannot hold, normalised to NFC, and a "\\n" inside a run or
cell becomes a line break within the same paragraph (so a typed answer keeps its lines
without gaining first-line indents).
"""

from __future__ import annotations

import io
from datetime import UTC
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Pt
from docx.text.paragraph import Paragraph as DocxParagraph

from bot.core.clock import now
from bot.report.blocks import (
    Heading,
    Paragraph,
    ReportContext,
    Table,
)
from bot.report.docx_frame import (
    draft_mark,
    draft_notes,
    header_block,
    page_numbers,
    signature_block,
    title_block,
)
from bot.report.docx_parts import (
    add_runs,
    add_text,
    keep_rows_with_next,
    plain,
    safe_text,
)
from bot.report.docx_tables import (
    draw_table,
)
from bot.report.layout import (
    ALIGN_JUSTIFY,
    ALIGN_LEFT,
    BODY_FIRST_LINE_INDENT,
    BODY_LINE_SPACING,
    BODY_SIZE,
    BODY_SPACE_AFTER,
    FONT_NAME,
    FOOTER_DISTANCE,
    HEADER_DISTANCE,
    KEPT_TABLE_ROWS,
    LANGUAGE,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    TEXT_COLOR,
)


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
    page_numbers(document)
    header_block(document, context.header)
    title_block(document, context.title, context.summary)
    for index, block in enumerate(context.blocks):
        following = context.blocks[index + 1] if index + 1 < len(context.blocks) else None
        if isinstance(block, Heading):
            _heading(document, block)
        elif isinstance(block, Paragraph):
            paragraph = _paragraph(document, block)
            # A lead-in line ("Mầm non:") stays on the page of the table it introduces.
            paragraph.paragraph_format.keep_with_next = isinstance(following, Table) or None
        else:
            draw_table(document, block)
    _keep_end_with_signature(document)
    signature_block(document, context.recipients, context.signer)
    if context.has_notes:
        draft_mark(document)
        draft_notes(document, context.missing, context.warnings, context.notes)
    else:
        # Word expects the body to end with a paragraph, not a table; keep it tiny so it
        # never spills onto a page of its own.
        plain(document.add_paragraph(), ALIGN_LEFT).paragraph_format.line_spacing = Pt(1)
    return document


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
    body.alignment = ALIGN_JUSTIFY
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


# -- blocks ------------------------------------------------------------------------------


def _heading(document: DocumentObject, heading: Heading) -> None:
    """Level 1 bold, deeper levels bold italic; indented like the body's first lines."""
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    # Ragged, not justified: a heading's words are not spread to fill its first line.
    paragraph.paragraph_format.alignment = ALIGN_LEFT
    # Official numbering ends with a dot: "1.", "3.2.1." (ND 30/2020, and every seed);
    # a letter ends with its parenthesis: "a)".
    number = heading.number.strip()
    if number and not number.endswith((".", ")")):
        number += "."
    text = " ".join(part for part in (number, heading.title.strip()) if part)
    add_text(paragraph, text, bold=True, italic=heading.level >= 2)


def _paragraph(document: DocumentObject, block: Paragraph) -> DocxParagraph:
    paragraph = document.add_paragraph()
    if block.bullet:
        # Official documents mark items with a plain hyphen, not a Word list.
        add_text(paragraph, "- ")
    add_runs(paragraph, block.runs)
    return paragraph


def _keep_end_with_signature(document: DocumentObject) -> None:
    """The body's last paragraph, or the last rows of a closing table, go to the page of
    the signature block, so "Nơi nhận" and the signer never stand alone on a page."""
    body = [child for child in document.element.body if child.tag in (qn("w:p"), qn("w:tbl"))]
    if not body:
        return
    last = body[-1]
    if last.tag == qn("w:p"):
        DocxParagraph(last, document._body).paragraph_format.keep_with_next = True
        # The small paragraph after a table: hold the table's last rows with it too.
        if len(body) > 1 and body[-2].tag == qn("w:tbl") and not "".join(last.itertext()):
            last = body[-2]
        else:
            return
    keep_rows_with_next(last.findall(qn("w:tr"))[-KEPT_TABLE_ROWS:], document._body)

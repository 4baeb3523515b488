"""What surrounds the body: page numbers, the two-column header, title, the signature
block with "Nơi nhận", and the draft notes page."""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document as DocumentObject
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Length, Pt

from bot.report.blocks import (
    Header,
    Signer,
)
from bot.report.breaks import keep_name_phrases
from bot.report.docx_parts import (
    add_field,
    add_text,
    borderless_table,
    cell_paragraph,
    draw_rule,
    fitting_size,
    insert_in_order,
    keep_row_whole,
    longest_word,
    plain,
    text_width,
)
from bot.report.layout import (
    AGENCY_SIZES,
    ALIGN_CENTER,
    ALIGN_LEFT,
    ALIGN_RIGHT,
    DATE_SIZES,
    DRAFT_MARK_BORDER,
    DRAFT_MARK_SIZE,
    DRAFT_TITLE_SPACE_AFTER,
    HEADER_CELL_MARGIN,
    HEADER_LEFT_SHARE,
    HEADER_SECOND_ROW_SPACE,
    MOTTO_RULE_WIDTH,
    MOTTO_SIZE,
    NATION_SIZE,
    NUMBER_SIZE,
    PAGE_NUMBER_SIZE,
    PPR_ORDER,
    RECIPIENT_SIZE,
    RECIPIENTS_LABEL_SIZE,
    SIGNATURE_LEFT_SHARE,
    SIGNATURE_SPACE_BEFORE,
    SIGNATURE_SPACE_LINES,
    SIGNER_SIZE,
    SUMMARY_RULE_WIDTH,
    SUMMARY_SPACE_AFTER,
    TEXT_WIDTH,
    TITLE_SIZE,
    TITLE_SPACE_BEFORE,
    UNIT_RULE_WIDTH,
)
from bot.texts import t


def page_numbers(document: DocumentObject) -> None:
    """A centred PAGE field in the header from the second page; the first page has none."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    # An explicit empty first-page header, so no application falls back to the default one.
    section.first_page_header.is_linked_to_previous = False
    paragraph = section.header.paragraphs[0]
    plain(paragraph, ALIGN_CENTER)
    add_field(paragraph, "PAGE", "2", PAGE_NUMBER_SIZE)


def header_block(document: DocumentObject, header: Header) -> None:
    table = borderless_table(document, 2, (HEADER_LEFT_SHARE, 1 - HEADER_LEFT_SHARE))
    left, right = table.rows[0].cells
    left_space = Emu(left.width - 2 * HEADER_CELL_MARGIN)
    right_space = Emu(right.width - 2 * HEADER_CELL_MARGIN)

    parent = keep_name_phrases(header.parent_body.strip().upper())
    unit = keep_name_phrases(header.unit_name.strip().upper())
    # Both lines take the same size: the largest at which neither breaks inside a phrase.
    agency_size: Length = next(
        (
            size
            for size in AGENCY_SIZES
            if longest_word(parent, size) <= left_space
            and longest_word(unit, size, True) <= left_space
        ),
        AGENCY_SIZES[-1],
    )
    first = True
    if parent:
        add_text(cell_paragraph(left, first), parent, size=agency_size)
        first = False
    add_text(cell_paragraph(left, first), unit, size=agency_size, bold=True)
    draw_rule(left.add_paragraph(), UNIT_RULE_WIDTH, left_space)

    add_text(cell_paragraph(right, True), t("document.nation"), size=NATION_SIZE, bold=True)
    add_text(cell_paragraph(right, False), t("document.motto"), size=MOTTO_SIZE, bold=True)
    draw_rule(right.add_paragraph(), MOTTO_RULE_WIDTH, right_space)

    number_cell, date_cell = table.rows[1].cells
    number = cell_paragraph(number_cell, True)
    number.paragraph_format.space_before = HEADER_SECOND_ROW_SPACE
    add_text(number, header.number_line, size=NUMBER_SIZE)
    date = cell_paragraph(date_cell, True)
    date.paragraph_format.space_before = HEADER_SECOND_ROW_SPACE
    size = fitting_size(header.place_date_line, right_space, DATE_SIZES)
    add_text(date, header.place_date_line, size=size, italic=True)
    for row in table.rows:
        keep_row_whole(row._tr)


def title_block(document: DocumentObject, title: str, summary: str) -> None:
    heading = plain(document.add_paragraph(), before=TITLE_SPACE_BEFORE)
    heading.paragraph_format.keep_with_next = True
    add_text(heading, title.upper(), size=TITLE_SIZE, bold=True)
    if summary.strip():
        line = plain(document.add_paragraph())
        line.paragraph_format.keep_with_next = True
        add_text(line, summary, size=TITLE_SIZE, bold=True)
    rule = draw_rule(document.add_paragraph(), SUMMARY_RULE_WIDTH, TEXT_WIDTH)
    rule.paragraph_format.space_after = SUMMARY_SPACE_AFTER


# -- signature, draft notes --------------------------------------------------------------


def signature_block(document: DocumentObject, recipients: Sequence[str], signer: Signer) -> None:
    """Recipients on the left, signer's title, room to sign and name on the right."""
    spacer = plain(document.add_paragraph(), ALIGN_LEFT, after=SIGNATURE_SPACE_BEFORE)
    spacer.paragraph_format.keep_with_next = True
    table = borderless_table(document, 1, (SIGNATURE_LEFT_SHARE, 1 - SIGNATURE_LEFT_SHARE))
    keep_row_whole(table.rows[0]._tr)
    left, right = table.rows[0].cells

    add_text(
        cell_paragraph(left, True, ALIGN_LEFT),
        t("document.recipients_label"),
        size=RECIPIENTS_LABEL_SIZE,
        bold=True,
        italic=True,
    )
    for recipient in recipients:
        add_text(cell_paragraph(left, False, ALIGN_LEFT), recipient, size=RECIPIENT_SIZE)

    first = True
    for line in signer.title_lines:
        add_text(cell_paragraph(right, first), line.upper(), size=SIGNER_SIZE, bold=True)
        first = False
    for _ in range(SIGNATURE_SPACE_LINES):
        cell_paragraph(right, first).paragraph_format.line_spacing = 1.0
        first = False
    add_text(cell_paragraph(right, first), signer.name, size=SIGNER_SIZE, bold=True)


def draft_notes(
    document: DocumentObject,
    missing: Sequence[str],
    warnings: Sequence[str],
    notes: Sequence[str] = (),
) -> None:
    """A page after the signature listing what is missing and what to check, highlighted."""
    title = plain(document.add_paragraph(), after=DRAFT_TITLE_SPACE_AFTER)
    title.paragraph_format.page_break_before = True
    add_text(title, t("document.draft_notes_title"), size=TITLE_SIZE, bold=True)
    for label, items in (
        (t("document.missing_label"), missing),
        (t("document.warnings_label"), warnings),
        (t("document.notes_label"), notes),
    ):
        if not items:
            continue
        heading = document.add_paragraph()
        heading.paragraph_format.keep_with_next = True
        add_text(heading, label, bold=True)
        for item in items:
            add_text(document.add_paragraph(), f"- {item}", highlight=True)


def draft_mark(document: DocumentObject) -> None:
    """A boxed "DỰ THẢO" at the top right of the first page, above the header, so nobody
    takes a draft with gaps for the document to sign."""
    paragraph = plain(document.sections[0].first_page_header.paragraphs[0], ALIGN_RIGHT)
    label = t("document.draft_mark")
    # The box hugs the word: the paragraph starts where the word does.
    width = text_width(label, DRAFT_MARK_SIZE, True) + 2 * Pt(4)
    paragraph.paragraph_format.left_indent = Emu(max(0, TEXT_WIDTH - width))
    add_text(paragraph, label, size=DRAFT_MARK_SIZE, bold=True)
    box = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), str(DRAFT_MARK_BORDER))
        edge.set(qn("w:space"), "2")
        edge.set(qn("w:color"), "000000")
        box.append(edge)
    insert_in_order(paragraph._p.get_or_add_pPr(), box, PPR_ORDER)

"""Every measure of the official layout (Nghị định 30/2020/NĐ-CP, appendix I), named."""

from __future__ import annotations

import re

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.shared import Cm, Emu, Mm, Pt, RGBColor

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
# The right column holds the national name at 12 pt (about 89 mm); the left one gets the
# rest, room for "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO" whole at 12 pt bold.
HEADER_LEFT_SHARE = 0.43
HEADER_CELL_MARGIN = Mm(1)
AGENCY_SIZES = (Pt(13), Pt(12))  # the largest at which no name phrase breaks
NUMBER_SIZE = Pt(13)
NATION_SIZE = Pt(12)
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
KEPT_TABLE_ROWS = 2  # a table's rows that go with what follows or precedes it
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
DRAFT_MARK_SIZE = Pt(13)
DRAFT_MARK_BORDER = 8  # eighths of a point: a box a reader notices

NO_SPACE = Pt(0)
ALIGN_CENTER = WD_ALIGN_PARAGRAPH.CENTER
ALIGN_LEFT = WD_ALIGN_PARAGRAPH.LEFT
ALIGN_RIGHT = WD_ALIGN_PARAGRAPH.RIGHT
ALIGN_JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

# Everything XML 1.0 cannot hold: C0 controls except tab and newline, the two
# non-characters python-docx rejects, and surrogates left alone by a broken decoder.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]")
EMU_PER_POINT = 12700
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
BREAKS = re.compile(r"[^\S\xa0]+|(?<=[-/])")  # a no-break space holds

"""Bordered data tables: merged header rows, column widths shared by content."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from docx.document import Document as DocumentObject
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.shared import Emu, Length
from docx.table import _Cell

from bot.report.blocks import (
    HeaderCell,
    Table,
)
from bot.report.docx_parts import (
    add_text,
    cell_margins,
    cell_paragraph,
    em_to_emu,
    fix_widths,
    keep_row_whole,
    keep_rows_with_next,
    longest_word,
    mark_size,
    plain,
    table_property,
    text_width,
)
from bot.report.layout import (
    ALIGN_CENTER,
    ALIGN_LEFT,
    KEPT_TABLE_ROWS,
    TABLE_CELL_MARGIN,
    TABLE_CELL_PADDING,
    TABLE_SIZE,
    TABLE_SPACE_AFTER,
    TABLE_STYLE,
    TEXT_WIDTH,
    WIDE_TABLE_CELL_MARGIN,
    WIDE_TABLE_COLUMNS,
    WIDE_TABLE_SIZE,
)


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


def draw_table(document: DocumentObject, block: Table) -> None:
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
    widths = _column_widths(block, placed, columns, size, margin)
    fix_widths(table, widths)
    table_property(table, cell_margins(margin, TABLE_CELL_PADDING))

    # python-docx rebuilds the whole grid on every table.cell() or row.cells call, which made
    # drafts quadratic in table size; the fresh table has one <w:tc> per grid cell, so the
    # grid is taken once here (header spots never overlap, so merging keeps it valid).
    grid = [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]
    # Every cell first gets the table's size, so empty ones are not as tall as body text.
    for grid_row in grid:
        for cell in grid_row:
            mark_size(cell_paragraph(cell, True), size)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for spot in placed:
        cell = grid[spot.row][spot.column]
        if spot.rowspan > 1 or spot.colspan > 1:
            cell = cell.merge(grid[spot.row + spot.rowspan - 1][spot.column + spot.colspan - 1])
        add_text(cell_paragraph(cell, True), spot.cell.text, size=size, bold=True)
    for index, row in enumerate(table.rows):
        keep_row_whole(row._tr, repeat=index < header_rows)

    for row_index, cells in enumerate(block.rows, start=header_rows):
        for column, data in enumerate(cells):
            # Text that wraps reads from the left; figures and short words stay centred.
            wraps = text_width(data.text, size, data.bold) > widths[column] - 2 * margin
            left = (column == 0 and block.first_column_left) or wraps
            paragraph = cell_paragraph(
                grid[row_index][column], True, ALIGN_LEFT if left else ALIGN_CENTER
            )
            add_text(paragraph, data.text, size=size, bold=data.bold, highlight=data.placeholder)
    # The header rows and the first body rows start on the same page: a table never
    # begins at the foot of a page with its header alone; nor does its last row (often
    # the total) go to the next page alone under the repeated header.
    rows = table._tbl.tr_lst
    kept = rows[: header_rows + KEPT_TABLE_ROWS - 1]
    if len(rows) - header_rows > KEPT_TABLE_ROWS:
        kept += rows[-KEPT_TABLE_ROWS:-1]
    keep_rows_with_next(kept, table._parent)

    # A small paragraph after every table keeps two tables from fusing and gives air below.
    mark_size(plain(document.add_paragraph(), ALIGN_LEFT), TABLE_SPACE_AFTER)


# Row labels up to this many characters stay on one line.
SHORT_ROW_LABEL = 12


def _column_widths(
    block: Table, placed: Sequence[_Placed], columns: int, size: Length, margin: Length
) -> list[Length]:
    """Widths filling the text width, each column as close to one-line text as room allows."""
    floor = em_to_emu(1.0, size)
    least = [floor] * columns  # the longest unbreakable word, header or body
    body = [floor] * columns  # the longest body text on one line
    head = [floor] * columns  # the longest header text on one line
    for spot in placed:
        if spot.colspan == 1:
            label = spot.cell.text
            least[spot.column] = max(least[spot.column], longest_word(label, size, True))
            head[spot.column] = max(head[spot.column], text_width(label, size, True))
    for row in block.rows:
        for column, cell in enumerate(row[:columns]):
            least[column] = max(least[column], longest_word(cell.text, size, cell.bold))
            body[column] = max(body[column], text_width(cell.text, size, cell.bold))
            if column == 0 and block.first_column_left and len(cell.text) <= SHORT_ROW_LABEL:
                # A short row label ("Khối 10") is not broken to make room for figures.
                least[0] = max(least[0], text_width(cell.text, size, cell.bold))
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

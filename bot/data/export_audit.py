"""The workbook's audit-trail sheet: every change to an answer, who made it and when."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from bot.data.cells import autosize, put_row, text_of
from bot.data.export_sheets import TIME_HEADER, PeriodData
from bot.importing.answers import source_text
from bot.questionnaire import index as flow
from bot.texts import t
from models import AnswerChange

AUDIT_HEADERS = [
    TIME_HEADER,
    *(
        t(f"export.header.{key}")
        for key in (
            "editor",
            "period_id",
            "year",
            "section",
            "question_id",
            "question",
            "old_value",
            "new_value",
        )
    ),
]


def fill_audit_sheet(
    sheet: Worksheet,
    data: list[PeriodData],
    changes: list[AnswerChange],
    members: dict[int, str],
) -> None:
    """Every change to an answer, oldest first, on its own row."""
    put_row(sheet, 1, AUDIT_HEADERS, bold=True)
    sheet.freeze_panes = "A2"
    by_period = {item.period.id: item for item in data}
    for row, change in enumerate(changes, start=2):
        item = by_period.get(change.period_id)
        template = item.template if item else None
        slot = flow.find_slot(template, change.question_id) if template else None
        question = slot.question if slot else None
        author = members.get(change.member_id, "") if change.member_id is not None else ""
        if change.source:
            # Loaded from a file: who (if known) and from what, e.g. "nhập từ tệp «x.yaml»".
            author = " · ".join(filter(None, [author, source_text(change.source)]))
        put_row(
            sheet,
            row,
            [
                change.changed_at,
                author,
                change.period_id,
                item.period.year if item else "",
                slot.section.number if slot else "",
                change.question_id,
                (question.label or question.prompt) if question else "",
                text_of(question, change.old_value),
                text_of(question, change.new_value),
            ],
        )
    autosize(sheet, {1: 20, 2: 22, 3: 8, 4: 12, 5: 8, 6: 22, 7: 50, 8: 50, 9: 50})

"""The workbook's sheets of answers: the unit and its periods, then one sheet per top section.

Every question is on a row; tables and lists are expanded below their question as
rows × columns of numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.clock import now
from bot.data.cells import autosize, number_of, put, put_row, sheet_name, text_of
from bot.questionnaire import index as flow
from bot.questionnaire.schema import (
    DecimalQuestion,
    IntegerQuestion,
    ListQuestion,
    PercentQuestion,
    Question,
    TableQuestion,
    Template,
)
from bot.texts import t
from models import Answer, Period, Unit, require_id

# The Vietnamese words of the workbook come from the catalogue (bot/texts/data.vi.yaml).
UNIT_SHEET = t("export.unit_sheet")
OTHER_SHEET = t("export.other_sheet")

STATUS_LABELS = {status: t(f"export.status.{status}") for status in ("open", "closed", "final")}
SKIPPED = t("export.skipped")
BLANK_ROW = t("export.blank_row")
TIME_HEADER = t("export.header.time")

SECTION_HEADERS = [
    t("export.header.section"),
    t("export.header.question_id"),
    t("export.header.question"),
    t("export.header.answer"),
    t("export.header.author"),
    TIME_HEADER,
    t("export.header.figures"),
]
# Where a question's number goes, and where expanded table and list columns start.
NUMBER_COLUMN = 7
ANSWER_COLUMN = 4
PERIOD_HEADERS = [
    t(f"export.header.{key}")
    for key in (
        "period_id",
        "kind",
        "kind_id",
        "version",
        "year",
        "term",
        "deadline",
        "status",
        "answers",
        "sheet",
    )
]
INDEX_HEADERS = [t(f"export.header.{key}") for key in ("sheet", "period_id", "section", "title")]


@dataclass
class PeriodData:
    """One period with its report kind (None when it cannot be loaded) and answers."""

    period: Period
    template: Template | None
    answers: dict[str, Answer] = field(default_factory=dict)

    @property
    def kind_name(self) -> str:
        return self.template.name if self.template else self.period.template_id


def fill_unit_sheet(
    sheet: Worksheet,
    unit: Unit,
    data: list[PeriodData],
    index: list[tuple[str, int, str, str]],
) -> None:
    """The first sheet: the unit, its periods and an index of the other sheets."""
    signer = " ".join(part for part in (unit.signer_title, unit.signer_name) if part)
    if unit.on_behalf_of:
        signer = f"{t('report.kt', title=unit.on_behalf_of)} – {signer}"
    facts: list[tuple[str, Any]] = [
        (t("export.unit.id"), unit.id),
        (t("export.unit.name"), unit.name),
        (t("export.unit.parent_body"), unit.parent_body),
        (t("export.unit.place"), unit.place),
        (t("export.unit.address"), unit.address),
        (t("export.unit.signer"), signer),
        (t("export.unit.exported_at"), now()),
    ]
    row = 1
    put(sheet, row, 1, t("export.unit.title"), bold=True)
    for label, value in facts:
        row += 1
        put(sheet, row, 1, label, bold=True)
        put(sheet, row, 2, value)
    row += 2
    put(sheet, row, 1, t("export.unit.periods_title"), bold=True)
    row += 1
    put_row(sheet, row, PERIOD_HEADERS, bold=True)
    sheets_of: dict[int, list[str]] = {}
    for name, period_id, _, _ in index:
        sheets_of.setdefault(period_id, []).append(name)
    for item in data:
        period = item.period
        row += 1
        put_row(
            sheet,
            row,
            [
                period.id,
                item.kind_name,
                period.template_id,
                period.template_version,
                period.year,
                period.term,
                period.deadline,
                STATUS_LABELS.get(period.status, period.status),
                len(item.answers),
                ", ".join(sheets_of.get(require_id(period), [])),
            ],
        )
    row += 2
    put(sheet, row, 1, t("export.unit.sheets_title"), bold=True)
    row += 1
    put_row(sheet, row, INDEX_HEADERS, bold=True)
    for name, period_id, number, title in index:
        row += 1
        put_row(sheet, row, [name, period_id, number, title])
    autosize(sheet, {1: 26, 2: 40, 3: 26, 4: 40, 5: 12, 6: 8, 7: 12, 8: 14, 9: 14, 10: 40})


def add_section_sheets(
    workbook: Workbook,
    item: PeriodData,
    members: dict[int, str],
    names: list[str],
    index: list[tuple[str, int, str, str]],
    *,
    several: bool,
) -> None:
    """One sheet per top section of the period's kind, and one for answers it no longer has."""
    period = item.period
    # The catalogue strips values, so the space before the section number is added here.
    prefix = t("export.period_prefix", period=period.id) + " " if several else ""
    known: set[str] = set()
    for section in item.template.top_sections() if item.template else []:
        name = sheet_name(f"{prefix}{section.number}. {section.title}", names)
        names.append(name)
        index.append((name, require_id(period), section.number, section.title))
        sheet = workbook.create_sheet(name)
        put_row(sheet, 1, SECTION_HEADERS, bold=True)
        sheet.freeze_panes = "A2"
        row = 1
        for slot in flow.slots(section):
            known.add(slot.question.id)
            row = _question_rows(sheet, row + 1, slot.section.number, slot.question, item, members)
        autosize(sheet, {1: 8, 2: 22, 3: 60, 4: 60, 5: 22, 6: 20, 7: 12})
    others = [answer for qid, answer in sorted(item.answers.items()) if qid not in known]
    if others:
        # Answers to questions the report kind no longer has: kept, shown raw.
        name = sheet_name(f"{prefix}{OTHER_SHEET}", names)
        names.append(name)
        index.append((name, require_id(period), "", OTHER_SHEET))
        sheet = workbook.create_sheet(name)
        put_row(sheet, 1, SECTION_HEADERS, bold=True)
        for row, answer in enumerate(others, start=2):
            put_row(
                sheet, row, ["", answer.question_id, "", *_answer_cells(None, answer, members)]
            )


def _answer_cells(question: Question | None, answer: Answer, members: dict[int, str]) -> list[Any]:
    """The answer, author and time cells of a stored answer."""
    text = SKIPPED if answer.skipped else text_of(question, answer.value)
    author = members.get(answer.author_id, "") if answer.author_id is not None else ""
    return [text, author, answer.updated_at]


def _question_rows(
    sheet: Worksheet,
    row: int,
    number: str,
    question: Question,
    item: PeriodData,
    members: dict[int, str],
) -> int:
    """Writes a question's row (and its table or list below it); returns the last row used."""
    answer = item.answers.get(question.id)
    prompt = question.label or question.prompt
    put_row(sheet, row, [number, question.id, prompt])
    if answer is None:
        return row
    for offset, value in enumerate(_answer_cells(question, answer, members)):
        put(sheet, row, ANSWER_COLUMN + offset, value)
    if answer.skipped or answer.value is None:
        return row
    if isinstance(question, IntegerQuestion | DecimalQuestion | PercentQuestion):
        put(sheet, row, NUMBER_COLUMN, number_of(question.kind, answer.value))
    elif isinstance(question, TableQuestion) and isinstance(answer.value, dict):
        row = _table_rows(sheet, row, question, answer.value)
    elif isinstance(question, ListQuestion) and isinstance(answer.value, list):
        row = _list_rows(sheet, row, question, answer.value)
    return row


def _table_rows(sheet: Worksheet, row: int, table: TableQuestion, value: dict[str, Any]) -> int:
    """A table below its question: the row labels under "Trả lời", numbers from "Số liệu"."""
    row += 1
    first_column = table.first_column_label or t("export.header.table_row")
    put(sheet, row, ANSWER_COLUMN, first_column, bold=True)
    for offset, column in enumerate(table.columns):
        put(sheet, row, NUMBER_COLUMN + offset, column.label, bold=True)
    for table_row in table.rows:
        if table_row.id not in value:
            continue
        row += 1
        cells = value[table_row.id]
        put(sheet, row, ANSWER_COLUMN, table_row.label)
        if cells is None:
            put(sheet, row, NUMBER_COLUMN, BLANK_ROW)
            continue
        for offset, column in enumerate(table.columns):
            put(sheet, row, NUMBER_COLUMN + offset, number_of(column.kind, cells.get(column.id)))
    return row


def _list_rows(sheet: Worksheet, row: int, question: ListQuestion, items: list[Any]) -> int:
    """A list below its question: one item a row, its fields from "Số liệu" on."""
    row += 1
    put(sheet, row, ANSWER_COLUMN, t("export.header.list_position"), bold=True)
    for offset, list_field in enumerate(question.fields):
        put(sheet, row, NUMBER_COLUMN + offset, list_field.label, bold=True)
    for position, entry in enumerate(items, start=1):
        row += 1
        put(sheet, row, ANSWER_COLUMN, position)
        if not isinstance(entry, dict):
            put(sheet, row, NUMBER_COLUMN, text_of(None, entry))
            continue
        for offset, list_field in enumerate(question.fields):
            raw = entry.get(list_field.id)
            cell = number_of("integer", raw) if list_field.kind == "integer" else raw
            put(sheet, row, NUMBER_COLUMN + offset, cell)
    return row

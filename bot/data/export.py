"""Exporting a unit's periods, answers and audit trail to an Excel workbook (XLSX).

The workbook is for people and for other programs: a first sheet with the unit and its
periods, one sheet per top section of each period's report kind (every question on a row,
tables and lists expanded below their question as rows × columns of numbers), and the
audit trail on its own sheet.

Nothing a user typed is ever written as a formula: openpyxl turns a string starting with
"=" into a formula, so every string cell is forced back to a string and, when it starts
with a character a spreadsheet would read as the start of a formula, marked with Excel's
quote prefix so that editing the cell keeps it text.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select

from bot.core.clock import VIETNAM, now
from bot.data.files import os_error_text
from bot.importing.answers import source_text
from bot.questionnaire import index as flow
from bot.questionnaire.answers import format_answer
from bot.questionnaire.loader import TemplateNotFoundError, load_template
from bot.questionnaire.references import TemplateError
from bot.questionnaire.schema import (
    DecimalQuestion,
    IntegerQuestion,
    ListQuestion,
    PercentQuestion,
    Question,
    TableQuestion,
    Template,
)
from bot.store.database import Database
from bot.texts import t
from models import Answer, AnswerChange, Member, Period, Unit

# Excel's limits on sheet names.
SHEET_NAME_LIMIT = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Excel keeps this name for itself.
_RESERVED_SHEET_NAMES = {"history"}
# The longest text a cell holds.
CELL_TEXT_LIMIT = 32767
# What a spreadsheet reads as the start of a formula (tab and CR as well, after OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# The Vietnamese words of the workbook come from the catalogue (bot/texts/data.vi.yaml).
UNIT_SHEET = t("export.unit_sheet")
AUDIT_SHEET = t("export.audit_sheet")
OTHER_SHEET = t("export.other_sheet")

STATUS_LABELS = {status: t(f"export.status.{status}") for status in ("open", "closed", "final")}
SKIPPED = t("export.skipped")
BLANK_ROW = t("export.blank_row")
TIME_HEADER = t("export.header.time")
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"

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


class ExportError(ValueError):
    """The export cannot be made; the message is for the user, in Vietnamese."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    file: Path
    unit_id: int
    periods: list[int]
    sheets: list[str]
    answers: int
    changes: int

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "file": str(self.file),
            "unit_id": self.unit_id,
            "periods": self.periods,
            "sheets": self.sheets,
            "answers": self.answers,
            "changes": self.changes,
        }


# -- cells -----------------------------------------------------------------------------------


def safe_text(value: str) -> str:
    """Text a cell can hold: NFC, no characters XML forbids, within Excel's length."""
    text = ILLEGAL_CHARACTERS_RE.sub("", unicodedata.normalize("NFC", value))
    if len(text) > CELL_TEXT_LIMIT:
        text = text[: CELL_TEXT_LIMIT - 1] + "…"
    return text


def local_time(moment: datetime) -> datetime:
    """An aware moment as the wall-clock time in Vietnam, for a cell.

    Excel has no time zones (openpyxl refuses aware datetimes), so the cell gets the
    Vietnamese local time and the column header says so.
    """
    return moment.astimezone(VIETNAM).replace(tzinfo=None)


def put(sheet: Worksheet, row: int, column: int, value: Any, *, bold: bool = False) -> None:
    """Writes one cell: text always as text (never a formula), numbers and dates as such."""
    if value is None or value == "":
        if bold:
            sheet.cell(row=row, column=column).font = Font(bold=True)
        return
    if isinstance(value, str):
        text = safe_text(value)
        cell = sheet.cell(row=row, column=column, value=text)
        # openpyxl makes any string starting with "=" a formula: force it back to text.
        cell.data_type = "s"
        if text.startswith(_FORMULA_START):
            # Excel's "'" prefix, stored as a style: the cell stays text when edited.
            cell.quotePrefix = True
        if "\n" in text:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif isinstance(value, bool):
        cell = sheet.cell(row=row, column=column, value=value)
    elif isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=VIETNAM)
        cell = sheet.cell(row=row, column=column, value=local_time(aware))
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int | float | Decimal):
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, int):
            cell.number_format = "#,##0"
    else:
        put(sheet, row, column, str(value), bold=bold)
        return
    if bold:
        cell.font = Font(bold=True)


def put_row(sheet: Worksheet, row: int, values: Sequence[Any], *, bold: bool = False) -> None:
    """Writes values from column A on."""
    for column, value in enumerate(values, start=1):
        put(sheet, row, column, value, bold=bold)


def number_of(kind: str, value: Any) -> int | Decimal | None:
    """A stored numeric value as a number for a cell (None when it is not one)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if kind == "integer":
            return int(value)
        return Decimal(str(value))
    except (TypeError, ValueError, InvalidOperation):
        return None


# -- sheet names -----------------------------------------------------------------------------


def sheet_name(wanted: str, taken: Iterable[str]) -> str:
    """A valid sheet name close to `wanted`, unique (case-insensitively) among `taken`.

    Excel: at most 31 characters, none of []:*?/\\, not empty, not starting or ending
    with an apostrophe, not "History".
    """
    used = {name.casefold() for name in taken}
    base = unicodedata.normalize("NFC", wanted)
    base = _SHEET_FORBIDDEN.sub("-", ILLEGAL_CHARACTERS_RE.sub("", base))
    base = " ".join(base.split()).strip("'").strip() or t("export.fallback_sheet")
    if base.casefold() in _RESERVED_SHEET_NAMES:
        base = f"{base} 1"
    candidate = _fit(base, "")
    counter = 1
    while candidate.casefold() in used:
        counter += 1
        candidate = _fit(base, f" ({counter})")
    return candidate


def _fit(base: str, suffix: str) -> str:
    """`base` cut so that `base + suffix` fits Excel's limit."""
    room = SHEET_NAME_LIMIT - len(suffix)
    if len(base) <= room:
        return base + suffix
    # Cut at a word boundary when one is not too far back, and show that it was cut.
    cut = base[: room - 1]
    space = cut.rfind(" ")
    if space >= room // 2:
        cut = cut[:space]
    cut = cut.rstrip(" -.'–") or base[: room - 1]
    return f"{cut}…{suffix}"


def _autosize(sheet: Worksheet, widths: dict[int, int]) -> None:
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width


# -- data ------------------------------------------------------------------------------------


@dataclass
class _PeriodData:
    period: Period
    template: Template | None
    answers: dict[str, Answer] = field(default_factory=dict)

    @property
    def kind_name(self) -> str:
        return self.template.name if self.template else self.period.template_id


def _template_of(period: Period) -> Template | None:
    try:
        return load_template(period.template_id)
    except (TemplateNotFoundError, TemplateError):
        return None


def _members(session: Session, unit_id: int) -> dict[int, str]:
    rows = session.exec(select(Member.id, Member.display_name).where(Member.unit_id == unit_id))
    return {member_id: name for member_id, name in rows.all() if member_id is not None}


def _changes(session: Session, period_ids: list[int]) -> list[AnswerChange]:
    statement = (
        select(AnswerChange)
        .where(col(AnswerChange.period_id).in_(period_ids))
        .order_by(col(AnswerChange.changed_at), col(AnswerChange.id))
    )
    return list(session.exec(statement).all())


def _answers(session: Session, period_id: int) -> dict[str, Answer]:
    rows = session.exec(select(Answer).where(Answer.period_id == period_id)).all()
    return {row.question_id: row for row in rows}


def _text_of(question: Question | None, value: Any) -> str:
    """A stored value as readable text; raw JSON when the question is unknown or odd."""
    if value is None:
        return ""
    if question is not None:
        try:
            return format_answer(question, value)
        except (TypeError, ValueError, KeyError, AttributeError, InvalidOperation):
            pass
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# -- the workbook ----------------------------------------------------------------------------


def export_unit(
    database: Database, *, unit_id: int, out: Path, period_id: int | None = None
) -> ExportResult:
    """Writes the unit's periods (or just `period_id`), answers and audit trail to `out`."""
    with database.session() as session:
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise ExportError(t("export.no_unit", unit=unit_id))
        statement = select(Period).where(Period.unit_id == unit_id).order_by(col(Period.id))
        periods = list(session.exec(statement).all())
        if period_id is not None:
            periods = [p for p in periods if p.id == period_id]
            if not periods:
                raise ExportError(t("export.no_period", unit=unit_id, period=period_id))
        data = [_PeriodData(p, _template_of(p), _answers(session, p.id)) for p in periods]  # type: ignore[arg-type]
        members = _members(session, unit_id)
        changes = _changes(session, [p.id for p in periods])  # type: ignore[misc]

    workbook = Workbook()
    unit_sheet = workbook.active
    assert unit_sheet is not None
    unit_sheet.title = UNIT_SHEET
    names: list[str] = [UNIT_SHEET]
    # (sheet, period, section number, section title) for the index on the first sheet.
    index: list[tuple[str, int, str, str]] = []
    several = len(data) > 1
    for item in data:
        _section_sheets(workbook, item, members, names, index, several=several)
    audit_name = sheet_name(AUDIT_SHEET, names)
    names.append(audit_name)
    _audit_sheet(workbook.create_sheet(audit_name), data, changes, members)
    _unit_sheet(unit_sheet, unit, data, index)

    # Written beside the target and renamed: an interrupted export leaves no half file.
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".export-", suffix=".xlsx", dir=out.parent)
    except OSError as err:
        raise ExportError(
            t("files.unwritable", folder=out.parent, error=os_error_text(err))
        ) from err
    os.close(handle)
    temporary = Path(name)
    try:
        workbook.save(temporary)
        temporary.replace(out)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise ExportError(
            t("files.unwritable", folder=out.parent, error=os_error_text(err))
        ) from err
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return ExportResult(
        file=out,
        unit_id=unit_id,
        periods=[item.period.id for item in data if item.period.id is not None],
        sheets=names,
        answers=sum(len(item.answers) for item in data),
        changes=len(changes),
    )


def _unit_sheet(
    sheet: Worksheet,
    unit: Unit,
    data: list[_PeriodData],
    index: list[tuple[str, int, str, str]],
) -> None:
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
                ", ".join(sheets_of.get(period.id or 0, [])),
            ],
        )
    row += 2
    put(sheet, row, 1, t("export.unit.sheets_title"), bold=True)
    row += 1
    put_row(sheet, row, INDEX_HEADERS, bold=True)
    for name, period_id, number, title in index:
        row += 1
        put_row(sheet, row, [name, period_id, number, title])
    _autosize(sheet, {1: 26, 2: 40, 3: 26, 4: 40, 5: 12, 6: 8, 7: 12, 8: 14, 9: 14, 10: 40})


def _section_sheets(
    workbook: Workbook,
    item: _PeriodData,
    members: dict[int, str],
    names: list[str],
    index: list[tuple[str, int, str, str]],
    *,
    several: bool,
) -> None:
    period = item.period
    # The catalogue strips values, so the space before the section number is added here.
    prefix = t("export.period_prefix", period=period.id) + " " if several else ""
    known: set[str] = set()
    for section in item.template.top_sections() if item.template else []:
        name = sheet_name(f"{prefix}{section.number}. {section.title}", names)
        names.append(name)
        index.append((name, period.id or 0, section.number, section.title))
        sheet = workbook.create_sheet(name)
        put_row(sheet, 1, SECTION_HEADERS, bold=True)
        sheet.freeze_panes = "A2"
        row = 1
        for slot in flow.slots(section):
            known.add(slot.question.id)
            row = _question_rows(sheet, row + 1, slot.section.number, slot.question, item, members)
        _autosize(sheet, {1: 8, 2: 22, 3: 60, 4: 60, 5: 22, 6: 20, 7: 12})
    others = [answer for qid, answer in sorted(item.answers.items()) if qid not in known]
    if others:
        # Answers to questions the report kind no longer has: kept, shown raw.
        name = sheet_name(f"{prefix}{OTHER_SHEET}", names)
        names.append(name)
        index.append((name, period.id or 0, "", OTHER_SHEET))
        sheet = workbook.create_sheet(name)
        put_row(sheet, 1, SECTION_HEADERS, bold=True)
        for row, answer in enumerate(others, start=2):
            put_row(
                sheet, row, ["", answer.question_id, "", *_answer_cells(None, answer, members)]
            )


def _answer_cells(question: Question | None, answer: Answer, members: dict[int, str]) -> list[Any]:
    """The answer, author and time cells of a stored answer."""
    text = SKIPPED if answer.skipped else _text_of(question, answer.value)
    author = members.get(answer.author_id, "") if answer.author_id is not None else ""
    return [text, author, answer.updated_at]


def _question_rows(
    sheet: Worksheet,
    row: int,
    number: str,
    question: Question,
    item: _PeriodData,
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
            put(sheet, row, NUMBER_COLUMN, _text_of(None, entry))
            continue
        for offset, list_field in enumerate(question.fields):
            raw = entry.get(list_field.id)
            cell = number_of("integer", raw) if list_field.kind == "integer" else raw
            put(sheet, row, NUMBER_COLUMN + offset, cell)
    return row


def _audit_sheet(
    sheet: Worksheet,
    data: list[_PeriodData],
    changes: list[AnswerChange],
    members: dict[int, str],
) -> None:
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
                _text_of(question, change.old_value),
                _text_of(question, change.new_value),
            ],
        )
    _autosize(sheet, {1: 20, 2: 22, 3: 8, 4: 12, 5: 8, 6: 22, 7: 50, 8: 50, 9: 50})

"""Exporting a unit's periods, answers and audit trail to an Excel workbook (XLSX).

The workbook is for people and for other programs: a first sheet with the unit and its
periods, one sheet per top section of each period's report kind (every question on a row,
tables and lists expanded below their question as rows × columns of numbers), and the
audit trail on its own sheet (`export_sheets.py`, `export_audit.py`; `cells.py` keeps
every cell safe).

Nothing a user typed is ever written as a formula: openpyxl turns a string starting with
"=" into a formula, so every string cell is forced back to a string and, when it starts
with a character a spreadsheet would read as the start of a formula, marked with Excel's
quote prefix so that editing the cell keeps it text.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session, col, select

from bot.data.cells import sheet_name
from bot.data.export_audit import fill_audit_sheet
from bot.data.export_sheets import (
    UNIT_SHEET,
    PeriodData,
    add_section_sheets,
    fill_unit_sheet,
)
from bot.data.files import os_error_text
from bot.questionnaire.loader import TemplateNotFoundError, load_template
from bot.questionnaire.references import TemplateError
from bot.questionnaire.schema import Template
from bot.store.database import Database
from bot.texts import t
from models import Answer, AnswerChange, Member, Period, Unit

AUDIT_SHEET = t("export.audit_sheet")

__all__ = ["AUDIT_SHEET", "UNIT_SHEET", "ExportError", "ExportResult", "export_unit", "sheet_name"]


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


# -- data ------------------------------------------------------------------------------------


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
        data = [PeriodData(p, _template_of(p), _answers(session, p.id)) for p in periods]  # type: ignore[arg-type]
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
        add_section_sheets(workbook, item, members, names, index, several=several)
    audit_name = sheet_name(AUDIT_SHEET, names)
    names.append(audit_name)
    fill_audit_sheet(workbook.create_sheet(audit_name), data, changes, members)
    fill_unit_sheet(unit_sheet, unit, data, index)

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

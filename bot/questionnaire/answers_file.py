"""Reading an answers file (YAML): the unit, the period and every answer of a report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.clock import today
from bot.engine import flow
from bot.questionnaire.answers import InvalidAnswer, value_from_file
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, load_template, read_yaml
from bot.questionnaire.schema import Template
from bot.report.build import ReportFrame


class AnswersFileError(ValueError):
    """An answers file that cannot be read; the message names the place."""


@dataclass(frozen=True)
class AnswersFile:
    """A parsed answers file: its template, its frame and the stored values."""

    template: Template
    frame: ReportFrame
    values: dict[str, Any]
    raw: dict[str, Any]


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def load_answers_file(
    path: Path, *, template_id: str | None = None, root: Path = DEFAULT_TEMPLATES_DIR
) -> AnswersFile:
    """Parses every answer of the file exactly as if it had been typed in a chat."""
    data = read_yaml(path)
    if not isinstance(data, dict) or "answers" not in data:
        raise AnswersFileError(f"{path}: expected a mapping with an 'answers' key")
    kind = template_id or data.get("template")
    if not kind:
        raise AnswersFileError(f"{path}: no template given (--template or 'template:')")
    if template_id and data.get("template") not in (None, template_id):
        raise AnswersFileError(
            f"{path}: written for {data.get('template')!r}, not {template_id!r}"
        )
    template = load_template(kind, root)
    unit = data.get("unit") or {}
    period = data.get("period") or {}
    frame = ReportFrame(
        unit_name=str(unit.get("name", "")),
        parent_body=str(unit.get("parent_body", "")),
        place=str(unit.get("place", "")),
        year=str(period.get("year", "")),
        report_date=_date(period["date"]) if period.get("date") else today(),
        signer_title=str(unit.get("signer_title") or "Giám đốc"),
        signer_name=str(unit.get("signer_name") or ""),
        deputy_title=unit.get("signer_deputy_title") or None,
        deputy_name=unit.get("signer_deputy_name") or None,
        number=period.get("number") or None,
        recipients=unit.get("recipients") or None,
    )
    questions = {slot.question.id: slot.question for slot in flow.all_slots(template)}
    values: dict[str, Any] = {}
    for question_id, raw in (data.get("answers") or {}).items():
        question = questions.get(question_id)
        if question is None:
            raise AnswersFileError(f"{path}: unknown question id {question_id!r}")
        try:
            value = value_from_file(question, raw)
        except InvalidAnswer as err:
            raise AnswersFileError(f"{path}: {question_id}: {err.message}") from err
        if value is not None:
            values[question_id] = value
    return AnswersFile(template=template, frame=frame, values=values, raw=data)

"""Reading an answers file (YAML): the unit, the period and every answer of a report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.core.clock import today
from bot.questionnaire import index as flow
from bot.questionnaire.answers import InvalidAnswer, parse_date, value_from_file
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, load_template, read_yaml
from bot.questionnaire.schema import Template
from bot.report.build import ReportFrame
from bot.texts import t


class AnswersFileError(ValueError):
    """An answers file that cannot be read; the message names the place."""


@dataclass(frozen=True)
class AnswersFile:
    """A parsed answers file: its template, its frame and the stored values."""

    template: Template
    frame: ReportFrame
    values: dict[str, Any]
    raw: dict[str, Any]


def _date(path: Path, value: Any) -> date:
    """The report date as YAML read it (2026-06-30) or as people write it (30/06/2026)."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parse_date(text)
    except InvalidAnswer as err:
        raise AnswersFileError(t("answers_file.date", file=path, text=text)) from err


def _term(path: Path, value: Any) -> int | None:
    """The semester, 1 or 2 (written "2" or "II" too); None for a year's report."""
    if value is None:
        return None
    text = str(value).strip().upper()
    term = {"1": 1, "I": 1, "2": 2, "II": 2}.get(text)
    if term is None:
        raise AnswersFileError(t("answers_file.term", file=path, text=value))
    return term


def _read(path: Path) -> Any:
    """The file's data; a file that is not YAML or not UTF-8 is an AnswersFileError."""
    try:
        return read_yaml(path)
    except UnicodeDecodeError as err:
        raise AnswersFileError(t("answers_file.not_utf8", file=path)) from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = (
            t("answers_file.yaml_where", line=mark.line + 1, column=mark.column + 1)
            if mark is not None
            else str(err)
        )
        raise AnswersFileError(t("answers_file.yaml", file=path, error=where)) from err


_FILE_KEYS = ("template", "unit", "period", "answers")
_UNIT_KEYS = (
    "name",
    "parent_body",
    "place",
    "signer_title",
    "signer_name",
    "signer_deputy_title",
    "signer_deputy_name",
    "recipients",
    "address",
    "phone",
)
_PERIOD_KEYS = ("year", "term", "date", "number")


def _known_keys(path: Path, data: Any, known: tuple[str, ...], where: str) -> None:
    """Refuses a part of the file that is not a mapping or holds a key nobody reads."""
    if not isinstance(data, dict):
        raise AnswersFileError(t("answers_file.not_a_mapping", file=path, where=where))
    for key in data:
        if key not in known:
            raise AnswersFileError(
                t(
                    "answers_file.unknown_key",
                    file=path,
                    key=key,
                    where=where,
                    known=", ".join(known),
                )
            )


def read_answers_data(path: Path) -> dict[str, Any]:
    """The file's data, checked to be an answers file at its top level."""
    data = _read(path)
    if not isinstance(data, dict) or "answers" not in data:
        raise AnswersFileError(t("answers_file.not_mapping", file=path))
    _known_keys(path, data, _FILE_KEYS, t("answers_file.top_level"))
    if not isinstance(data["answers"] or {}, dict):
        raise AnswersFileError(t("answers_file.not_a_mapping", file=path, where="answers"))
    return data


def load_answers_file(
    path: Path, *, template_id: str | None = None, root: Path = DEFAULT_TEMPLATES_DIR
) -> AnswersFile:
    """Parses every answer of the file exactly as if it had been typed in a chat."""
    data = _read(path)
    if not isinstance(data, dict) or "answers" not in data:
        raise AnswersFileError(t("answers_file.not_mapping", file=path))
    kind = template_id or data.get("template")
    if not kind:
        raise AnswersFileError(t("answers_file.no_template", file=path))
    if template_id and data.get("template") not in (None, template_id):
        raise AnswersFileError(
            t("answers_file.other_template", file=path, written=data["template"], kind=template_id)
        )
    template = load_template(kind, root)
    # A misspelt or misplaced key would otherwise be ignored and its answers silently lost.
    _known_keys(path, data, _FILE_KEYS, t("answers_file.top_level"))
    unit = data.get("unit") or {}
    period = data.get("period") or {}
    _known_keys(path, unit, _UNIT_KEYS, "unit")
    _known_keys(path, period, _PERIOD_KEYS, "period")
    frame = ReportFrame(
        unit_name=str(unit.get("name", "")),
        parent_body=str(unit.get("parent_body", "")),
        place=str(unit.get("place", "")),
        year=str(period.get("year", "")),
        report_date=_date(path, period["date"]) if period.get("date") else today(),
        signer_title=str(unit.get("signer_title") or t("role.director")),
        signer_name=str(unit.get("signer_name") or ""),
        deputy_title=unit.get("signer_deputy_title") or None,
        deputy_name=unit.get("signer_deputy_name") or None,
        number=period.get("number") or None,
        recipients=unit.get("recipients") or None,
        term=_term(path, period.get("term")),
        address=str(unit.get("address") or ""),
        phone=str(unit.get("phone") or ""),
    )
    questions = {slot.question.id: slot.question for slot in flow.all_slots(template)}
    values: dict[str, Any] = {}
    for question_id, raw in (data.get("answers") or {}).items():
        question = questions.get(question_id)
        if question is None:
            raise AnswersFileError(
                t("answers_file.unknown_question", file=path, question=question_id)
            )
        try:
            value = value_from_file(question, raw)
        except InvalidAnswer as err:
            raise AnswersFileError(
                t("answers_file.invalid", file=path, question=question_id, reason=err.message)
            ) from err
        if value is not None:
            values[question_id] = value
    return AnswersFile(template=template, frame=frame, values=values, raw=data)

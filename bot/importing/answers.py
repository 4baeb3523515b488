"""Loading an answers file into an open period (`baocao period fill`): each answer parsed as
if typed in chat, stored with its change in the audit trail, refused one by one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.questionnaire import index as flow
from bot.questionnaire.answers import InvalidAnswer, value_from_file
from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.evaluation import CheckFailure
from bot.questionnaire.schema import Template
from bot.report.answers_file import AnswersFileError, read_answers_data
from bot.store import hot_path
from bot.store import queries as store
from bot.texts import t
from bot.workflow import periods
from models import Period, require_id

# The audit trail's `source` of a change loaded from a file: "file:NAME", "spreadsheet:NAME".
FILE_SOURCE = "file"
SPREADSHEET_SOURCE = "spreadsheet"


def source_text(source: str | None) -> str:
    """A change's source as the audit trail shows it: "nhập từ tệp «x.yaml»"; "" for chat."""
    kind, _, name = (source or "").partition(":")
    if kind in (FILE_SOURCE, SPREADSHEET_SOURCE):
        return t(f"importing.source.{kind}", file=name)
    return source or ""


@dataclass
class FillReport:
    """Per question: stored, refused (with the reason), and the checks failing afterwards."""

    stored: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    failures: list[CheckFailure] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report for `--json`."""
        return {
            "stored": self.stored,
            "refused": [{"question": q, "reason": r} for q, r in self.refused.items()],
            "warnings": [{"key": f.key, "message": f.message} for f in self.failures],
        }


def fill_period(
    session: Session, *, period: Period, template: Template, path: Path, member_id: int | None
) -> FillReport:
    """Stores every acceptable answer of the file; AnswersFileError for a file not usable
    at all (not YAML, another report kind, a final period)."""
    data = read_answers_data(path)
    if data.get("template") not in (None, template.id):
        raise AnswersFileError(
            t("answers_file.other_template", file=path, written=data["template"], kind=template.id)
        )
    if period.status != "open":
        raise AnswersFileError(t("importing.period_closed", period=period.id))
    questions = {slot.question.id: slot.question for slot in flow.all_slots(template)}
    stored = hot_path.period_answers(session, period_id=require_id(period))
    report = FillReport()
    reopened: set[str] = set()
    for question_id, raw in (data.get("answers") or {}).items():
        question = questions.get(str(question_id))
        if question is None:
            report.refused[str(question_id)] = t("importing.fill.unknown_question")
            continue
        section = flow.owner_section(template, question.id)
        if section is not None and periods.is_locked(
            session, period=period, section_id=section.id
        ):
            report.refused[question.id] = t("importing.fill.locked")
            continue
        try:
            value = value_from_file(question, raw)
        except InvalidAnswer as err:
            report.refused[question.id] = err.message
            continue
        if value is None:
            report.refused[question.id] = t("importing.fill.empty")
            continue
        store.save_answer(
            session,
            period_id=require_id(period),
            question_id=question.id,
            value=value,
            member_id=member_id,
            source=f"{FILE_SOURCE}:{path.name}",
        )
        stored.values[question.id] = value
        report.stored.append(question.id)
        if section is not None and section.id in stored.finished:
            reopened.add(section.id)
    for section_id in reopened:
        # A change after finishing reopens the section until it is reviewed again, as in chat.
        store.set_section_finished(
            session,
            period_id=require_id(period),
            section_id=section_id,
            member_id=member_id,
            finished=False,
        )
    evaluation = evaluate(template, stored.values)
    report.failures = [f for f in evaluation.failures if f.key not in stored.confirmed]
    session.flush()
    return report

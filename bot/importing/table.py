"""Importing one table question of an open period from a spreadsheet: a plan to preview,
then the same storing and checks as rows typed in chat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from bot.importing.answers import SPREADSHEET_SOURCE
from bot.importing.match import TableMatch, find_table
from bot.importing.spreadsheet import ImportFileError, read_sheets
from bot.questionnaire import index as flow
from bot.questionnaire.answers import format_row
from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.evaluation import CheckFailure
from bot.questionnaire.schema import TableQuestion, Template
from bot.store import hot_path
from bot.store import queries as store
from bot.texts import t
from bot.workflow import periods
from models import Period, require_id


@dataclass
class ImportPlan:
    """What an import will store: the table's new value and the checks it fails."""

    period_id: int
    question: TableQuestion
    file_name: str
    match: TableMatch
    value: dict[str, Any]
    failures: list[CheckFailure]
    computed: dict[str, list[str]]


def table_question(template: Template, question_id: str) -> TableQuestion:
    """The table question of a report kind, by id; ImportFileError for anything else."""
    for slot in flow.all_slots(template):
        if slot.question.id == question_id:
            if isinstance(slot.question, TableQuestion):
                return slot.question
            raise ImportFileError(t("importing.not_table", question=question_id))
    raise ImportFileError(t("importing.no_question", question=question_id))


def refusal(session: Session, *, period: Period, template: Template, question_id: str) -> None:
    """ImportFileError when the period's answers to this question may not change now."""
    if period.status != "open":
        raise ImportFileError(t("importing.period_closed", period=period.id))
    section = flow.owner_section(template, question_id)
    if section is not None and periods.is_locked(session, period=period, section_id=section.id):
        raise ImportFileError(t("importing.period_closed", period=period.id))


def plan_import(
    session: Session,
    *,
    period: Period,
    template: Template,
    question_id: str,
    file_name: str,
    data: bytes,
) -> ImportPlan:
    """Reads the file and works out the table it fills; changes nothing."""
    question = table_question(template, question_id)
    refusal(session, period=period, template=template, question_id=question_id)
    match = find_table(question, read_sheets(file_name, data), file_name)
    answers = hot_path.period_answers(session, period_id=require_id(period))
    value = {**(answers.values.get(question.id) or {}), **match.rows}
    evaluation = evaluate(template, {**answers.values, question.id: value})
    failures = [
        f
        for f in evaluation.failures
        if question.id in f.question_ids and f.key not in answers.confirmed
    ]
    computed = {
        row.id: [
            f"{c.label} {evaluation.text(f'{question.id}.{row.id}.{c.id}')}"
            for c in question.computed
            if evaluation.text(f"{question.id}.{row.id}.{c.id}") is not None
        ]
        for row in question.rows
        if row.id in match.rows
    }
    return ImportPlan(require_id(period), question, file_name, match, value, failures, computed)


def apply_import(
    session: Session, *, plan: ImportPlan, template: Template, member_id: int | None
) -> None:
    """Stores the table as a confirmed typed row would: the change in the audit trail,
    its failed checks kept as confirmed (the preview showed them), its section reopened."""
    store.save_answer(
        session,
        period_id=plan.period_id,
        question_id=plan.question.id,
        value=plan.value,
        member_id=member_id,
        source=f"{SPREADSHEET_SOURCE}:{plan.file_name}",
    )
    if plan.failures:
        store.confirm_checks(
            session,
            period_id=plan.period_id,
            keys=[f.key for f in plan.failures],
            member_id=member_id,
        )
    section = flow.owner_section(template, plan.question.id)
    if section is not None and section.id in store.finished_sections(
        session, period_id=plan.period_id
    ):
        store.set_section_finished(
            session,
            period_id=plan.period_id,
            section_id=section.id,
            member_id=member_id,
            finished=False,
        )
    session.flush()


def preview_text(plan: ImportPlan) -> str:
    """The rows the import will fill, what they compute and the checks they fail."""
    question = plan.question
    lines = [
        t(
            "importing.preview.title",
            file=plan.file_name,
            sheet=plan.match.sheet,
            row=plan.match.header_row,
            table=question.label or question.prompt,
        )
    ]
    for row in question.rows:
        if row.id not in plan.match.rows:
            continue
        cells = plan.match.rows[row.id]
        text = format_row(question, cells) if cells is not None else t("importing.preview.blank")
        lines.append(t("importing.preview.row", row=row.label, values=text))
        if plan.computed.get(row.id):
            lines.append(t("importing.preview.computed", values=" · ".join(plan.computed[row.id])))
    absent = [row.label for row in question.rows if row.id not in plan.match.rows]
    if absent:
        lines.append(t("importing.preview.absent", rows=", ".join(absent)))
    if plan.match.unmatched:
        lines.append(t("importing.preview.unmatched", rows=_some(plan.match.unmatched)))
    if plan.match.ignored_headers:
        lines.append(t("importing.preview.ignored", headers=_some(plan.match.ignored_headers)))
    lines += [t("importing.preview.problem", message=f.message) for f in plan.failures]
    return "\n".join(lines)


def _some(names: list[str], shown: int = 8) -> str:
    """The first names, and how many more: a long sheet must not flood the chat."""
    text = ", ".join(names[:shown])
    if len(names) > shown:
        text += " " + t("importing.preview.more", count=len(names) - shown)
    return text


def plan_dict(plan: ImportPlan) -> dict[str, Any]:
    """The plan for `--json`."""
    return {
        "period_id": plan.period_id,
        "question": plan.question.id,
        "file": plan.file_name,
        "sheet": plan.match.sheet,
        "header_row": plan.match.header_row,
        "rows": plan.match.rows,
        "absent_rows": [r.id for r in plan.question.rows if r.id not in plan.match.rows],
        "unmatched_rows": plan.match.unmatched,
        "ignored_headers": plan.match.ignored_headers,
        "warnings": [{"key": f.key, "message": f.message} for f in plan.failures],
    }

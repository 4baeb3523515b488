"""Commands that load figures from files into an open period: `period fill` (an answers
file) and `import` (a table from a spreadsheet)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from bot.cli.app import JsonOption, app, database_session
from bot.cli.groups import PeriodOption, period_app
from bot.importing.answers import fill_period
from bot.importing.spreadsheet import ImportFileError
from bot.importing.table import apply_import, plan_dict, plan_import, preview_text
from bot.questionnaire.loader import load_template
from bot.report.answers_file import AnswersFileError
from bot.store import queries as store
from bot.texts import t
from models import Period

MemberChoice = Annotated[
    int | None, typer.Option("--member", help="Member id the changes are recorded for.")
]


def _period(session: Session, period_id: int, member: int | None) -> Period:
    """The period, and the member of its unit the audit trail records; exit 2 otherwise."""
    found = store.period_by_id(session, period_id=period_id)
    if found is None:
        typer.echo(t("cli.error.no_period", period=period_id), err=True)
        raise typer.Exit(2)
    if member is not None:
        person = store.member_by_id(session, member_id=member)
        if person is None or person.unit_id != found.unit_id:
            typer.echo(t("cli.error.import_member", member=member, period=period_id), err=True)
            raise typer.Exit(2)
    return found


@period_app.command("fill")
def period_fill(
    period: PeriodOption,
    answers: Annotated[
        Path, typer.Option("--answers", exists=True, dir_okay=False, help="Answers file (YAML).")
    ],
    member: MemberChoice = None,
    as_json: JsonOption = False,
) -> None:
    """Load an answers file into an open period, each answer checked as in chat.

    Exit 0 when every answer was stored, 1 when some were refused (the others are stored),
    2 when the file or the period cannot be used at all (nothing stored).
    """
    with database_session() as session:
        found = _period(session, period, member)
        template = load_template(found.template_id)
        try:
            report = fill_period(
                session, period=found, template=template, path=answers, member_id=member
            )
        except AnswersFileError as err:
            session.rollback()
            typer.echo(str(err), err=True)
            raise typer.Exit(2) from err
    if as_json:
        typer.echo(
            json.dumps({"period_id": period, **report.as_dict()}, ensure_ascii=False, indent=2)
        )
    else:
        lines = [
            t("importing.fill.stored", count=len(report.stored), file=answers.name, period=period)
        ]
        if report.refused:
            lines.append(t("importing.fill.refused", count=len(report.refused)))
            lines += [
                t("importing.fill.refused_line", question=q, reason=r)
                for q, r in report.refused.items()
            ]
        if report.failures:
            lines.append(t("importing.fill.warnings", count=len(report.failures)))
            lines += [t("importing.fill.warning_line", message=f.message) for f in report.failures]
        typer.echo("\n".join(lines))
    if report.refused:
        raise typer.Exit(1)


@app.command("import")
def import_command(
    period: PeriodOption,
    question: Annotated[str, typer.Option("--question", help="Id of the table question.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".xlsx or .csv")],
    yes: Annotated[bool, typer.Option("--yes", help="Fill without asking.")] = False,
    member: MemberChoice = None,
    as_json: JsonOption = False,
) -> None:
    """Fill a table question of an open period from a spreadsheet, after a preview.

    Exit 0 when filled, 1 when not confirmed, 2 when the file cannot be imported.
    """
    with database_session() as session:
        found = _period(session, period, member)
        template = load_template(found.template_id)
        try:
            plan = plan_import(
                session,
                period=found,
                template=template,
                question_id=question,
                file_name=file.name,
                data=file.read_bytes(),
            )
        except ImportFileError as err:
            typer.echo(err.message, err=True)
            raise typer.Exit(2) from err
        if not as_json:
            typer.echo(preview_text(plan))
        if not yes:
            if as_json or not typer.get_text_stream("stdin").isatty():
                typer.echo(t("importing.cli.need_yes"), err=True)
                raise typer.Exit(1)
            if not typer.confirm(t("importing.cli.ask")):
                typer.echo(t("importing.cli.cancelled"))
                raise typer.Exit(1)
        apply_import(session, plan=plan, template=template, member_id=member)
        payload = {**plan_dict(plan), "filled": True}
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        typer.echo(
            t(
                "importing.cli.done",
                table=plan.question.label or plan.question.prompt,
                period=period,
                file=file.name,
            )
        )

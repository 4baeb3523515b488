"""What `render` and `check` draw from: an answers file, or a stored period as /duthao does."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.app import database_session, load_answers
from bot.questionnaire.loader import TemplateNotFoundError
from bot.questionnaire.schema import Template
from bot.report.build import ReportFrame, frame_for
from bot.store import hot_path
from bot.store import queries as store
from bot.texts import t
from bot.workflow.hierarchy import draft_inputs
from bot.workflow.kinds import period_template

TemplateChoice = Annotated[str | None, typer.Option("--template", help="Report kind id.")]
AnswersChoice = Annotated[
    Path | None,
    typer.Option("--answers", exists=True, dir_okay=False, help="Answers file (YAML)."),
]
PeriodChoice = Annotated[
    int | None, typer.Option("--period", help="Period id: its stored answers, as /duthao.")
]


@dataclass(frozen=True)
class ReportSource:
    """A report kind, its frame and its answers, from a file or from the database."""

    template: Template
    frame: ReportFrame
    values: dict[str, Any]
    confirmed: set[str] = field(default_factory=set)
    notes: tuple[str, ...] | list[str] = ()


def report_source(template: str | None, answers: Path | None, period: int | None) -> ReportSource:
    """The answers file (with --template) or the period (--period); exit 2 otherwise."""
    if period is not None:
        if answers is not None:
            typer.echo(t("cli.error.period_or_answers"), err=True)
            raise typer.Exit(2)
        return _stored(period, template)
    if answers is None:
        typer.echo(t("cli.error.period_or_answers"), err=True)
        raise typer.Exit(2)
    loaded = load_answers(answers, template)
    return ReportSource(loaded.template, loaded.frame, loaded.values)


def _stored(period_id: int, template_id: str | None) -> ReportSource:
    with database_session() as session:
        period = store.period_by_id(session, period_id=period_id)
        if period is None:
            typer.echo(t("cli.error.no_period", period=period_id), err=True)
            raise typer.Exit(2)
        if template_id not in (None, period.template_id):
            typer.echo(t("cli.error.kind", kind=template_id), err=True)
            raise typer.Exit(2)
        unit = store.unit_by_id(session, unit_id=period.unit_id)
        assert unit is not None
        try:
            # The version the period was opened with, as the chat uses.
            kind = period_template(session, period)
        except TemplateNotFoundError as err:
            typer.echo(t("cli.error.kind", kind=period.template_id), err=True)
            raise typer.Exit(2) from err
        answers = hot_path.period_answers(session, period_id=period_id)
        # A collecting period is drafted from its children's sums, as /duthao does.
        values, notes = draft_inputs(session, period=period, template=kind, values=answers.values)
        return ReportSource(kind, frame_for(unit, period), values, answers.confirmed, notes)

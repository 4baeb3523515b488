"""Commands over answers files and reports: render, check, audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import JsonOption, app
from bot.cli.sources import AnswersChoice, PeriodChoice, TemplateChoice, report_source
from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.evaluation import computed_cells
from bot.report.build import IncompleteReportError, build_context, render_draft
from bot.report.pdf import PdfConversionError, PdfUnavailableError, docx_to_pdf
from bot.texts import t


@app.command()
def render(
    out: Annotated[Path, typer.Option("--out", help="The .docx to write, or a .pdf.")],
    template: TemplateChoice = None,
    answers: AnswersChoice = None,
    period: PeriodChoice = None,
    clean: Annotated[
        bool, typer.Option("--clean", help="The clean version to sign (nothing missing).")
    ] = False,
) -> None:
    """Write the .docx (or, with --out FILE.pdf, the PDF) of an answers file, or of an open
    period as /duthao draws it."""
    loaded = report_source(template, answers, period)
    try:
        draft = render_draft(
            loaded.template,
            loaded.frame,
            loaded.values,
            loaded.confirmed,
            clean=clean,
            notes=loaded.notes,
        )
    except IncompleteReportError as err:
        typer.echo(t("cli.render.clean_refused", count=err.args[0]), err=True)
        raise typer.Exit(2) from err
    data = draft.data
    if out.suffix.lower() == ".pdf":
        try:
            data = docx_to_pdf(draft.data, out.stem)
        except PdfUnavailableError as err:
            typer.echo(t("cli.render.pdf_unavailable"), err=True)
            raise typer.Exit(2) from err
        except PdfConversionError as err:
            typer.echo(t("cli.render.pdf_failed", reason=err), err=True)
            raise typer.Exit(1) from err
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    typer.echo(
        t("cli.render.done", file=out, missing=len(draft.missing), warnings=len(draft.warnings))
    )


@app.command()
def check(
    template: TemplateChoice = None,
    answers: AnswersChoice = None,
    period: PeriodChoice = None,
    as_json: JsonOption = False,
) -> None:
    """Print the computed figures and the failed checks of an answers file or a period."""
    loaded = report_source(template, answers, period)
    evaluation = evaluate(loaded.template, loaded.values, loaded.confirmed)
    _, _, missing_sections = build_context(
        loaded.template, loaded.frame, loaded.values, loaded.confirmed
    )
    figures = {
        f.id: {
            "label": f.label,
            "kind": f.kind,
            "value": None if f.value is None else str(f.value),
            "text": f.text,
        }
        for f in [*evaluation.figures.values(), *computed_cells(loaded.template, evaluation)]
    }
    # As the draft: a failed check kept on purpose is still listed, marked kept.
    warnings = [
        {"key": f.key, "message": f.message, "confirmed": f.confirmed} for f in evaluation.failures
    ]
    if as_json:
        payload = {
            "template": loaded.template.id,
            **({"period_id": period} if period is not None else {}),
            "figures": figures,
            "warnings": warnings,
            "missing_sections": missing_sections,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for figure in figures.values():
        typer.echo(f"{figure['label']}: {figure['text'] or '—'}")
    if warnings:
        typer.echo("\n" + t("cli.check.warnings", count=len(warnings)))
        for warning in warnings:
            kept = f" {t('review.kept')}" if warning["confirmed"] else ""
            typer.echo(f"⚠️ {warning['message']}{kept}")
    else:
        typer.echo("\n" + t("cli.check.no_warnings"))


@app.command()
def audit(
    file: Annotated[Path, typer.Argument(help="Report to audit: .docx or UTF-8 text.")],
    as_json: JsonOption = False,
) -> None:
    """Recompute the figures of a report someone else wrote and list each mismatch."""
    from bot.figure_check import SourceError, audit_path, text_report

    try:
        report = audit_path(file)
    except SourceError as err:
        typer.echo(err.explain(file.name), err=True)
        raise typer.Exit(2) from err
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(text_report(report))

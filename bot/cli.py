"""The `baocao` command line: run the bot, play the demo, render and check answers files."""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from bot import store
from bot.channels.console import CHANNEL as CONSOLE
from bot.channels.console import ConsoleChannel, console_sender
from bot.database import Database
from bot.demo import DemoPlayer
from bot.engine.engine import ConversationEngine, EngineOptions
from bot.questionnaire.answers_file import AnswersFileError, load_answers_file
from bot.questionnaire.evaluate import computed_cells, evaluate
from bot.questionnaire.loader import all_templates, sample_answers_path
from bot.report.build import build_context, render_draft
from bot.settings import get_settings

app = typer.Typer(
    help="baocao: soạn báo cáo định kỳ của đơn vị giáo dục qua trò chuyện.",
    no_args_is_help=True,
    add_completion=False,
)

TemplateOption = Annotated[str, typer.Option("--template", help="Report kind id.")]
AnswersOption = Annotated[
    Path, typer.Option("--answers", exists=True, dir_okay=False, help="Answers file (YAML).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _setup_logging() -> None:
    logging.basicConfig(
        level=get_settings().log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _database() -> Database:
    database = Database(get_settings().effective_database_url)
    database.create_schema()
    return database


@app.command()
def run(
    webhook_url: Annotated[
        str | None,
        typer.Option(
            "--webhook-url",
            help="Telegram webhook mode: the public HTTPS URL "
            "Telegram posts updates to (default: long polling). "
            "Env: TELEGRAM_WEBHOOK_URL.",
        ),
    ] = None,
    listen: Annotated[
        str | None,
        typer.Option(
            "--listen",
            help="Webhook mode: address to listen on (default 0.0.0.0). "
            "Env: TELEGRAM_WEBHOOK_LISTEN.",
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            help="Webhook mode: port to listen on (default 8443). Env: TELEGRAM_WEBHOOK_PORT.",
        ),
    ] = None,
    secret_token: Annotated[
        str | None,
        typer.Option(
            "--secret-token",
            help="Webhook mode: secret Telegram sends with every "
            "update (required). Env: TELEGRAM_WEBHOOK_SECRET.",
        ),
    ] = None,
) -> None:
    """Start the bot: Telegram when a token is configured, otherwise the terminal chat."""
    settings = get_settings()
    _setup_logging()
    if settings.telegram_bot_token is not None:
        # Imported here: the terminal chat does not need python-telegram-bot.
        from bot.channels.telegram_app import (
            WebhookConfig,
            run_telegram,
        )

        try:
            webhook = WebhookConfig.from_settings(
                settings, url=webhook_url, listen=listen, port=port, secret_token=secret_token
            )
        except ValueError as err:
            typer.echo(f"webhook: {err}", err=True)
            raise typer.Exit(2) from err
        run_telegram(settings, _database(), webhook=webhook)
        return
    if webhook_url:
        typer.echo("--webhook-url needs TELEGRAM_BOT_TOKEN", err=True)
        raise typer.Exit(2)
    database = _database()
    # The terminal is a one-person trial: the user becomes director of a demo unit.
    demo = True if settings.demo is None else settings.demo
    engine = ConversationEngine(database, EngineOptions(demo=demo))
    ConsoleChannel(engine, settings.drafts_dir).run()


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Where to write the .docx.")],
    template: Annotated[str, typer.Option("--template")] = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx",
) -> None:
    """Play the whole conversation with the bundled sample answers and write the draft."""
    answers = _load(sample_answers_path(template), template)
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'demo.db'}")
        database.create_schema()
        sender = console_sender()
        with database.session() as session:
            frame = answers.frame
            unit = store.create_unit(
                session,
                name=frame.unit_name,
                parent_body=frame.parent_body,
                place=frame.place,
                signer_title=frame.signer_title,
                signer_name=frame.signer_name,
                deputy_title=frame.deputy_title,
                deputy_name=frame.deputy_name,
                is_demo=True,
            )
            store.add_member(
                session,
                unit=unit,
                display_name=frame.signer_name,
                role="director",
                channel=CONSOLE,
                external_id=sender.external_id,
            )
            store.open_period(
                session,
                unit=unit,
                template_id=answers.template.id,
                template_version=answers.template.version,
                year=frame.year,
                report_date=frame.report_date,
            )
        engine = ConversationEngine(database, EngineOptions())
        player = DemoPlayer(engine, sender, answers)
        document = player.play()
        database.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(document.data)
    typer.echo(f"{len(player.transcript)} messages exchanged; draft written to {out}")
    typer.echo(document.caption)


def _load(path: Path, template: str | None) -> Any:
    try:
        return load_answers_file(path, template_id=template)
    except AnswersFileError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from err


@app.command()
def render(
    template: TemplateOption, answers: AnswersOption, out: Annotated[Path, typer.Option("--out")]
) -> None:
    """Write the .docx of an answers file."""
    loaded = _load(answers, template)
    draft = render_draft(loaded.template, loaded.frame, loaded.values, set())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(draft.data)
    typer.echo(f"{out} ({len(draft.missing)} missing, {len(draft.warnings)} warnings)")


@app.command()
def check(template: TemplateOption, answers: AnswersOption, as_json: JsonOption = False) -> None:
    """Print the computed figures and the failed checks of an answers file."""
    loaded = _load(answers, template)
    evaluation = evaluate(loaded.template, loaded.values)
    _, _, missing_sections = build_context(loaded.template, loaded.frame, loaded.values, set())
    figures = {
        f.id: {
            "label": f.label,
            "kind": f.kind,
            "value": None if f.value is None else str(f.value),
            "text": f.text,
        }
        for f in [*evaluation.figures.values(), *computed_cells(loaded.template, evaluation)]
    }
    warnings = [{"key": f.key, "message": f.message} for f in evaluation.failures]
    if as_json:
        payload = {
            "template": loaded.template.id,
            "figures": figures,
            "warnings": warnings,
            "missing_sections": missing_sections,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for figure in figures.values():
        typer.echo(f"{figure['label']}: {figure['text'] or '—'}")
    if warnings:
        typer.echo(f"\n{len(warnings)} cảnh báo:")
        for warning in warnings:
            typer.echo(f"⚠️ {warning['message']}")
    else:
        typer.echo("\nKhông có cảnh báo số liệu.")


@app.command()
def audit(
    file: Annotated[Path, typer.Argument(help="Report to audit: .docx or UTF-8 text.")],
    as_json: JsonOption = False,
) -> None:
    """Recompute the figures of a report someone else wrote and list each mismatch."""
    from bot.audit import SourceError, audit_path, text_report
    from bot.texts import t

    try:
        report = audit_path(file)
    except SourceError as err:
        typer.echo(t("audit.unreadable_file", file=file.name), err=True)
        raise typer.Exit(2) from err
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(text_report(report))


@app.command()
def templates(as_json: JsonOption = False) -> None:
    """List the report kinds."""
    kinds = all_templates()
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {"id": k.id, "name": k.name, "version": k.version, "sections": len(k.sections)}
                    for k in kinds
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for kind in kinds:
        typer.echo(f"{kind.id}  (v{kind.version})  {kind.name}")


def main() -> None:
    """Entry point for `python -m bot`."""
    app()

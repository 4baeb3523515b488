"""Commands that talk: the bot itself and the demo conversation."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import app, load_answers, open_database, setup_logging
from bot.cli.demo import DemoPlayer
from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.core.settings import get_settings
from bot.questionnaire.loader import sample_answers_path
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from handlers.console import CHANNEL as CONSOLE
from handlers.console import ConsoleChannel, console_sender
from models import Role

# The terminal chat's log, in the data folder beside the database.
LOG_FILE = "baocao.log"


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
    zalo_webhook_url: Annotated[
        str | None,
        typer.Option(
            "--zalo-webhook-url",
            help="Zalo webhook mode: the public HTTPS URL Zalo posts updates to, served on "
            "BAOCAO_WEB_LISTEN (default: long polling). Env: ZALO_WEBHOOK_URL.",
        ),
    ] = None,
    zalo_secret_token: Annotated[
        str | None,
        typer.Option(
            "--zalo-secret-token",
            help="Zalo webhook mode: secret (8-256 characters) Zalo sends with every "
            "update (required). Env: ZALO_WEBHOOK_SECRET.",
        ),
    ] = None,
) -> None:
    """Start the bot: every chat service with a token (Telegram, Zalo), otherwise the terminal."""
    settings = get_settings()
    if settings.telegram_bot_token is not None or settings.zalo_bot_token is not None:
        setup_logging()
        # Imported here: the terminal chat needs no chat service library.
        from handlers.run import Plan, run_channels
        from handlers.telegram.app import WebhookConfig
        from handlers.zalo.webhook import ZaloWebhook

        try:
            telegram_webhook = WebhookConfig.from_settings(
                settings, url=webhook_url, listen=listen, port=port, secret_token=secret_token
            )
            zalo_webhook = ZaloWebhook.from_settings(
                settings, url=zalo_webhook_url, secret_token=zalo_secret_token
            )
        except ValueError as err:
            typer.echo(t("cli.run.webhook_invalid", reason=err), err=True)
            raise typer.Exit(2) from err
        telegram = settings.telegram_bot_token is not None
        zalo = settings.zalo_bot_token is not None
        if webhook_url and not telegram:
            typer.echo(t("cli.run.webhook_needs_token"), err=True)
            raise typer.Exit(2)
        if zalo_webhook_url and not zalo:
            typer.echo(t("cli.run.zalo_webhook_needs_token"), err=True)
            raise typer.Exit(2)
        plan = Plan(
            telegram=telegram,
            telegram_webhook=telegram_webhook if telegram else None,
            zalo=zalo,
            zalo_webhook=zalo_webhook if zalo else None,
        )
        run_channels(settings, open_database(writable=True), plan)
        return
    if webhook_url or zalo_webhook_url:
        key = "cli.run.webhook_needs_token" if webhook_url else "cli.run.zalo_webhook_needs_token"
        typer.echo(t(key), err=True)
        raise typer.Exit(2)
    log_file = settings.data_dir / LOG_FILE
    setup_logging(log_file)
    typer.echo(t("terminal.log_file", path=log_file))
    database = open_database()
    # The terminal is a one-person trial: the user becomes director of a demo unit.
    demo = True if settings.demo is None else settings.demo
    engine = ConversationEngine(database, EngineOptions(demo=demo, drafts_dir=settings.drafts_dir))
    ConsoleChannel(engine, settings.drafts_dir).run()


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Where to write the .docx.")],
    template: Annotated[str, typer.Option("--template")] = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx",
) -> None:
    """Play the whole conversation with the bundled sample answers and write the draft."""
    answers = load_answers(sample_answers_path(template), template)
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
                address=frame.address,
                # A deputy signing "KT." is the signer, for the head's title.
                signer_title=frame.deputy_title or frame.signer_title,
                signer_name=(frame.deputy_name or "") if frame.deputy_title else frame.signer_name,
                on_behalf_of=frame.signer_title if frame.deputy_title else None,
                recipients=frame.recipients,
                is_demo=True,
            )
            store.add_member(
                session,
                unit=unit,
                display_name=frame.signer_name,
                role=Role.DIRECTOR,
                channel=CONSOLE,
                external_id=sender.external_id,
            )
            store.open_period(
                session,
                unit=unit,
                template_id=answers.template.id,
                template_version=answers.template.version,
                year=frame.year,
                term=frame.term,
                report_date=frame.report_date,
            )
        engine = ConversationEngine(database, EngineOptions())
        player = DemoPlayer(engine, sender, answers)
        document = player.play()
        database.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(document.data)
    typer.echo(t("cli.demo.done", count=len(player.transcript), file=out))
    typer.echo(document.caption)

"""`baocao draft-link revoke`: takes back draft links given by /duthao before they expire."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.app import app, open_database
from bot.texts import t
from bot.workflow.draft_links import revoke

draft_link_app = typer.Typer(help="Signed links to drafts (/duthao).", no_args_is_help=True)
app.add_typer(draft_link_app, name="draft-link")


@draft_link_app.command("revoke")
def revoke_links(
    link: Annotated[int | None, typer.Option("--link", help="One link's id.")] = None,
    member: Annotated[int | None, typer.Option("--member", help="Every link of a member.")] = None,
    unit: Annotated[int | None, typer.Option("--unit", help="Every link of a unit.")] = None,
) -> None:
    """Revoke draft links still valid: one, a member's or a unit's (say which)."""
    if link is None and member is None and unit is None:
        typer.echo(t("cli.draft_link.say_which"), err=True)
        raise typer.Exit(2)
    database = open_database()
    try:
        with database.session() as session:
            count = revoke(session, link_id=link, member_id=member, unit_id=unit)
    finally:
        database.dispose()
    typer.echo(t("cli.draft_link.revoked", count=count))

"""The `baocao` command line: run the bot, play the demo, render, check and audit reports,
and manage units, members and reporting periods."""

from __future__ import annotations

# Each module registers its commands on the one Typer app.
from bot.cli import (  # noqa: F401
    chat,
    data,
    draft_links,
    hierarchy,
    importing,
    ops,
    reminders,
    reports,
    settings,
    templates,
    units,
)
from bot.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point for `python -m bot`."""
    app()

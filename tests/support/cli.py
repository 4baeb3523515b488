"""Running the `baocao` commands in-process, as an operator would type them."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


def baocao_json(*args: str) -> Any:
    """The command's --json output; the test fails when the command does not exit 0."""
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)

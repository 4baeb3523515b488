"""Numbers read from untrusted text: only ASCII digits, bounded; and what relies on it."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.digits import MAX_ID, is_ascii_digits, small_int
from bot.core.settings import get_settings
from bot.report.build import ReportFrame
from bot.store.database import Database


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("99999999999999999999999", None),
        ("²", None),
        ("1²", None),
        ("١٢", None),
        ("１２", None),
        ("", None),
        ("-1", None),
        (" 1", None),
        ("1\n", None),
    ],
)
def test_small_int_reads_only_bounded_ascii_digits(text: str, expected: int | None) -> None:
    assert small_int(text) == expected
    assert is_ascii_digits(text) == (text.isascii() and text.isdigit())


def test_small_int_takes_its_bound() -> None:
    assert small_int("3", limit=3) == 3
    assert small_int("4", limit=3) is None


@pytest.mark.parametrize("year", ["²⁰²⁰-²⁰²¹", "2020-²⁰²¹", "２０２０-２０２１"])
def test_a_year_of_other_digits_is_no_year(year: str) -> None:
    frame = ReportFrame(
        unit_name="Trường", parent_body="", place="", year=year, report_date=date(2021, 6, 5)
    )
    assert (frame.previous_year, frame.next_year) == ("", "")


def test_the_cli_refuses_a_year_of_superscript_digits(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        created = runner.invoke(
            app, ["unit", "create", "--name", "Trường A", "--place", "Quận 1", "--json"]
        )
        assert created.exit_code == 0, created.output
        result = runner.invoke(
            app,
            [
                "period",
                "open",
                "--unit",
                "1",
                "--template",
                "bao-cao-tong-ket-nam-hoc-gdnn-gdtx",
                "--year",
                "²⁰²⁵-²⁰²⁶",
                "--deadline",
                "2099-06-30",
            ],
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "²⁰²⁵-²⁰²⁶" in result.output

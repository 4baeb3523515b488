"""Notes a draft carries about itself, beside what is missing and what to check."""

from __future__ import annotations

from datetime import date

from bot.core.text import year_text
from bot.texts import t

SCHOOL_YEAR_END = (5, 31)  # month, day


def school_year_end(year: str) -> date | None:
    """The day a school year ends ("2020-2021": 31/05/2021, as the Ministry's plans set)."""
    _, _, end = year.partition("-")
    if not end.strip().isdigit():
        return None
    return date(int(end), SCHOOL_YEAR_END[0], SCHOOL_YEAR_END[1])


def early_notes(year: str, report_date: date, term: int | None = None) -> list[str]:
    """A report dated before its school year ends reports figures that may still move.

    A semester I summary is written around the semester's end, mid-January, whose date each
    year's plan sets: it carries no such note.
    """
    end = school_year_end(year)
    if end is None or report_date >= end or term == 1:
        return []
    return [
        t(
            "report.dated_early",
            date=report_date.strftime("%d/%m/%Y"),
            year=year_text(year),
            end=end.strftime("%d/%m/%Y"),
        )
    ]

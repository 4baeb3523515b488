"""Dates as Vietnamese staff type them, placed in the report's school year when no year is given.

"15/04/2027", "15-4-2027", "2027-04-15", "ngày 15 tháng 4 năm 2027" and, within the school
year, "15/4": a school year runs from August to July, so months 8 to 12 fall in its first
calendar year and months 1 to 7 in its second.
"""

from __future__ import annotations

import re
from datetime import date

from bot.core.clock import school_year_of, today
from bot.texts import t

_SEP = r"\s*[/.\-]\s*"
_DAY_MONTH_YEAR = re.compile(rf"^(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})$")
_DAY_MONTH = re.compile(rf"^(\d{{1,2}}){_SEP}(\d{{1,2}})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(
    r"^(?:ngày\s*)?(\d{1,2})\s*tháng\s*(\d{1,2})(?:\s*(?:năm|,)?\s*(\d{4}))?$", re.IGNORECASE
)
_FIRST_MONTH = 8


class DateParseError(ValueError):
    """A typed date that cannot be read; `message` says why, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _years(school_year: str | None) -> tuple[int, int]:
    """The two calendar years of a school year ("2026-2027"), by default the current one."""
    first = int((school_year or school_year_of(today())).split("-")[0])
    return first, first + 1


def year_in(school_year: str | None, month: int) -> int:
    """The calendar year in which `month` falls within the school year."""
    first, second = _years(school_year)
    return first if month >= _FIRST_MONTH else second


def example(school_year: str | None, shown: str | None = None) -> str:
    """A full date to show as an example: the day and month of `shown` (a template's
    "29/04/2021") in the school year, so that it never names an old year."""
    day, month = 29, 4
    if shown:
        found = _DAY_MONTH_YEAR.match(shown.strip()) or _DAY_MONTH.match(shown.strip())
        if found:
            day, month = int(found.group(1)), int(found.group(2))
    return f"{day:02d}/{month:02d}/{year_in(school_year, month)}"


def parse_date(text: str, school_year: str | None = None) -> date:
    """A typed date; without a year, the one the day falls in within `school_year`."""
    typed = " ".join(text.split())
    if found := _DAY_MONTH_YEAR.match(typed):
        day, month, year = (int(g) for g in found.groups())
    elif found := _ISO.match(typed):
        year, month, day = (int(g) for g in found.groups())
    elif found := _DAY_MONTH.match(typed):
        day, month = int(found.group(1)), int(found.group(2))
        year = year_in(school_year, month)
    elif found := _WORDS.match(typed):
        day, month = int(found.group(1)), int(found.group(2))
        year = int(found.group(3)) if found.group(3) else year_in(school_year, month)
    else:
        full = example(school_year)
        raise DateParseError(t("answer.date_format", example=full, short=full[:5]))
    try:
        return date(year, month, day)
    except ValueError as err:
        raise DateParseError(t("answer.date_impossible", text=typed)) from err

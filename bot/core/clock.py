"""The one source of the current time: timezone-aware, in Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    """The current time in Vietnam (tests move it with time-machine)."""
    return datetime.now(VIETNAM)


def today() -> date:
    """Today's date in Vietnam."""
    return now().date()


def school_year_of(day: date) -> str:
    """The school year a day belongs to: from August on, the year that starts then."""
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}-{start + 1}"

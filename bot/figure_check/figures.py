"""Reading the figures a report prints, and comparing them with what they should be.

The arithmetic is `bot.core.rates` (rate, change); this module only reads figures as written,
notes how many decimals a rate shows, and formats the correct figure the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.core.numbers import (
    NumberParseError,
    format_decimal,
    format_integer,
    parse_integer,
    parse_percent,
    round_half_up,
)
from bot.core.rates import change, describe_change, exact_rate
from bot.core.text import fold

__all__ = [
    "COUNT",
    "PERCENT",
    "Percent",
    "change_matches",
    "count_of",
    "expected_change",
    "expected_rate",
    "percent_of",
    "shown_count",
    "signed_change_of",
]

# A count as printed: 538, 9453, 23.523 (a dot groups thousands).
COUNT = r"\d{1,3}(?:\.\d{3})+|\d+"
# A rate as printed: 8,97 % or 91.82%.
PERCENT = r"\d+(?:[.,]\d+)?\s*%"
_DECIMALS = re.compile(r"\d+(?:[.,](\d+))?")


@dataclass(frozen=True)
class Percent:
    """A printed rate: its value and how many decimals it shows."""

    value: Decimal
    places: int


def count_of(text: str) -> int | None:
    """The count a cell or token holds ("538", "1.234", "53 HV"), or None."""
    text = text.strip()
    if not text or not any(c.isdigit() for c in text) or "%" in text:
        return None
    try:
        return parse_integer(text)
    except NumberParseError:
        return None


def percent_of(text: str, *, sign_optional: bool = False) -> Percent | None:
    """The rate a cell or token holds ("8,97%", "91.82 %"); with `sign_optional`, a bare
    number ("91,82") too. None for anything else."""
    text = " ".join(text.split())
    if not sign_optional and not text.endswith("%"):
        return None
    digits = _DECIMALS.search(text)
    if digits is None:
        return None
    try:
        value = parse_percent(text)
    except NumberParseError:
        return None
    return Percent(value, len(digits.group(1) or ""))


def signed_change_of(text: str) -> tuple[Percent, bool] | None:
    """A printed change ("Tăng 1.95%", "Giảm 0,4%", "-1,2", "0", "Không thay đổi"):
    its signed value, and whether the sign was written (a bare "1,95" has none)."""
    folded = fold(text)
    if folded in {"khong thay doi", "khong doi", "-"}:
        return Percent(Decimal(0), 0), True
    match = re.fullmatch(r"(tang|giam)?\s*([+-])?\s*(\d+(?:[.,]\d+)?)\s*%?", folded)
    if match is None:
        return None
    word, sign, number = match.groups()
    found = percent_of(number, sign_optional=True)
    if found is None:
        return None
    negative = word == "giam" or sign == "-"
    value = -found.value if negative else found.value
    return Percent(value, found.places), bool(word or sign) or found.value == 0


def expected_rate(stated: Percent, part: int, total: int) -> str:
    """part/total as the report should print it: the decimals the stated rate shows, or
    two when it shows none ("97,58%" for a stated "100%")."""
    fine = exact_rate(part, total) or Decimal(0)
    places = stated.places or 2
    return format_decimal(fine, places, trim=stated.places == 0) + "%"


def change_matches(stated: Percent, signed: bool, current: Percent, previous: Percent) -> bool:
    """Whether a stated change equals current - previous in percentage points."""
    delta = round_half_up(change(current.value, previous.value), stated.places)
    return stated.value == (delta if signed else abs(delta))


def expected_change(current: Percent, previous: Percent) -> str:
    """The change in words: "Tăng 1,95%", "Giảm 0,40%", "Không thay đổi"."""
    return describe_change(change(current.value, previous.value))


def shown_count(value: int) -> str:
    """A count the Vietnamese way: 1234 -> "1.234"."""
    return format_integer(value)

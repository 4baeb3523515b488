"""Whole numbers typed or carried in button codes, read safely.

`str.isdigit()` accepts "²" and other digits `int()` refuses or reads unexpectedly, and
`int()` of an untrusted string can exceed what a database id column holds: these helpers
read only ASCII digits and bound the value.
"""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]+")
# The largest id a 32-bit integer column (PostgreSQL `integer`) holds.
MAX_ID = 2**31 - 1


def is_ascii_digits(text: str) -> bool:
    """Whether `text` is one or more ASCII digits and nothing else."""
    return _ASCII_DIGITS.fullmatch(text) is not None


def small_int(text: str, *, limit: int = MAX_ID) -> int | None:
    """The value of ASCII digits when it is at most `limit`, else None."""
    if not is_ascii_digits(text) or len(text.lstrip("0")) > len(str(limit)):
        return None
    value = int(text)
    return value if value <= limit else None

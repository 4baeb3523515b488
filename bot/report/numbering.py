"""Heading numbers as a report kind writes them: "3.2.1." by default, or per level
Roman "I.", Arabic "1." and letters "a)" as most reports of the sector do."""

from __future__ import annotations

from collections.abc import Sequence

_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)
# Vietnamese documents number with the letters of their alphabet: "d)" then "đ)", no f, j, w, z.
_LETTERS = "abcdđeghiklmnopqrstuvxy"


def roman(number: int) -> str:
    """1 -> "I", 4 -> "IV", 14 -> "XIV"."""
    out = []
    for value, symbol in _ROMAN:
        while number >= value:
            out.append(symbol)
            number -= value
    return "".join(out)


def letter(number: int) -> str:
    """1 -> "a", 5 -> "đ", 7 -> "g"; past "y": "aa", "ab"."""
    count = len(_LETTERS)
    if number <= count:
        return _LETTERS[number - 1]
    return letter((number - 1) // count) + _LETTERS[(number - 1) % count]


def heading_number(number: str, level: int, styles: Sequence[str]) -> str:
    """The label of section `number` ("3.2") at `level` (1 for top) under `styles`."""
    style = styles[level - 1] if level - 1 < len(styles) else "decimal"
    last = int(number.rsplit(".", 1)[-1])
    if style == "roman":
        return f"{roman(last)}."
    if style == "arabic":
        return f"{last}."
    if style == "letter":
        return f"{letter(last)})"
    return number

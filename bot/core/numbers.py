"""Numbers as Vietnamese users type them, and as Vietnamese documents print them.

Vietnamese writes 1.234,5 where English writes 1,234.5: the dot groups thousands and the
comma is the decimal mark. People also type English style, or with spaces, so the parsers
below accept what is unambiguous and refuse (with a message key) what is not.

Every refusal is a `NumberParseError` whose `key` and `params` give the message to show:
`t(err.key, **err.params)`, from `bot/texts/numbers.vi.yaml`.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from typing import Literal

from babel.numbers import format_decimal as _babel_format

from bot.core.number_words import strip_unit, words_to_integer

__all__ = [
    "NumberParseError",
    "format_decimal",
    "format_integer",
    "format_percent",
    "parse_decimal",
    "parse_integer",
    "parse_percent",
    "round_half_up",
]

_LOCALE = "vi"
# Counts beyond a thousand billion are typos, never real figures of a school or centre.
_MAX_DIGITS = 15
# Echoing a whole paragraph back in an error message helps nobody.
_MAX_SHOWN = 30

_EXAMPLE_INTEGER = "538"
_EXAMPLE_DECIMAL = "12,5"
_EXAMPLE_PERCENT = "88,32%"

# Invisible characters that come along when figures are copied from Word or Excel.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_LOOKALIKES = str.maketrans({"\u2212": "-", "\uff05": "%"})

_CHARS = re.compile(r"[0-9., ]+")
# Digit runs separated by single separators; a leading decimal mark (",5") is allowed.
_SHAPE = re.compile(r"[.,]?[0-9]+(?:[., ][0-9]+)*")
# A dot that is not followed by exactly three digits cannot be a thousands separator.
_DOT_NOT_GROUPING = re.compile(r"\.(?![0-9]{3}(?:[^0-9]|$))")
_FIRST_GROUP = re.compile(r"[1-9][0-9]{0,2}")
_GROUP = re.compile(r"[0-9]{3}")

_Mode = Literal["integer", "decimal", "percent"]


class NumberParseError(ValueError):
    """A number the user typed that cannot be read; `key` and `params` give the message."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.key: str = key
        self.params: dict[str, str] = params

    def __str__(self) -> str:
        return f"{self.key} {self.params}" if self.params else self.key


def _normalise(text: str) -> str:
    """NFC, invisible characters dropped, every run of whitespace (NBSP too) one space."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).translate(_LOOKALIKES)
    # str.split() splits on all Unicode whitespace, NBSP, narrow NBSP and thin space included.
    return " ".join(text.split())


def shown(text: str) -> str:
    """What a user typed, cut short enough to quote in a message."""
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _grouped(int_part: str, sep: str) -> bool:
    """Whether `int_part` is digits in thousands groups separated by `sep` (1.234.567)."""
    pieces = int_part.split(sep)
    return (
        len(pieces) > 1
        and _FIRST_GROUP.fullmatch(pieces[0]) is not None
        and all(_GROUP.fullmatch(p) for p in pieces[1:])
    )


def _decimal_mark(body: str, mode: _Mode, text: str, example: str) -> str | None:
    """Which of "," and "." is the decimal mark in `body`, or None when it has none."""
    commas, dots = body.count(","), body.count(".")
    if commas and dots:
        # Both kinds: the last one is the decimal mark (1.234,5 and 1,234.5 alike).
        mark = "," if body.rfind(",") > body.rfind(".") else "."
        if body.count(mark) > 1:
            raise NumberParseError("number.too_many_separators", text=text, example=example)
        return mark
    if commas:
        # A count typed "1,234" is English grouping or a typo for 1,234 of something;
        # the comma is the Vietnamese decimal mark, so refuse rather than guess.
        if mode == "integer" and _grouped(body, ","):
            raise NumberParseError("number.ambiguous_comma", text=text)
        if commas > 1:
            raise NumberParseError("number.too_many_separators", text=text, example=example)
        return ","
    if not dots:
        return None
    if mode == "integer":
        # Counts have no fraction, so every dot must be a thousands separator.
        return None
    if mode == "percent":
        # A rate is at most 100, so a dot can only be a decimal mark (88.320% is 88,32%).
        if dots > 1:
            raise NumberParseError("number.too_many_separators", text=text, example=example)
        return "."
    head = body[: body.index(".")]
    if _DOT_NOT_GROUPING.search(body) is None and head.strip("0 "):
        # Vietnamese convention: a dot followed by exactly three digits groups thousands.
        return None
    if dots > 1:
        raise NumberParseError("number.bad_grouping", text=text)
    return "."


def _unsigned(body: str, mode: _Mode, text: str, example: str) -> Decimal:
    """The value of `body`, digits and separators without a sign."""
    if not _CHARS.fullmatch(body) or not _SHAPE.fullmatch(body):
        raise NumberParseError("number.not_a_number", text=text, example=example)
    mark = _decimal_mark(body, mode, text, example)
    int_part, fraction = body.rsplit(mark, 1) if mark else (body, "")
    if " " in fraction:
        raise NumberParseError("number.not_a_number", text=text, example=example)
    separators = set(int_part) & {" ", ".", ","}
    if len(separators) > 1 or any(not _grouped(int_part, sep) for sep in separators):
        raise NumberParseError("number.bad_grouping", text=text)
    digits = "".join(c for c in int_part if c.isdigit()) or "0"
    if len(digits.lstrip("0")) > _MAX_DIGITS:
        raise NumberParseError("number.too_large", text=text)
    return Decimal(f"{digits}.{fraction}" if fraction else digits)


def _parse(text: str, mode: _Mode, example: str) -> Decimal:
    """The signed value of `text`, read by the rules of `mode`."""
    clean = _normalise(text)
    quoted = shown(clean)
    if mode == "percent" and clean.endswith("%"):
        clean = clean[:-1].rstrip()
    if not clean:
        raise NumberParseError("number.empty", example=example)
    negative = clean[0] == "-"
    body = clean[1:].lstrip() if clean[0] in "+-" else clean
    value = _unsigned(body, mode, quoted, example)
    # No "-0": it would be stored and shown as such.
    return -value if negative and value else value


def _check_bounds(value: Decimal, minimum: Decimal | None, maximum: Decimal | None) -> None:
    """Refuse `value` outside [minimum, maximum]; "negative" when the minimum is 0."""
    if minimum is not None and value < minimum:
        if minimum == 0:
            raise NumberParseError("number.negative")
        raise NumberParseError("number.below_min", minimum=_shown_bound(minimum))
    if maximum is not None and value > maximum:
        raise NumberParseError("number.above_max", maximum=_shown_bound(maximum))


def _shown_bound(value: Decimal) -> str:
    """A bound as a user reads it: with the decimals it has, and none when it is whole."""
    places = max(0, -int(value.normalize().as_tuple().exponent))
    return format_decimal(value, places, trim=True)


def parse_integer(
    text: str,
    *,
    minimum: int | None = 0,
    maximum: int | None = None,
    units: tuple[str, ...] = (),
) -> int:
    """A count typed by a user: "1.234", "1 234" and "1234" are all 1234.

    Every dot groups thousands ("1.23" and "12.5" are bad_grouping); a comma before
    thousands groups ("1,234") is ambiguous_comma; any other comma is the decimal mark,
    so "12,5" is not_integer while "12,0" is 12. More than 15 digits is too_large.
    A trailing unit ("53 HV", or one of `units`) is dropped, and a count in words
    ("năm mươi ba") is read; any other letters are not_a_number.
    """
    if text.isascii() and text.isdigit() and len(text) <= _MAX_DIGITS:
        # Bare digits, as most counts come: the value the rules below would read.
        number = int(text)
    else:
        try:
            value = _parse(text, "integer", _EXAMPLE_INTEGER)
        except NumberParseError as err:
            if err.key != "number.not_a_number":
                raise
            value = _loose_integer(text, units, err)
        if value != value.to_integral_value():
            raise NumberParseError("number.not_integer", example=_EXAMPLE_INTEGER)
        number = int(value)
    _check_bounds(
        Decimal(number),
        None if minimum is None else Decimal(minimum),
        None if maximum is None else Decimal(maximum),
    )
    return number


def _loose_integer(text: str, units: tuple[str, ...], refusal: NumberParseError) -> Decimal:
    """A count with a unit after it or spelled in words; `refusal` when it is neither."""
    clean = _normalise(text)
    bare = strip_unit(clean, units)
    if bare != clean:
        try:
            return _parse(bare, "integer", _EXAMPLE_INTEGER)
        except NumberParseError as err:
            # "sáu em" is read as "sáu" is: words, then a unit.
            if err.key != "number.not_a_number" or words_to_integer(bare) is None:
                raise
    spelled = words_to_integer(bare)
    if spelled is None:
        raise refusal
    return Decimal(spelled)


def parse_decimal(
    text: str, *, minimum: Decimal | None = None, maximum: Decimal | None = None
) -> Decimal:
    """A number with an optional fraction typed by a user, read the Vietnamese way.

    Rules, in order:
    - spaces (NBSP and thin spaces too) only ever group thousands: "1 234,5" is 1234.5;
    - with both "," and ".", the last one is the decimal mark and the other groups
      thousands: "1.234,5" and "1,234.5" are both 1234.5;
    - a lone "," is the decimal mark: "12,5" and "1,234" are 12.5 and 1.234; two commas
      are refused (too_many_separators);
    - dots each followed by exactly three digits group thousands: "1.234" and
      "1.234.567" are 1234 and 1234567 (a leading group of 4+ digits, "1234.567", is
      refused as bad_grouping); otherwise a single dot is the decimal mark: "8.97",
      "12.5", "0.500" (a leading 0 is never a thousands group);
    - a leading mark is accepted: ",5" and ".5" are 0.5; a trailing one is refused.
    The result keeps the decimals typed ("12,50" is Decimal("12.50")).
    """
    value = _parse(text, "decimal", _EXAMPLE_DECIMAL)
    _check_bounds(value, minimum, maximum)
    return value


def parse_percent(text: str) -> Decimal:
    """A rate typed by a user, in percent: "88,32%", "88.32 %" and "88,32" are 88.32.

    Read like `parse_decimal`, except that a single "." is always the decimal mark
    ("88.320%" is 88.32), since a rate cannot reach a thousand. Must be from 0 to 100.
    """
    value = _parse(text, "percent", _EXAMPLE_PERCENT)
    if not Decimal(0) <= value <= Decimal(100):
        raise NumberParseError("number.percent_range")
    return value


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """`value` rounded to `places` decimals, halves away from zero (0.125 -> 0.13)."""
    if not value.is_finite():
        raise ValueError(f"cannot round {value}")
    with localcontext() as ctx:
        # Enough precision that quantize never fails on a large value.
        ctx.prec = max(ctx.prec, value.adjusted() + places + 2)
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _pattern(places: int) -> str:
    return "#,##0." + "0" * places if places > 0 else "#,##0"


@lru_cache(maxsize=4096)
def _vietnamese(value: int | Decimal, pattern: str) -> str:
    """Babel's formatting of an already rounded number, remembered.

    A report shows the same few hundred figures again at every answer, and Babel parses
    the pattern and the locale's symbols on each call. Equal numbers give equal text under
    a fixed pattern (1.0 and 1.00 both print with the pattern's decimals), so the cache
    may key on the value.
    """
    return _babel_format(value, format=pattern, locale=_LOCALE)


def format_integer(n: int) -> str:
    """An integer with Vietnamese thousands dots: 1234567 -> "1.234.567"."""
    return _vietnamese(n, "#,##0")


def format_decimal(value: Decimal, places: int = 2, *, trim: bool = False) -> str:
    """A decimal the Vietnamese way, rounded half up: 1234.5 -> "1.234,50".

    With `trim`, a whole number shows no decimals at all ("100", not "100,00"), while
    any other keeps all `places` ("8,90").
    """
    rounded = round_half_up(value, places)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0,00"
    if trim and rounded == rounded.to_integral_value():
        places = 0
    # Already rounded half up, so Babel's own half-even rounding has nothing left to do.
    return _vietnamese(rounded, _pattern(places))


def format_percent(value: Decimal, *, fixed: bool = False) -> str:
    """A rate already in percent: 8.9678 -> "8,97%", 100 -> "100%", 91.8 -> "91,80%";
    `fixed` keeps two decimals on whole rates too: 100 -> "100,00%"."""
    return format_decimal(value, 2, trim=not fixed) + "%"

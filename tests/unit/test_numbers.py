"""Numbers typed the Vietnamese way, and printed the Vietnamese way."""

from __future__ import annotations

import pickle
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.numbers import (
    NumberParseError,
    format_decimal,
    format_integer,
    format_percent,
    parse_decimal,
    parse_integer,
    parse_percent,
    round_half_up,
)
from bot.texts import catalogue, t

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"


def assert_refused(error: NumberParseError, key: str) -> None:
    """The error has the expected key and its message formats with the params given."""
    assert error.key == key
    assert all(isinstance(v, str) for v in error.params.values())
    message = t(error.key, **error.params)
    assert "{" not in message
    assert message


# --- parse_integer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("538", 538),
        ("1234", 1234),
        ("1.234", 1234),
        ("1 234", 1234),
        ("12 345", 12345),
        ("1.234.567", 1234567),
        ("1 234 567", 1234567),
        ("  591  ", 591),
        ("+5", 5),
        ("+ 5", 5),
        ("007", 7),
        ("-0", 0),
        (f"1{NBSP}234", 1234),
        (f"1{NNBSP}234", 1234),
        (f"1{THIN}234", 1234),
        ("1  234", 1234),  # a double space is still one separator
        ("\u200b1.234\ufeff", 1234),  # invisible characters pasted from Word
        ("12,0", 12),  # a zero fraction is still a whole number
        ("1.234,0", 1234),
        ("999.999.999.999.999", 999_999_999_999_999),
        ("34.194", 34194),
    ],
)
def test_parse_integer(text: str, expected: int) -> None:
    value = parse_integer(text)
    assert value == expected
    assert type(value) is int


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "number.empty"),
        ("   ", "number.empty"),
        (NBSP, "number.empty"),
        ("12,5", "number.not_integer"),
        (",5", "number.not_integer"),
        ("1.234,5", "number.not_integer"),
        ("1,234.5", "number.not_integer"),
        ("1,234", "number.ambiguous_comma"),
        ("12,345", "number.ambiguous_comma"),
        ("1,234,567", "number.ambiguous_comma"),
        ("-3", "number.negative"),
        ("\u22123", "number.negative"),  # the Unicode minus sign
        ("- 3", "number.negative"),
        ("12a", "number.not_a_number"),
        ("abc", "number.not_a_number"),
        ("😀", "number.not_a_number"),
        ("+", "number.not_a_number"),
        ("-", "number.not_a_number"),
        ("+-3", "number.not_a_number"),
        ("12.", "number.not_a_number"),
        ("12,", "number.not_a_number"),
        ("1..234", "number.not_a_number"),
        ("1. 234", "number.not_a_number"),
        ("1e5", "number.not_a_number"),
        ("NaN", "number.not_a_number"),
        ("\u0661\u0662", "number.not_a_number"),  # digits of another script
        ("１２", "number.not_a_number"),  # full-width digits
        ("1.2.3", "number.bad_grouping"),
        ("1.23", "number.bad_grouping"),
        ("12.5", "number.bad_grouping"),
        ("1.2345", "number.bad_grouping"),
        ("1234.567", "number.bad_grouping"),
        ("0.500", "number.bad_grouping"),
        (".5", "number.bad_grouping"),
        ("1 23", "number.bad_grouping"),
        ("1 2345", "number.bad_grouping"),
        ("1 234.567", "number.bad_grouping"),  # two kinds of thousands separator
        ("1,2,3", "number.too_many_separators"),
        ("1.234,5,6", "number.too_many_separators"),
        ("1234567890123456", "number.too_large"),
        ("1.000.000.000.000.000", "number.too_large"),
        ("-1234567890123456", "number.too_large"),
    ],
)
def test_parse_integer_refuses(text: str, key: str) -> None:
    with pytest.raises(NumberParseError) as caught:
        parse_integer(text)
    assert_refused(caught.value, key)


def test_leading_zeros_do_not_count_towards_the_digit_limit() -> None:
    assert parse_integer("0000000000000000001") == 1


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "key", "params"),
    [
        ("5", 10, None, "number.below_min", {"minimum": "10"}),
        ("-5", -3, None, "number.below_min", {"minimum": "-3"}),
        ("2000", 0, 1500, "number.above_max", {"maximum": "1.500"}),
        ("-1", 0, 10, "number.negative", {}),
    ],
)
def test_parse_integer_bounds(
    text: str, minimum: int, maximum: int | None, key: str, params: dict[str, str]
) -> None:
    with pytest.raises(NumberParseError) as caught:
        parse_integer(text, minimum=minimum, maximum=maximum)
    assert_refused(caught.value, key)
    assert caught.value.params == params


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "expected"),
    [
        ("-5", None, None, -5),
        ("-5", -5, None, -5),
        ("1.500", 0, 1500, 1500),
        ("0", 0, 0, 0),
    ],
)
def test_parse_integer_within_bounds(
    text: str, minimum: int | None, maximum: int | None, expected: int
) -> None:
    assert parse_integer(text, minimum=minimum, maximum=maximum) == expected


def test_a_long_text_is_shortened_in_the_message() -> None:
    with pytest.raises(NumberParseError) as caught:
        parse_integer("số học viên là năm trăm ba mươi tám người")
    assert_refused(caught.value, "number.not_a_number")
    assert len(caught.value.params["text"]) <= 30
    assert caught.value.params["text"].endswith("…")


def test_the_error_is_a_value_error_and_survives_pickling() -> None:
    with pytest.raises(ValueError, match=r"number\.ambiguous_comma") as caught:
        parse_integer("1,234")
    assert isinstance(caught.value, NumberParseError)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.key, copy.params) == ("number.ambiguous_comma", {"text": "1,234"})


# --- parse_decimal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", "12.5"),
        ("12.5", "12.5"),
        ("0,5", "0.5"),
        (",5", "0.5"),
        (".5", "0.5"),
        ("8.97", "8.97"),
        ("8,97", "8.97"),
        ("1.23", "1.23"),
        ("0.500", "0.5"),  # a leading 0 is never a thousands group
        ("1,234", "1.234"),  # a lone comma is the decimal mark
        ("1.234", "1234"),  # a dot before exactly three digits groups thousands
        ("1 234", "1234"),
        ("1.234.567", "1234567"),
        ("1.234,5", "1234.5"),
        ("1 234,5", "1234.5"),
        ("1,234.5", "1234.5"),  # English style: the last separator is the decimal mark
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("1.234,567", "1234.567"),
        ("-1.234,5", "-1234.5"),
        ("+12,5", "12.5"),
        ("\u221212,5", "-12.5"),
        (f"1{NBSP}234,5", "1234.5"),
        ("12", "12"),
        ("12,50", "12.50"),
        ("0", "0"),
    ],
)
def test_parse_decimal(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


def test_parse_decimal_keeps_the_decimals_typed() -> None:
    assert str(parse_decimal("12,50")) == "12.50"


@pytest.mark.parametrize("text", ["-0", "-0,00", "+0"])
def test_parse_decimal_has_no_negative_zero(text: str) -> None:
    assert not parse_decimal(text).is_signed()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "number.empty"),
        ("abc", "number.not_a_number"),
        ("12,5a", "number.not_a_number"),
        ("12,5 6", "number.not_a_number"),
        ("12,", "number.not_a_number"),
        ("1,,5", "number.not_a_number"),
        ("1,2,3", "number.too_many_separators"),
        ("1,5,", "number.not_a_number"),
        ("12,5,0", "number.too_many_separators"),
        ("1.234,5,6", "number.too_many_separators"),
        ("1,234.5.6", "number.too_many_separators"),
        ("1.2.3", "number.bad_grouping"),
        ("1.234.5", "number.bad_grouping"),
        ("1234.567", "number.bad_grouping"),
        ("12,34.5", "number.bad_grouping"),
        ("1.23,4", "number.bad_grouping"),
        ("1 23,4", "number.bad_grouping"),
        ("1 234.567", "number.bad_grouping"),
        ("1234567890123456,5", "number.too_large"),
    ],
)
def test_parse_decimal_refuses(text: str, key: str) -> None:
    with pytest.raises(NumberParseError) as caught:
        parse_decimal(text)
    assert_refused(caught.value, key)


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "key", "params"),
    [
        ("-0,5", Decimal(0), None, "number.negative", {}),
        ("0,5", Decimal(1), None, "number.below_min", {"minimum": "1"}),
        ("0,5", Decimal("0.75"), None, "number.below_min", {"minimum": "0,75"}),
        ("10,5", None, Decimal(10), "number.above_max", {"maximum": "10"}),
        ("1.500,5", None, Decimal("1500.25"), "number.above_max", {"maximum": "1.500,25"}),
    ],
)
def test_parse_decimal_bounds(
    text: str,
    minimum: Decimal | None,
    maximum: Decimal | None,
    key: str,
    params: dict[str, str],
) -> None:
    with pytest.raises(NumberParseError) as caught:
        parse_decimal(text, minimum=minimum, maximum=maximum)
    assert_refused(caught.value, key)
    assert caught.value.params == params


def test_parse_decimal_allows_negatives_by_default() -> None:
    assert parse_decimal("-3,25") == Decimal("-3.25")


# --- parse_percent ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("88,32%", "88.32"),
        ("88,32 %", "88.32"),
        (f"88,32{NBSP}%", "88.32"),
        ("88.32%", "88.32"),
        ("88,32", "88.32"),
        ("88.320%", "88.32"),  # a rate cannot reach a thousand: the dot is decimal
        ("100%", "100"),
        ("0%", "0"),
        ("0", "0"),
        ("8,97%", "8.97"),
        ("91.82%", "91.82"),
        ("50％", "50"),  # full-width percent sign
        (",5%", "0.5"),
    ],
)
def test_parse_percent(text: str, expected: str) -> None:
    assert parse_percent(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "number.empty"),
        ("%", "number.empty"),
        ("101%", "number.percent_range"),
        ("100,01%", "number.percent_range"),
        ("-1%", "number.percent_range"),
        ("1.234,5%", "number.percent_range"),
        ("88,32%%", "number.not_a_number"),
        ("%88", "number.not_a_number"),
        ("tám mươi %", "number.not_a_number"),
        ("1.2.3%", "number.too_many_separators"),
        ("1,2,3%", "number.too_many_separators"),
    ],
)
def test_parse_percent_refuses(text: str, key: str) -> None:
    with pytest.raises(NumberParseError) as caught:
        parse_percent(text)
    assert_refused(caught.value, key)


def test_every_number_message_exists() -> None:
    keys = {
        "empty",
        "not_a_number",
        "not_integer",
        "negative",
        "ambiguous_comma",
        "bad_grouping",
        "too_many_separators",
        "too_large",
        "below_min",
        "above_max",
        "percent_range",
    }
    assert {f"number.{k}" for k in keys} <= catalogue().keys()


# --- rounding and formatting ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("0.125", 2, "0.13"),
        ("0.135", 2, "0.14"),
        ("2.675", 2, "2.68"),  # 2.67 with binary floats
        ("0.005", 2, "0.01"),
        ("0.0049999", 2, "0.00"),
        ("-0.125", 2, "-0.13"),  # halves go away from zero
        ("8.9678", 2, "8.97"),
        ("80.5555", 2, "80.56"),
        ("1.5", 0, "2"),
        ("2.5", 0, "3"),  # half-even would give 2
        ("12.3456", 3, "12.346"),
        ("7", 2, "7.00"),
        ("123456789012345678901234567890.125", 2, "123456789012345678901234567890.13"),
    ],
)
def test_round_half_up(value: str, places: int, expected: str) -> None:
    result = round_half_up(Decimal(value), places)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_round_half_up_refuses_what_is_not_a_number(value: str) -> None:
    with pytest.raises(ValueError, match="cannot round"):
        round_half_up(Decimal(value))


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0"),
        (538, "538"),
        (999, "999"),
        (1000, "1.000"),
        (1234, "1.234"),
        (-1234, "-1.234"),
        (34194, "34.194"),
        (1234567, "1.234.567"),
        (10**12, "1.000.000.000.000"),
    ],
)
def test_format_integer(n: int, expected: str) -> None:
    assert format_integer(n) == expected


@pytest.mark.parametrize(
    ("value", "places", "trim", "expected"),
    [
        ("1234.5", 2, False, "1.234,50"),
        ("1234.5", 2, True, "1.234,50"),
        ("100", 2, False, "100,00"),
        ("100", 2, True, "100"),
        ("100.00", 2, True, "100"),
        ("8.9", 2, True, "8,90"),
        ("0.125", 2, False, "0,13"),  # Babel alone would round half-even to 0,12
        ("0.135", 2, False, "0,14"),
        ("2.675", 2, False, "2,68"),
        ("99.996", 2, True, "100"),
        ("-1234.567", 2, False, "-1.234,57"),
        ("-0.001", 2, False, "0,00"),  # no "-0,00"
        ("-0.001", 2, True, "0"),
        ("1234567.891", 1, False, "1.234.567,9"),
        ("2.5", 0, False, "3"),
        ("12.3456", 3, False, "12,346"),
        ("0", 2, False, "0,00"),
    ],
)
def test_format_decimal(value: str, places: int, trim: bool, expected: str) -> None:
    assert format_decimal(Decimal(value), places, trim=trim) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8.9678", "8,97%"),
        ("8.97", "8,97%"),
        ("16.33", "16,33%"),
        ("91.82", "91,82%"),
        ("100", "100%"),
        ("100.00", "100%"),
        ("0", "0%"),
        ("91.8", "91,80%"),
        ("80.555", "80,56%"),
        ("99.999", "100%"),
        ("0.004", "0%"),
        ("1.95", "1,95%"),
        ("-0.4", "-0,40%"),
    ],
)
def test_format_percent(value: str, expected: str) -> None:
    assert format_percent(Decimal(value)) == expected


# --- properties ------------------------------------------------------------------------------


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_format_integer_round_trips(n: int) -> None:
    text = format_integer(n)
    assert re.fullmatch(r"[1-9]?[0-9]{0,2}(\.[0-9]{3})*|0", text)
    assert parse_integer(text) == n
    assert parse_decimal(text) == n


@settings(deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_integer_round_trips_negatives(n: int) -> None:
    assert parse_integer(format_integer(n), minimum=None) == n


decimals = st.decimals(
    min_value=Decimal(-(10**12)),
    max_value=Decimal(10**12),
    allow_nan=False,
    allow_infinity=False,
    places=4,
)


@settings(deadline=None)
@given(decimals, st.booleans())
def test_format_decimal_round_trips(value: Decimal, trim: bool) -> None:
    text = format_decimal(value, trim=trim)
    assert parse_decimal(text) == round_half_up(value)


@settings(deadline=None)
@given(st.decimals(min_value=0, max_value=100, allow_nan=False, places=4))
def test_format_percent_round_trips(value: Decimal) -> None:
    assert parse_percent(format_percent(value)) == round_half_up(value)


@settings(deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=6))
def test_round_half_up_matches_exact_arithmetic(value: Decimal) -> None:
    result = round_half_up(value)
    # Independent reference: exact rationals, ties away from zero.
    scaled = abs(Fraction(value)) * 100
    magnitude = (scaled + Fraction(1, 2)).__floor__()
    expected = Fraction(magnitude if value >= 0 else -magnitude, 100)
    assert Fraction(result) == expected
    assert result == value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert result.as_tuple().exponent == -2
    assert abs(result - value) <= Decimal("0.005")


@settings(deadline=None)
@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_round_half_up_rounds_every_half_away_from_zero(cents: int) -> None:
    half = Decimal(cents) / 100 + (Decimal("0.005") if cents >= 0 else Decimal("-0.005"))
    step = Decimal("0.01") if cents >= 0 else Decimal("-0.01")
    assert round_half_up(half) == Decimal(cents) / 100 + step


@settings(deadline=None)
@given(st.text(max_size=40))
def test_parsers_either_answer_or_refuse_with_a_known_message(text: str) -> None:
    for parse in (parse_integer, parse_decimal, parse_percent):
        try:
            parse(text)
        except NumberParseError as error:
            assert error.key in catalogue()
            t(error.key, **error.params)


@settings(deadline=None)
@given(st.from_regex(r"[+-]?[0-9., %]{1,20}", fullmatch=True))
def test_number_like_text_is_answered_or_refused_with_a_known_message(text: str) -> None:
    for parse in (parse_integer, parse_decimal, parse_percent):
        try:
            value = parse(text)
        except NumberParseError as error:
            assert error.key in catalogue()
            t(error.key, **error.params)
        else:
            assert isinstance(value, int | Decimal)

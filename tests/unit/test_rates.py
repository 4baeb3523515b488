"""Rates, their change against last year, and totals, computed exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.numbers import format_decimal, format_percent, parse_percent, round_half_up
from bot.core.rates import balanced_rates, change, describe_change, rate, rate_matches, total
from bot.texts import catalogue


@pytest.mark.parametrize(
    ("part", "whole", "expected", "shown"),
    [
        # Figures of the seed report.
        (53, 591, "8.97", "8,97%"),
        (104, 637, "16.33", "16,33%"),
        (494, 538, "91.82", "91,82%"),
        (23523, 34194, "68.79", "68,79%"),
        (29, 36, "80.56", "80,56%"),  # the seed report says 80,55: it is wrong
        # Edges.
        (0, 591, "0.00", "0%"),
        (591, 591, "100.00", "100%"),
        (1, 3, "33.33", "33,33%"),
        (2, 3, "66.67", "66,67%"),
        (1, 8, "12.50", "12,50%"),
        (1, 800, "0.13", "0,13%"),  # 0.125 exactly: half up, not half even
        (3, 800, "0.38", "0,38%"),  # 0.375
        (1, 1600, "0.06", "0,06%"),  # 0.0625
        (7, 5, "140.00", "140%"),
        (Decimal("12.5"), 50, "25.00", "25%"),
        (Decimal("1.5"), Decimal("4.5"), "33.33", "33,33%"),
        (-1, 4, "-25.00", "-25%"),
    ],
)
def test_rate(part: int | Decimal, whole: int | Decimal, expected: str, shown: str) -> None:
    value = rate(part, whole)
    assert value == Decimal(expected)
    assert value is not None
    assert value.as_tuple().exponent == -2
    assert format_percent(value) == shown


@pytest.mark.parametrize("part", [0, 5, Decimal(0), Decimal("2.5")])
@pytest.mark.parametrize("whole", [0, Decimal(0), Decimal("0.00")])
def test_rate_of_nothing_is_none(part: int | Decimal, whole: int | Decimal) -> None:
    assert rate(part, whole) is None


def test_rate_is_exact_where_floats_are_not() -> None:
    # 0.145 * 100 in floats is 14.499999..., which a float-based rate rounds down.
    assert rate(Decimal("0.145"), 1) == Decimal("14.50")
    assert rate(145, 100000) == Decimal("0.15")


@pytest.mark.parametrize(
    ("current", "previous", "expected", "words"),
    [
        ("91.82", "89.87", "1.95", "tăng 1,95 điểm phần trăm"),
        ("89.47", "89.87", "-0.40", "giảm 0,40 điểm phần trăm"),
        ("91.82", "91.82", "0.00", "không thay đổi"),
        ("100", "98", "2.00", "tăng 2,00 điểm phần trăm"),
        ("0", "12.5", "-12.50", "giảm 12,50 điểm phần trăm"),
        ("68.79", "70", "-1.21", "giảm 1,21 điểm phần trăm"),
        # Rates are rounded as printed first, so the change matches the printed rates.
        ("91.824", "89.866", "1.95", "tăng 1,95 điểm phần trăm"),
        ("50.004", "49.996", "0.00", "không thay đổi"),
    ],
)
def test_change(current: str, previous: str, expected: str, words: str) -> None:
    delta = change(Decimal(current), Decimal(previous))
    assert delta == Decimal(expected)
    assert delta.as_tuple().exponent == -2
    assert describe_change(delta) == words


def test_change_of_the_seed_report_from_typed_rates() -> None:
    delta = change(parse_percent("91,82%"), parse_percent("89,87%"))
    assert describe_change(delta) == "tăng 1,95 điểm phần trăm"


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        ("1.95", "tăng 1,95 điểm phần trăm"),
        ("-0.4", "giảm 0,40 điểm phần trăm"),
        ("0", "không thay đổi"),
        ("0.00", "không thay đổi"),
        ("-0.00", "không thay đổi"),
        ("0.004", "không thay đổi"),  # rounds to zero
        ("-0.004", "không thay đổi"),
        ("0.005", "tăng 0,01 điểm phần trăm"),
        ("-0.005", "giảm 0,01 điểm phần trăm"),
        ("100", "tăng 100,00 điểm phần trăm"),
        ("-8.9678", "giảm 8,97 điểm phần trăm"),
    ],
)
def test_describe_change(delta: str, words: str) -> None:
    assert describe_change(Decimal(delta)) == words


def test_the_words_come_from_the_catalogue() -> None:
    texts = catalogue()
    assert texts["rate.increase"] == "tăng {value} điểm phần trăm"
    assert texts["rate.decrease"] == "giảm {value} điểm phần trăm"
    assert texts["rate.unchanged"] == "không thay đổi"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3], 6),
        ([1, None, 3], 4),
        ([None, None], None),
        ([], None),
        ([0], 0),
        ([None, 0], 0),
        ([Decimal("1.5"), 2, None], Decimal("3.5")),
        ([Decimal("0.1")] * 10, Decimal("1.0")),  # 0.1 ten times is exactly 1
        ([53, 441, 44], 538),
    ],
)
def test_total(values: list[int | Decimal | None], expected: int | Decimal | None) -> None:
    result = total(values)
    assert result == expected
    assert type(result) is type(expected)


def test_total_takes_any_iterable() -> None:
    assert total(v for v in (1, None, 2)) == 3


@settings(deadline=None)
@given(
    st.integers(min_value=1, max_value=10**9).flatmap(
        lambda whole: st.tuples(st.integers(min_value=0, max_value=whole), st.just(whole))
    )
)
def test_rate_is_a_percent_of_the_whole(case: tuple[int, int]) -> None:
    part, whole = case
    value = rate(part, whole)
    assert value is not None
    assert Decimal(0) <= value <= Decimal(100)
    assert value == round_half_up(Decimal(part) * 100 / Decimal(whole))
    # Never further than half a hundredth from the exact rate.
    assert abs(value * whole - Decimal(part) * 100) <= Decimal("0.005") * whole


@settings(deadline=None)
@given(
    st.decimals(min_value=0, max_value=100, places=2),
    st.decimals(min_value=0, max_value=100, places=2),
)
def test_change_is_the_exact_difference_of_rounded_rates(
    current: Decimal, previous: Decimal
) -> None:
    delta = change(current, previous)
    assert delta == current - previous
    words = describe_change(delta)
    if current > previous:
        assert words == f"tăng {format_decimal(current - previous)} điểm phần trăm"
    elif current < previous:
        assert words == f"giảm {format_decimal(previous - current)} điểm phần trăm"
    else:
        assert words == "không thay đổi"


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=10**9))))
def test_total_of_counts(values: list[int | None]) -> None:
    present = [v for v in values if v is not None]
    result = total(values)
    assert result == (sum(present) if present else None)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([1, 1, 1], ["33.34", "33.33", "33.33"]),
        ([3, 41, 193, 214, 87], ["0.56", "7.62", "35.87", "39.78", "16.17"]),
        ([0, 77, 448], ["0.00", "14.67", "85.33"]),
        ([5], ["100.00"]),
    ],
)
def test_balanced_rates(parts: list[int], expected: list[str]) -> None:
    assert balanced_rates(parts) == [Decimal(e) for e in expected]


def test_balanced_rates_of_nothing_is_none() -> None:
    assert balanced_rates([0, 0]) is None


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8))
def test_balanced_rates_add_up_to_exactly_100_and_stay_within_a_unit(parts: list[int]) -> None:
    shares = balanced_rates(parts)
    if sum(parts) == 0:
        assert shares is None
        return
    assert shares is not None
    assert sum(shares) == Decimal(100)
    for part, share in zip(parts, shares, strict=True):
        exact = Decimal(part) * 100 / sum(parts)
        assert abs(share - exact) < Decimal("0.01")


@pytest.mark.parametrize(
    ("stated", "places", "part", "total", "matches"),
    [
        ("91.82", 2, 494, 538, True),
        ("91.8", 1, 494, 538, True),
        ("92", 0, 494, 538, True),
        ("91.83", 2, 494, 538, False),
        ("91.8216", 4, 494, 538, True),
        ("91.8215", 4, 494, 538, False),
        ("0", 0, 5, 0, True),
    ],
)
def test_rate_matches_the_decimals_a_report_shows(
    stated: str, places: int, part: int, total: int, matches: bool
) -> None:
    assert rate_matches(Decimal(stated), places, part, total) is matches


def test_rate_matches_rounds_twice_only_below_two_decimals() -> None:
    # 12,345% exactly: rate() gives 12,35 (hence "12,4" is accepted as reports round it),
    # but with three decimals only the exact quotient rounded once counts.
    assert rate(12345, 100000) == Decimal("12.35")
    assert rate_matches(Decimal("12.4"), 1, 12345, 100000)
    assert rate_matches(Decimal("12.3"), 1, 12345, 100000)
    assert rate_matches(Decimal("12.345"), 3, 12345, 100000)
    assert not rate_matches(Decimal("12.350"), 3, 12345, 100000)


def test_rate_matches_rounds_the_exact_quotient_not_a_scaled_one() -> None:
    # 50000/123456791 is 0,04049999971…%: the figure checker's copy scaled it to 8
    # decimals first (0,04050000) and then accepted "0,041" and refused "0,040".
    assert rate_matches(Decimal("0.040"), 3, 50000, 123456791)
    assert not rate_matches(Decimal("0.041"), 3, 50000, 123456791)

"""Counts typed in Vietnamese words or with a unit after them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.number_words import strip_unit, words_to_integer
from bot.core.numbers import NumberParseError, parse_integer

ONES = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]


def spell_below_thousand(n: int, *, full: bool) -> list[str]:
    """How a careful writer spells 0 < n < 1000 (`full`: with "không trăm" when inside)."""
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [ONES[hundreds], "trăm"]
    if tens == 0:
        if ones:
            words += (["linh"] if words else []) + [ONES[ones]]
        return words
    words += ["mười"] if tens == 1 else [ONES[tens], "mươi"]
    if ones == 1:
        words.append("một" if tens == 1 else "mốt")
    elif ones == 5:
        words.append("lăm")
    elif ones:
        words.append(ONES[ones])
    return words


def spell(n: int) -> str:
    """An independent speller for the round trip below."""
    if n == 0:
        return "không"
    words: list[str] = []
    for word, scale in (("tỷ", 10**9), ("triệu", 10**6), ("nghìn", 10**3), ("", 1)):
        group = n // scale % 1000 if scale < 10**9 else n // scale
        if group:
            words += spell_below_thousand(group, full=bool(words))
            if word:
                words.append(word)
    return " ".join(words)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("năm mươi ba", 53),
        ("Năm Mươi Ba", 53),
        ("mười", 10),
        ("mười lăm", 15),
        ("mười một", 11),
        ("hai mươi mốt", 21),
        ("hai mươi tư", 24),
        ("hai mươi bốn", 24),
        ("một trăm linh năm", 105),
        ("một trăm lẻ năm", 105),
        ("năm trăm ba mươi tám", 538),
        ("sáu trăm ba mươi bảy", 637),
        ("một nghìn không trăm hai mươi tư", 1024),
        ("hai nghìn rưỡi", 2500),
        ("hai mươi ba nghìn năm trăm hai mươi ba", 23523),
        ("ba mươi tư ngàn một trăm chín mươi tư", 34194),
        ("5 triệu", 5_000_000),
        ("1 nghìn 2 trăm", 1200),
        ("không", 0),
    ],
)
def test_words_to_integer(text: str, expected: int) -> None:
    assert words_to_integer(text) == expected
    assert parse_integer(text) == expected


@pytest.mark.parametrize(
    "text", ["mười mốt", "trăm", "hai mươi mươi", "năm mươi ba con mèo", "một hai", "abc", "53"]
)
def test_what_is_not_a_number_in_words_is_none(text: str) -> None:
    assert words_to_integer(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("53 HV", 53), ("53 hv", 53), ("538 học viên", 538), ("1.234 người", 1234), ("12 lớp", 12)],
)
def test_a_unit_after_a_count_is_dropped(text: str, expected: int) -> None:
    assert parse_integer(text) == expected


def test_the_question_own_unit_is_dropped() -> None:
    assert parse_integer("42 đồ dùng", units=("đồ dùng",)) == 42
    with pytest.raises(NumberParseError):
        parse_integer("42 đồ dùng")


@pytest.mark.parametrize("text", ["53 tỷ đồng", "năm mươi ba con mèo", "HV", "-5 HV"])
def test_other_words_are_still_refused(text: str) -> None:
    with pytest.raises(NumberParseError):
        parse_integer(text)


def test_strip_unit_leaves_other_text_alone() -> None:
    assert strip_unit("53 HV") == "53"
    assert strip_unit("53 con mèo") == "53 con mèo"


@given(st.integers(min_value=0, max_value=999_999_999_999))
def test_every_spelled_number_reads_back(n: int) -> None:
    assert words_to_integer(spell(n)) == n


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sáu em", 6),
        ("Sáu em", 6),
        ("năm mươi ba học viên", 53),
        ("hai lớp", 2),
        ("mười hai trường", 12),
        ("ba giáo viên", 3),
        ("bốn người", 4),
    ],
)
def test_a_count_in_words_followed_by_a_unit_reads_as_the_words_alone(
    text: str, expected: int
) -> None:
    assert parse_integer(text) == expected


@given(
    st.integers(min_value=0, max_value=999_999),
    st.sampled_from(["em", "học viên", "người", "lớp", "trường", "giáo viên", "HV"]),
)
def test_every_spelled_count_with_a_unit_reads_back(n: int, unit: str) -> None:
    assert parse_integer(f"{spell(n)} {unit}") == n
    assert parse_integer(f"{n} {unit}") == n

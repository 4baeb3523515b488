"""The shared text rules of bot/core/text.py, on the functions every caller imports."""

from __future__ import annotations

import unicodedata

import pytest

from bot.core.text import fold, short, year_text, yes_or_no
from bot.figure_check.findings import shorten


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Không", "khong"),
        ("ĐÚNG", "dung"),
        ("đồng ý", "dong y"),
        ("  Từ TB   trở lên ", "tu tb tro len"),
        ("Bỏ\tqua", "bo qua"),
        ("", ""),
        # Plain ASCII takes a shorter path, with the same result.
        ("  OK\t YES\n", "ok yes"),
        ("/TIEP  2", "/tiep 2"),
        # Longer than the texts remembered.
        ("Năm học " * 20, " ".join(["nam hoc"] * 20)),
    ],
)
def test_fold_drops_case_marks_and_extra_spaces(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_fold_gives_the_same_text_when_asked_again() -> None:
    # The second call of a short text comes from memory.
    assert [fold("Hoàn thành PHẦN") for _ in range(3)] == ["hoan thanh phan"] * 3


def test_fold_reads_decomposed_and_composed_text_alike() -> None:
    # Text pasted from some keyboards arrives decomposed (NFD); "Đ" has no decomposition.
    assert fold(unicodedata.normalize("NFD", "Hủy Đơn")) == fold("Hủy Đơn") == "huy don"


@pytest.mark.parametrize(
    ("year", "shown"),
    [("2020-2021", "2020 - 2021"), ("2025-2026", "2025 - 2026"), ("2025", "2025")],
)
def test_year_text_spaces_the_dash_as_reports_write_it(year: str, shown: str) -> None:
    assert year_text(year) == shown


@pytest.mark.parametrize(
    "typed",
    # The words of every former copy: yes/no questions, two-button choices, spreadsheet previews.
    ["có", "C", "yes", "Y", "Đúng", "ừ", "uh", "OK", "đồng ý", "1", "Có!", "có."],
)
def test_yes_words(typed: str) -> None:
    assert yes_or_no(typed) is True


@pytest.mark.parametrize("typed", ["không", "K", "ko", "kh", "no", "N", "Không có", "2", "Ko."])
def test_no_words(typed: str) -> None:
    assert yes_or_no(typed) is False


@pytest.mark.parametrize("typed", ["3", "có lẽ", "điền", "hủy", "bỏ qua", "", "-"])
def test_other_words_are_neither(typed: str) -> None:
    assert yes_or_no(typed) is None


def test_a_caller_adds_its_own_words() -> None:
    fill, cancel = frozenset({"dien"}), frozenset({"huy", "bo qua"})
    assert yes_or_no("Điền", yes=fill, no=cancel) is True
    assert yes_or_no("Bỏ qua", yes=fill, no=cancel) is False
    assert yes_or_no("có", yes=fill, no=cancel) is True


def test_a_label_is_cut_after_a_whole_word_never_inside_a_syllable() -> None:
    assert short("Công tác quản lý của lãnh đạo trung tâm", 20) == "Công tác quản lý…"
    assert short("  Công  tác\nquản lý ", 40) == "Công tác quản lý"  # one line, as typed
    # A cut that falls at a word's end keeps that word.
    assert short("aaaa bbbb cccc dddd eeee", 15) == "aaaa bbbb cccc…"


def test_the_figure_checks_context_is_cut_by_the_same_rule() -> None:
    text = "aaaa bbbb cccc dddd eeee, Công tác quản lý của lãnh đạo"
    for limit in (15, 20, 33, 80):
        assert shorten(text, limit) == short(text, limit)

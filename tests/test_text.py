"""The shared text rules of bot/core/text.py, on the functions every caller imports."""

from __future__ import annotations

import unicodedata

import pytest

from bot.core.text import fold, year_text


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Không", "khong"),
        ("ĐÚNG", "dung"),
        ("đồng ý", "dong y"),
        ("  Từ TB   trở lên ", "tu tb tro len"),
        ("Bỏ\tqua", "bo qua"),
        ("", ""),
    ],
)
def test_fold_drops_case_marks_and_extra_spaces(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_fold_reads_decomposed_and_composed_text_alike() -> None:
    # Text pasted from some keyboards arrives decomposed (NFD); "Đ" has no decomposition.
    assert fold(unicodedata.normalize("NFD", "Hủy Đơn")) == fold("Hủy Đơn") == "huy don"


@pytest.mark.parametrize(
    ("year", "shown"),
    [("2020-2021", "2020 - 2021"), ("2025-2026", "2025 - 2026"), ("2025", "2025")],
)
def test_year_text_spaces_the_dash_as_reports_write_it(year: str, shown: str) -> None:
    assert year_text(year) == shown

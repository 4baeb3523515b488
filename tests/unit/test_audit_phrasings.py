"""Audit of phrasings real reports use, and of text copied from a PDF (issue 14, item 20).

A PDF breaks sentences where its lines end, and a copy may hold blank lines between the
pieces: every fixture sentence, broken that way, must give what it gives whole.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.figure_check import AuditReport, audit_blocks, audit_path
from bot.figure_check.source import read_text

FIXTURES = Path(__file__).parents[1] / "fixtures" / "audit"


def _lines(name: str) -> list[str]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _audit(text: str) -> AuditReport:
    return audit_blocks(read_text(text), "test.txt")


def _found(report: AuditReport) -> list[tuple[str, str, str]]:
    return [(f.kind, f.stated, f.expected) for f in report.findings]


def _as_from_pdf(sentence: str, width: int) -> str:
    """`sentence` broken at `width` characters, a blank line after every other piece."""
    pieces = textwrap.wrap(sentence, width, break_long_words=False, break_on_hyphens=False)
    return "".join(piece + ("\n\n" if i % 2 else "\n") for i, piece in enumerate(pieces))


@pytest.mark.parametrize(
    "sentence", _lines("correct.txt") + _lines("wrong.txt") + _lines("unchecked.txt")
)
def test_a_sentence_broken_across_lines_reads_as_whole(sentence: str) -> None:
    whole = _audit(sentence)
    for width in range(20, 80, 7):
        broken = _audit(_as_from_pdf(sentence, width))
        assert (broken.checked, _found(broken)) == (whole.checked, _found(whole)), width


def test_report_copied_from_a_pdf_raises_nothing() -> None:
    report = audit_path(FIXTURES / "pdf-copy.txt")
    assert report.findings == []
    # 18 = 4 + 1 + 13; two rates; 798 = 619 + 179; 847/959 and 847 ≤ 959; 2.270 ≤ 2.279;
    # 36 and 10 ≤ 56 (the list goes on in the next line, which starts a new sentence).
    assert report.checked == 9


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # The parts go on in the next line: read whole, not "18 ≠ 4 + 1".
        ("Có 18 người, trong đó: 4 cán bộ quản lý, 1 kế toán và\n\n13 giáo viên.", []),
        (
            "Có 18 người, trong đó: 4 cán bộ quản lý, 1 kế toán và\n\n14 giáo viên.",
            [("total", "18", "19")],
        ),
        # A list cut at the end of a paragraph is not judged short of its total...
        ("Có 18 người, trong đó: 4 cán bộ quản lý, 1 kế toán\nGiáo viên: 13 người.", []),
        # ...but parts over the total are wrong wherever the list goes on.
        (
            "Có 18 người, trong đó: 14 cán bộ quản lý, 5 kế toán\nGiáo viên: 13 người.",
            [("total", "18", "19")],
        ),
        # A rate broken from its ratio.
        ("tỉ lệ nghỉ bỏ học là 53/591 (chiếm tỉ lệ\n\n8,79%).", [("rate", "8,79%", "8,97%")]),
    ],
)
def test_broken_lists_and_rates(text: str, found: list[tuple[str, str, str]]) -> None:
    assert _found(_audit(text)) == found


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ("Tổng số học viên 959, trong đó xếp loại tốt 847 em đạt 88,32%.", []),
        (
            "Tổng số học viên 959, trong đó xếp loại tốt 847 em đạt 89,32%.",
            [("rate", "89,32%", "88,32%")],
        ),
        # Over the learners ranked (the total less "không xếp loại") is right too.
        ("Tổng số 538 HV, trong đó: 13 HV không xếp loại, 525 HV đạt tỉ lệ 100%.", []),
        # A bare rate after a part may be anything: not read.
        ("Tổng số học viên 959, trong đó xếp loại tốt 847 em 89,32%.", []),
        ("Có 312 trên tổng số 320 học viên tốt nghiệp, chiếm tỉ lệ 97,5%.", []),
        (
            "Có 312 trên tổng số 320 học viên tốt nghiệp, chiếm tỉ lệ 95,5%.",
            [("rate", "95,5%", "97,5%")],
        ),
    ],
)
def test_part_of_a_total_with_its_rate(sentence: str, found: list[tuple[str, str, str]]) -> None:
    report = _audit(sentence)
    assert _found(report) == found

"""Hostile input to the audit (issue 17): it stays linear, bounded and refuses clearly.

The time test compares the audit of N and 4N repetitions by the best of several CPU-time
runs: a linear audit takes about 4 times as long, a quadratic one 16 times.
"""

from __future__ import annotations

import time

import pytest

from bot.audit import audit_blocks
from bot.audit.source import read_text


def _cpu_seconds(text: str, *, runs: int = 5, enough: float = 0.0) -> float:
    """The best CPU time of `runs` audits of `text`, stopping at one within `enough`."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        audit_blocks(read_text(text), "x.txt")
        best = min(best, time.process_time() - started)
        if best <= enough:
            break
    return best


@pytest.mark.parametrize(
    "unit",
    [
        "tăng 1% ",
        "Tổng số lớp: 2 (công lập: 1; ngoài công lập: 1) ",
        "Tỉ lệ 91,82%, năm học trước 89,87%, tăng 1,95% và tăng1% ",
    ],
)
def test_audit_of_one_long_paragraph_is_linear(unit: str) -> None:
    small = _cpu_seconds(unit * 1_000)
    # 4 times the text: about 4 times the time when linear, 16 when quadratic.
    bound = 8 * max(small, 0.002)
    large = _cpu_seconds(unit * 4_000, runs=3, enough=bound)
    assert large < bound, (small, large)

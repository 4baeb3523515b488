"""Values the store hands back on its hot path: copies of a period's answers, moments read."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.store.answers_cache import PeriodAnswers
from bot.store.prepared import _sqlite_aware, _sqlite_aware_result


def test_a_copy_of_a_periods_answers_is_equal_and_changes_apart() -> None:
    kept = PeriodAnswers({"a": 1}, {"s"}, {"f"}, {"c"}, stored={"a", "s"})
    taken = kept.copy()
    assert taken == kept
    taken.values["b"] = 2
    for name in ("skipped", "finished", "confirmed", "stored"):
        getattr(taken, name).add("new")
    assert kept == PeriodAnswers({"a": 1}, {"s"}, {"f"}, {"c"}, stored={"a", "s"})


def test_a_moment_read_back_is_the_instant_written_in_utc_every_time() -> None:
    hanoi = datetime(2026, 12, 7, 13, 5, 9, 120, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    text = _sqlite_aware(hanoi)
    assert text == "2026-12-07 06:05:09.000120"
    for _ in range(2):  # the second read is the remembered one
        read = _sqlite_aware_result(text)
        assert read == hanoi and read is not None and read.tzinfo is UTC
    assert _sqlite_aware_result("2026-12-07 06:05:10.000000") == datetime(
        2026, 12, 7, 6, 5, 10, tzinfo=UTC
    )
    assert _sqlite_aware_result(None) is None

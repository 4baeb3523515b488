"""The figures of running text: "a/b ... x%", totals with their parts, "Tăng x%".

Each finder records every figure it checks in a `Tally`. A pattern that could be read
two ways is skipped: a correct figure must never be reported.
"""

from __future__ import annotations

import re

from bot.core.rates import rate_matches
from bot.core.text import fold
from bot.figure_check.clauses import ClauseIndex
from bot.figure_check.figures import (
    COUNT,
    Percent,
    change_matches,
    count_of,
    expected_change,
    expected_rate,
    percent_of,
    shown_count,
)
from bot.figure_check.findings import Finding, Tally, clause_around
from bot.figure_check.parts import check_parts
from bot.texts import t

__all__ = ["check_paragraph"]

# "53/591 (chiếm tỉ lệ 8,97%": a ratio, words without figures, then the rate.
_RATIO_THEN_RATE = re.compile(
    rf"(?<![\w/.,])(?P<a>{COUNT})\s*/\s*(?P<b>{COUNT})(?![\w/]|[.,]\d)"
    r"(?P<gap>[^\d;%\n/]{0,80}?)(?P<pct>\d+(?:[.,]\d+)?\s*%)"
)
# "312 trên tổng số 320 học viên, đạt tỉ lệ 97,5%": the same ratio in words.
_PART_ON_TOTAL_THEN_RATE = re.compile(
    rf"(?<![\w/.,])(?P<a>{COUNT})(?![\w/%]|[.,]\d)[^\d;%\n/]{{0,40}}?\btrên\s+tổng(?:\s+số)?\s+"
    rf"(?P<b>{COUNT})(?![\w/]|[.,]\d)(?P<gap>[^\d;%\n/]{{0,80}}?)(?P<pct>\d+(?:[.,]\d+)?\s*%)",
    re.IGNORECASE,
)
# "đạt 99,73% (3737/3747)": the rate, then the ratio in brackets.
_RATE_THEN_RATIO = re.compile(
    rf"(?<![\w.,])(?P<pct>\d+(?:[.,]\d+)?\s*%)\s*\(\s*(?P<a>{COUNT})\s*/\s*(?P<b>{COUNT})"
    r"(?![\w/]|[.,]\d)[^\d()]{0,40}\)"
)
# "tăng 1,95%" after two rates of the same sentence.
_CHANGE = re.compile(r"(?<!\w)(?P<word>tăng|giảm)\s*(?P<x>\d+(?:[.,]\d+)?)\s*%", re.IGNORECASE)
_DATE_WORDS = ("ngày", "tháng", "năm")


def check_paragraph(text: str, tally: Tally) -> None:
    """Checks every figure of a paragraph that the patterns read without doubt."""
    index = ClauseIndex(text)
    _ratios(text, tally)
    check_parts(text, index, tally)
    _changes(text, index, tally)


# -- "a/b ... x%" ---------------------------------------------------------------------------


def _ratios(text: str, tally: Tally) -> None:
    used: list[tuple[int, int]] = []
    for pattern in (_RATIO_THEN_RATE, _PART_ON_TOTAL_THEN_RATE):
        for match in pattern.finditer(text):
            if re.search(r"[.!?]\s", match.group("gap")):
                continue
            if _check_ratio(text, match, tally):
                used.append(match.span("pct"))
    for match in _RATE_THEN_RATIO.finditer(text):
        if match.span("pct") not in used:
            _check_ratio(text, match, tally)


def _check_ratio(text: str, match: re.Match[str], tally: Tally) -> bool:
    before = fold(text[max(0, match.start() - 12) : match.start()])
    if any(fold(word) in before.split() for word in _DATE_WORDS):
        return False
    part, total = count_of(match.group("a")), count_of(match.group("b"))
    stated = percent_of(match.group("pct"))
    if part is None or total is None or stated is None or total == 0 or part > total:
        return False
    if _school_year(match.group("a"), match.group("b"), part, total):
        return False
    finding = None
    if not rate_matches(stated.value, stated.places, part, total):
        expected = expected_rate(stated, part, total)
        finding = Finding(
            kind="rate",
            context=clause_around(text, match.start(), match.end()),
            stated=_flat(match.group("pct")),
            expected=expected,
            message=t(
                "audit.rate",
                stated=_flat(match.group("pct")),
                part=shown_count(part),
                total=shown_count(total),
                expected=expected,
            ),
        )
    tally.record(finding)
    return True


def _school_year(first: str, second: str, part: int, total: int) -> bool:
    """True for "2020/2021": two bare four-digit years in a row, not "1.900/1.901" learners."""
    bare = re.fullmatch(r"\d{4}", first.strip()) and re.fullmatch(r"\d{4}", second.strip())
    return bool(bare) and 1900 <= part <= 2100 and total == part + 1


# -- "Tăng x%" beside two rates --------------------------------------------------------------


def _changes(text: str, index: ClauseIndex, tally: Tally) -> None:
    last_pair: tuple[int, int] = (-1, -1)
    between = ""
    crowded = -1  # a clause already holding more than two rates: every later change skips
    for match in _CHANGE.finditer(text):
        sentence_start = index.clause_start(match.start())
        if sentence_start == crowded:
            continue
        rates = index.rates_between(sentence_start, match.start())
        if len(rates) > 2:
            crowded = sentence_start
        if len(rates) != 2 or index.has_ratio(sentence_start, match.start()):
            continue
        first, second = (percent_of(r.group(0)) for r in rates)
        stated = percent_of(f"{match.group('x')}%")
        if first is None or second is None or stated is None:
            continue
        if last_pair != (rates[0].start(), rates[1].start()):
            # Several changes may follow the same two rates: the words between are read once.
            last_pair = (rates[0].start(), rates[1].start())
            between = fold(text[rates[0].end() : rates[1].start()])
        if "truoc" in between or "cung ky" in between:
            current, previous, signed = first, second, True
        else:
            # Which rate is this year's is not said: only the size is checked.
            current, previous, signed = first, second, False
        value = -stated.value if fold(match.group("word")) == "giam" else stated.value
        claim = Percent(value if signed else stated.value, stated.places)
        finding = None
        if not change_matches(claim, signed, current, previous):
            expected = expected_change(current, previous)
            written = _flat(match.group(0))
            finding = Finding(
                kind="change",
                context=clause_around(text, rates[0].start(), match.end()),
                stated=written,
                expected=expected,
                message=t(
                    "audit.change",
                    stated=written,
                    current=_flat(rates[0].group(0)),
                    previous=_flat(rates[1].group(0)),
                    expected=expected,
                ),
            )
        tally.record(finding)


def _flat(text: str) -> str:
    return " ".join(text.split())

"""The figures of running text: "a/b ... x%", totals with their parts, "Tăng x%".

Each finder records every figure it checks in a `Tally`. A pattern that could be read
two ways is skipped: a correct figure must never be reported.
"""

from __future__ import annotations

import re

from bot.audit.clauses import ClauseIndex
from bot.audit.figures import (
    COUNT,
    Percent,
    change_matches,
    count_of,
    expected_change,
    expected_rate,
    fold,
    percent_of,
    rate_matches,
    shown_count,
)
from bot.audit.findings import Finding, Tally, clause_around
from bot.texts import t

__all__ = ["check_paragraph"]

# A count standing alone: not part of a date (24/3/2014), a code (3-4T) or a rate.
_ALONE = r"(?<![\w/.,\-])(?:{n})(?![\w/%\-]|[.,]\d)"
_COUNT_ALONE = re.compile(_ALONE.format(n=COUNT))

# "53/591 (chiếm tỉ lệ 8,97%": a ratio, words without figures, then the rate.
_RATIO_THEN_RATE = re.compile(
    rf"(?<![\w/.,])(?P<a>{COUNT})\s*/\s*(?P<b>{COUNT})(?![\w/]|[.,]\d)"
    r"(?P<gap>[^\d;%\n/]{0,80}?)(?P<pct>\d+(?:[.,]\d+)?\s*%)"
)
# "đạt 99,73% (3737/3747)": the rate, then the ratio in brackets.
_RATE_THEN_RATIO = re.compile(
    rf"(?<![\w.,])(?P<pct>\d+(?:[.,]\d+)?\s*%)\s*\(\s*(?P<a>{COUNT})\s*/\s*(?P<b>{COUNT})"
    r"(?![\w/]|[.,]\d)[^\d()]{0,40}\)"
)
# "Tổng số lớp: 429 (công lập: 192; ngoài công lập: 237)", "1025 (Trong đó Nhà trẻ 200 ...)".
_TOTAL_THEN_PARTS = re.compile(
    rf"(?<![\w/.,])(?P<total>{COUNT})(?![\w/%]|[.,]\d)"
    r"(?P<unit>\s*[^\W\d][^\d()\n;:]{0,25}?)?\s*\((?P<inner>[^()\n]+)\)"
)
# "có 56 người, trong đó: Viên chức biên chế hiện có là 36 người và 20 người HĐLĐ."
_TOTAL_THEN_IN_WHICH = re.compile(
    rf"(?<![\w/.,])(?P<total>{COUNT})(?![\w/%]|[.,]\d)(?P<mid>[^\d;()\n]{{0,60}}?),?\s*"
    r"trong đó\s*(?P<colon>:)?(?P<rest>(?:[^.;\n()]|\.(?=\d))+)",
    re.IGNORECASE,
)
_LABELLED_PART = re.compile(rf"^[^\d:]+:\s*(?:{COUNT})\s*$")
_PART_SPLIT = re.compile(r"\s+và\s+|,\s*|;", re.IGNORECASE)
# "tăng 1,95%" after two rates of the same sentence.
_CHANGE = re.compile(r"(?<!\w)(?P<word>tăng|giảm)\s*(?P<x>\d+(?:[.,]\d+)?)\s*%", re.IGNORECASE)
_DATE_WORDS = ("ngày", "tháng", "năm")


def check_paragraph(text: str, tally: Tally) -> None:
    """Checks every figure of a paragraph that the patterns read without doubt."""
    index = ClauseIndex(text)
    _ratios(text, tally)
    _parts(text, index, tally)
    _changes(text, index, tally)


# -- "a/b ... x%" ---------------------------------------------------------------------------


def _ratios(text: str, tally: Tally) -> None:
    used: list[tuple[int, int]] = []
    for match in _RATIO_THEN_RATE.finditer(text):
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
    if not rate_matches(stated, part, total):
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


# -- totals and their parts -----------------------------------------------------------------


def _parts(text: str, index: ClauseIndex, tally: Tally) -> None:
    for match in _TOTAL_THEN_PARTS.finditer(text):
        _check_bracketed(text, match, index, tally)
    for match in _TOTAL_THEN_IN_WHICH.finditer(text):
        _check_in_which(text, match, tally)


def _single_count(part: str) -> int | None:
    """The one count a part holds, or None when it holds none, several, a rate or a ratio."""
    if "%" in part or re.search(r"\d\s*/\s*\d", part):
        return None
    found = _COUNT_ALONE.findall(part)
    if len(found) != 1:
        return None
    return count_of(found[0])


def _check_bracketed(text: str, match: re.Match[str], index: ClauseIndex, tally: Tally) -> None:
    inner = match.group("inner").strip()
    folded = fold(inner)
    in_which = folded.startswith("trong do")
    if in_which:
        inner = re.sub(r"^\S+\s+\S+\s*:?\s*", "", inner)
    pieces = [p for p in inner.split(";") if p.strip()]
    if len(pieces) < 2:
        return
    if not in_which:
        # Labelled parts ("công lập: 17") after a "Tổng ..." of the same clause only.
        start = index.clause_start(match.start())
        if not index.names_total(start, match.start()) or not all(
            _LABELLED_PART.match(p.strip()) for p in pieces
        ):
            return
    counts = [_single_count(p) for p in pieces]
    total = count_of(match.group("total"))
    if total is None or any(c is None for c in counts):
        return
    _record_sum(text, match, total, [c for c in counts if c is not None], tally)


def _check_in_which(text: str, match: re.Match[str], tally: Tally) -> None:
    total = count_of(match.group("total"))
    pieces = [p for p in _PART_SPLIT.split(match.group("rest")) if p and p.strip()]
    counts = [_single_count(p) for p in pieces]
    if total is None or not counts or any(c is None for c in counts):
        return
    values = [c for c in counts if c is not None]
    if match.group("colon") and len(values) >= 2:
        # "trong đó:" enumerates the whole: the parts must add up.
        _record_sum(text, match, total, values, tally)
        return
    # Without the colon the parts may overlap ("trong đó 30 nữ, 12 đảng viên"): each is
    # only checked against the total.
    for value in values:
        finding = None
        if value > total:
            finding = Finding(
                kind="part",
                context=clause_around(text, match.start(), match.end()),
                stated=shown_count(value),
                expected=f"≤ {shown_count(total)}",
                message=t("audit.part", stated=shown_count(value), total=shown_count(total)),
            )
        tally.record(finding)


def _record_sum(
    text: str, match: re.Match[str], total: int, parts: list[int], tally: Tally
) -> None:
    expected = sum(parts)
    finding = None
    if expected != total:
        finding = Finding(
            kind="total",
            context=clause_around(text, match.start(), match.end()),
            stated=shown_count(total),
            expected=shown_count(expected),
            message=t(
                "audit.total",
                stated=shown_count(total),
                parts=" + ".join(shown_count(p) for p in parts),
                expected=shown_count(expected),
            ),
        )
    tally.record(finding)


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

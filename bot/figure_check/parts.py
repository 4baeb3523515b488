"""Totals and their parts in running text, and the rate a part is given of its total.

"Tổng số lớp: 429 (công lập: 192; ngoài công lập: 237)": the parts add up to the total.
"có 56 người, trong đó: 36 viên chức và 20 người HĐLĐ": with the colon the list is the
whole; without it ("trong đó 30 nữ, 12 đảng viên") each part is only checked against the
total. "Tổng số học viên 959, trong đó xếp loại tốt 847 em đạt 88,32%": the rate of a
part is checked against the total it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.rates import rate_matches
from bot.core.text import fold
from bot.figure_check.clauses import ClauseIndex
from bot.figure_check.figures import (
    COUNT,
    PERCENT,
    count_of,
    expected_rate,
    percent_of,
    shown_count,
)
from bot.figure_check.findings import Finding, Tally, clause_around
from bot.texts import t

__all__ = ["check_parts"]

# A count standing alone: not part of a date (24/3/2014), a code (3-4T) or a rate.
_COUNT_ALONE = re.compile(rf"(?<![\w/.,\-])(?:{COUNT})(?![\w/%\-]|[.,]\d)")
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
# Parts are split at "và", a comma or a semicolon, not at the decimal comma of "88,32%".
_PART_SPLIT = re.compile(r"\s+và\s+|,(?!\d)\s*|;", re.IGNORECASE)
# The rate a part is given: "đạt 88,32%", "chiếm tỉ lệ 88,32%", "đạt tỷ lệ: 88,32%",
# "tỉ lệ 88,32%". A bare "88,32%" is not read: it may be anything.
_PART_RATE = re.compile(
    rf"(?:^|\s)(?:(?:đạt|chiếm)(?:\s+t[ỉỷ]\s+lệ)?|t[ỉỷ]\s+lệ)\s*:?\s*(?P<pct>{PERCENT})\s*$",
    re.IGNORECASE,
)


# A finding quotes the total with its part when they are this close, else the part alone:
# a quote never grows with the length of the list.
_CLOSE = 160


@dataclass
class _Part:
    count: int
    start: int  # where the part stands in the paragraph
    end: int
    rate: str = ""  # the rate as written, when the part is given one


def _context(text: str, start: int, part: _Part) -> str:
    """The clause quoting the total at `start` and `part`, or `part` alone when far."""
    begin = start if part.end - start <= _CLOSE else part.start
    return clause_around(text, begin, part.end)


def check_parts(text: str, index: ClauseIndex, tally: Tally) -> None:
    """Checks the totals of a paragraph against their parts, and the parts' rates."""
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


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of text[start:end] between the separators of a list."""
    spans = []
    for separator in _PART_SPLIT.finditer(text, start, end):
        spans.append((start, separator.start()))
        start = separator.end()
    spans.append((start, end))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _read_parts(text: str, match: re.Match[str]) -> list[_Part] | None:
    """The parts listed after "trong đó", each with its rate when one is given ("847 em
    đạt 88,32%", or "847 em, chiếm tỉ lệ 88,32%" split at the comma); None when a piece
    is anything else."""
    parts: list[_Part] = []
    for start, end in _pieces(text, *match.span("rest")):
        piece = text[start:end]
        rated = _PART_RATE.search(piece)
        head = piece[: rated.start()] if rated else piece
        if rated and not head.strip():
            # A rate alone belongs to the part before it.
            if not parts or parts[-1].rate:
                return None
            parts[-1].rate = rated.group("pct")
            parts[-1].end = end
            continue
        count = _single_count(head)
        if count is None:
            return None
        parts.append(_Part(count, start, end, rated.group("pct") if rated else ""))
    return parts


def _check_in_which(text: str, match: re.Match[str], tally: Tally) -> None:
    total = count_of(match.group("total"))
    parts = _read_parts(text, match)
    if total is None or not parts:
        return
    values = [p.count for p in parts]
    for position, part in enumerate(parts):
        if part.rate:
            # A short list only: another part taken out of the total is the few learners
            # "không xếp loại", and trying each of a long list would be quadratic.
            others = values[:position] + values[position + 1 :] if len(values) <= 8 else []
            _check_part_rate(text, match, part, total, others, tally)
    # A list running to the end of a paragraph that does not end its sentence may go on
    # elsewhere (a table, a line not joined): a sum short of the total is not judged.
    cut = match.end() == len(text.rstrip())
    if match.group("colon") and len(values) >= 2 and not (cut and sum(values) < total):
        # "trong đó:" enumerates the whole: the parts must add up.
        _record_sum(text, match, total, values, tally)
        return
    # Without the colon the parts may overlap ("trong đó 30 nữ, 12 đảng viên"): each is
    # only checked against the total.
    for part in parts:
        finding = None
        if part.count > total:
            shown = shown_count(part.count)
            finding = Finding(
                kind="part",
                context=_context(text, match.start(), part),
                stated=shown,
                expected=f"≤ {shown_count(total)}",
                message=t("audit.part", stated=shown, total=shown_count(total)),
            )
        tally.record(finding)


def _check_part_rate(
    text: str, match: re.Match[str], part: _Part, total: int, others: list[int], tally: Tally
) -> None:
    """A part's rate against the total; a rate over the total less another part listed
    (the learners ranked, when "không xếp loại" is listed too) is right as well."""
    stated = percent_of(part.rate)
    if stated is None or total <= 0 or part.count > total:
        return
    bases = [total, *(total - other for other in others)]
    finding = None
    if not any(
        rate_matches(stated.value, stated.places, part.count, base)
        for base in bases
        if base >= part.count
    ):
        expected = expected_rate(stated, part.count, total)
        written = " ".join(part.rate.split())
        finding = Finding(
            kind="rate",
            context=_context(text, match.start(), part),
            stated=written,
            expected=expected,
            message=t(
                "audit.rate",
                stated=written,
                part=shown_count(part.count),
                total=shown_count(total),
                expected=expected,
            ),
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
            # A long list is quoted from its total on, not whole.
            context=clause_around(text, match.start(), min(match.end(), match.start() + _CLOSE)),
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

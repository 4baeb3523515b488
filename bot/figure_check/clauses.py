"""Where the clauses of a paragraph start, and what each holds, found in one pass.

The finders ask, for a figure at a position, where its clause starts, how many rates stand
before it in that clause and whether the clause names a total. Scanning the text before
each figure again would make a paragraph of many figures quadratic (one paragraph of
"tăng 1% " repeated 16 000 times took over a minute); this index answers each question by
bisection over positions found once.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from bot.core.text import fold

__all__ = ["SENTENCE_END", "ClauseIndex"]

# Where a clause ends: a full stop before a space, a semicolon or a line break.
SENTENCE_END = re.compile(r"[.!?](?=\s)|;|\n")
# A rate as a token of running text: "8,97%", "91.82 %".
PERCENT_TOKEN = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*%")
# A ratio sign between digits ("53/591", "24/3/2014"): the digit after the slash is only
# looked at, so that "24/3/2014" yields both of its slashes.
_RATIO_MARK = re.compile(r"\d\s*/(?=(\s*\d))")
_WORD = re.compile(r"\S+")


class ClauseIndex:
    """Clause starts, rate tokens and ratio marks of one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._ends = [m.end() for m in SENTENCE_END.finditer(text)]
        self.rates = list(PERCENT_TOKEN.finditer(text))
        self._rate_starts = [m.start() for m in self.rates]
        marks = list(_RATIO_MARK.finditer(text))
        self._mark_starts = [m.start() for m in marks]
        self._mark_ends = [m.end(1) + 1 for m in marks]
        # The end of the first "tổng" word of a clause, by clause start; filled on demand.
        self._total_word: dict[int, int | None] = {}

    def clause_start(self, position: int) -> int:
        """Where the clause holding `position` starts (after the last boundary before it)."""
        index = bisect_right(self._ends, position)
        return self._ends[index - 1] if index else 0

    def rates_between(self, start: int, end: int) -> list[re.Match[str]]:
        """The rate tokens lying wholly inside text[start:end]."""
        first = bisect_left(self._rate_starts, start)
        last = first
        while last < len(self.rates) and self.rates[last].end() <= end:
            last += 1
            if last - first > 2:
                # Callers want at most two; a third says enough.
                break
        return self.rates[first:last]

    def has_ratio(self, start: int, end: int) -> bool:
        """Whether text[start:end] holds a digit, a slash and a digit ("53/591")."""
        index = bisect_left(self._mark_starts, start)
        return index < len(self._mark_starts) and self._mark_ends[index] <= end

    def names_total(self, start: int, end: int) -> bool:
        """Whether the clause starting at `start` has the word "tổng" before `end`."""
        if start not in self._total_word:
            stop = bisect_left(self._ends, start + 1)
            clause_end = self._ends[stop] if stop < len(self._ends) else len(self.text)
            self._total_word[start] = next(
                (
                    word.end()
                    for word in _WORD.finditer(self.text, start, clause_end)
                    if fold(word.group()) == "tong"
                ),
                None,
            )
        found = self._total_word[start]
        return found is not None and found <= end

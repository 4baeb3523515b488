"""What an audit finds: one `Finding` per figure that does not match, and the report."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.core.text import short

__all__ = ["AuditReport", "Finding", "Tally", "clause_around", "shorten"]

# A quoted context longer than this is cut at a word boundary.
CONTEXT_LIMIT = 220
# How far a quoted clause reaches before and after the figures it quotes.
_REACH = 90
_BOUNDARY = re.compile(r"[.!?](?=\s)|;|\n")


@dataclass(frozen=True)
class Finding:
    """A figure that does not match what it should be.

    `kind` names the check: "rate" (a rate against its count and total), "total" (a
    total against the sum of its parts), "part" (a part above its total),
    "average_or_better" (the "Từ trung bình trở lên" count against its categories),
    "distribution" (the categories and "không xếp loại" against the total) and "change"
    (a change against the difference of two rates). `stated` is the figure as written,
    `expected` the correct one the Vietnamese way ("8,97%", "1.234").
    """

    kind: str
    context: str
    stated: str
    expected: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Tally:
    """The checks made so far and the mismatches among them."""

    checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    def record(self, finding: Finding | None) -> None:
        """Counts one check; `finding` is None when the figure is right."""
        self.checked += 1
        if finding is not None:
            self.findings.append(finding)


@dataclass(frozen=True)
class AuditReport:
    """The outcome of auditing one document."""

    file: str
    checked: int
    findings: list[Finding]

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "checked": self.checked,
            "findings": [f.as_dict() for f in self.findings],
        }


def shorten(text: str, limit: int = CONTEXT_LIMIT) -> str:
    """`text` on one line, cut at a word boundary with "…" when longer than `limit`
    (`bot.core.text.short`, at the findings' context length by default)."""
    return short(text, limit)


def clause_around(text: str, start: int, end: int) -> str:
    """The clause of `text` holding text[start:end]: from the last boundary before it to
    the next one after it, each at most a short reach away (cut with "…")."""
    before = text[max(0, start - _REACH) : start]
    head = 0
    for match in _BOUNDARY.finditer(before):
        head = match.end()
    lead = "" if head or start - _REACH <= 0 else "…"
    if not head and start - _REACH > 0:
        # Cut mid-sentence: start at a word.
        space = before.find(" ")
        head = space + 1 if space >= 0 else 0
    after = text[end : end + _REACH]
    found = _BOUNDARY.search(after)
    tail = found.start() if found else len(after)
    trail = "" if found or end + _REACH >= len(text) else "…"
    if not found and end + _REACH < len(text):
        space = after.rfind(" ")
        tail = space if space > 0 else tail
    quoted = before[head:] + text[start:end] + after[:tail]
    return lead + " ".join(quoted.split()).strip(" ,") + trail

"""Sentences broken across lines, as text copied from a PDF has them, joined back.

A PDF breaks a sentence wherever its line ends, and a copy may put blank lines between
the pieces. A figure whose parts continue on the next line must be read whole: "có 18
người, trong đó: 4 … 1" is not a total of 4 + 1 when "13 …" follows on the next line.
"""

from __future__ import annotations

import re

from bot.figure_check.source import Block, Paragraph

__all__ = ["join_broken_lines"]

# A line that ends its sentence: a full stop, a question, an exclamation or a semicolon
# (closing quotes or brackets may follow).
_ENDS_SENTENCE = re.compile(r"[.!?;…][\"”’)\]]*\s*$")
# A line that cannot end there: a comma, a colon, a dash or a joining word.
_OPEN_END = re.compile(
    r"(?:[,:(/\-–]|\b(?:và|hoặc|của|là|có|gồm|trong đó|đạt|chiếm|tỉ lệ|tỷ lệ|với))\s*$",
    re.IGNORECASE,
)
# What starts a line of its own: a bullet, or a numbered or lettered heading ("3.2.1.",
# "a)", "II.").
_LIST_START = re.compile(r"^(?:[-+•*–]|\d+(?:\.\d+)*[.)]\s|[a-zđ][.)]\s|[IVXLC]+[.)]\s)")


def _continues(previous: str, line: str, *, in_brackets: bool) -> bool:
    """Whether `line` goes on with the sentence whose last line was `previous`."""
    if _LIST_START.match(line):
        return False
    if in_brackets:
        # "(công lập: 397;" goes on with "ngoài công lập: 456)" on the next line.
        return True
    end = previous[-80:]  # only its end matters; a long line is not searched whole
    if _ENDS_SENTENCE.search(end):
        return False
    if line[0].islower() or line[0].isdigit() or line[0] in "%(":
        return True
    # A capital after an open end ("… 1 kế toán và / Nhân viên bảo vệ 13") goes on too.
    return bool(_OPEN_END.search(end))


def join_broken_lines(blocks: list[Block]) -> list[Block]:
    """`blocks` with each paragraph that goes on with the one before joined to it; blank
    paragraphs are dropped (they break nothing)."""
    joined: list[Block] = []
    pieces: list[str] = []  # the lines of the paragraph being joined
    depth = 0  # brackets its lines leave open

    def close() -> None:
        nonlocal pieces, depth
        if pieces:
            joined.append(Paragraph(" ".join(pieces)))
        pieces, depth = [], 0

    for block in blocks:
        if not isinstance(block, Paragraph):
            close()
            joined.append(block)
            continue
        line = block.text.strip()
        if not line:
            continue
        if not (pieces and _continues(pieces[-1], line, in_brackets=depth > 0)):
            close()
        pieces.append(line)
        depth = max(0, depth + line.count("(") - line.count(")"))
    close()
    return joined

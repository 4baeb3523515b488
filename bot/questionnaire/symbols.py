"""Emoji in typed text: fine in a chat, out of place in an official document.

Only pictographs are dropped: emoji shown as pictures by default, any character turned into
one by the emoji variation selector (❤️, ✔️), keycaps (1️⃣), flags and skin tones. The
symbols a report uses (%, °, №, –, “ ”, ✓, ★, →) are kept.
"""

from __future__ import annotations

import re

# Characters shown as emoji by default (Unicode's Emoji_Presentation), by block.
_PICTOGRAPHS = (
    "\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f"
    "\u2693\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5"
    "\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797"
    "\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55"
    "\U0001f004\U0001f0cf\U0001f18e\U0001f191-\U0001f19a\U0001f1e6-\U0001f1ff"
    "\U0001f201-\U0001f2ff\U0001f300-\U0001faff"
)
_ONE = rf"(?:[{_PICTOGRAPHS}]|\S\ufe0f)"
# Modifiers and joiners that continue an emoji: selectors, keycap, tags, ZWJ sequences.
_EMOJI = re.compile(rf"{_ONE}(?:[\ufe0f\u20e3\U000e0020-\U000e007f]|\u200d{_ONE})*")
# An emoji before punctuation takes the space before it along: "tốt 👍." is "tốt.".
_BEFORE_PUNCTUATION = re.compile(rf"[ \t]*(?:{_EMOJI.pattern})+(?=[,.;:!?)])")
_SPACES = re.compile(r"[ \t]{2,}")
# Every emoji holds a pictograph or the variation selector, all from U+231A on, above every
# Vietnamese letter: a text with no such character (nearly every answer) is passed by one
# scan for a single range, without trying `_EMOJI`'s alternatives at each character.
_FIRST_PICTOGRAPH = "\u231a"
_CANDIDATE = re.compile(f"[{_FIRST_PICTOGRAPH}-\U0010ffff]")


def has_emoji(text: str) -> bool:
    """Whether `text` holds an emoji that `drop_emoji` would remove."""
    return _CANDIDATE.search(text) is not None and _EMOJI.search(text) is not None


def drop_emoji(text: str) -> str:
    """`text` without its emoji, and without the double spaces they leave behind."""
    if not has_emoji(text):
        return text
    lines = (
        _SPACES.sub(" ", line).strip()
        for line in _EMOJI.sub("", _BEFORE_PUNCTUATION.sub("", text)).split("\n")
    )
    return "\n".join(lines).strip()

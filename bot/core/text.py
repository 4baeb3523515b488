"""Text rules every layer shares: forgiving matches, one-line labels and school years as
reports write them."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Folded texts up to this length are remembered (button labels, yes/no words, typed
# answers): the same few come back on every turn.
_REMEMBERED_LENGTH = 80


def fold(text: str) -> str:
    """Lower case without diacritics, spaces collapsed: "Không  CÓ" -> "khong co"."""
    if text.isascii():  # nothing to decompose: most typed answers ("591", "ok", "/tiep")
        return " ".join(text.lower().split())
    if len(text) <= _REMEMBERED_LENGTH:
        return _fold_remembered(text)
    return _fold(text)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


_fold_remembered = lru_cache(maxsize=4096)(_fold)


def year_text(year: str) -> str:
    """A school year as reports write it: "2020-2021" -> "2020 - 2021"."""
    return year.replace("-", " - ")


# Yes and no as people type them, folded: "có", "ừ", "đồng ý", "không", "ko", a button number.
YES_WORDS = frozenset({"co", "c", "yes", "y", "dung", "u", "uh", "ok", "dong y", "1"})
NO_WORDS = frozenset({"khong", "k", "ko", "kh", "no", "n", "khong co", "2"})


def yes_or_no(
    text: str, *, yes: frozenset[str] = frozenset(), no: frozenset[str] = frozenset()
) -> bool | None:
    """True for a yes word, False for a no word (plus a caller's own `yes` and `no`), else None.

    A final "." or "!" is ignored: "Có!" is yes.
    """
    folded = fold(text).rstrip(".!").strip()
    if folded in YES_WORDS or folded in yes:
        return True
    if folded in NO_WORDS or folded in no:
        return False
    return None


def short(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut after a whole word where one fits."""
    # Most texts are one short line already: no space but " " is printable, so a printable
    # text with single inner spaces is what the split and join would give back.
    if len(text) <= limit and text.isprintable() and "  " not in text and text == text.strip():
        return text
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    # A Vietnamese syllable cut in half reads as another word: drop the broken one.
    if flat[limit - 1] != " " and " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;–-") + "…"

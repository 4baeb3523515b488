"""Text rules every layer shares: forgiving matches and school years as reports write them."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without diacritics, spaces collapsed: "Không  CÓ" -> "khong co"."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def year_text(year: str) -> str:
    """A school year as reports write it: "2020-2021" -> "2020 - 2021"."""
    return year.replace("-", " - ")

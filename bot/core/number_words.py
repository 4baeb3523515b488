"""Whole numbers written in Vietnamese words, as staff sometimes type them.

"năm mươi ba" is 53, "một trăm linh năm" 105, "hai mươi mốt" 21, "mười lăm" 15,
"một nghìn không trăm hai mươi tư" 1024, "hai nghìn rưỡi" 2500; digits may stand for a
word ("5 triệu", "1 nghìn 2 trăm"). Anything that is not such a phrase reads as None,
so the caller can refuse it with its own message rather than guess.
"""

from __future__ import annotations

import unicodedata

from bot.core.digits import is_ascii_digits, small_int

__all__ = ["COMMON_UNITS", "strip_unit", "words_to_integer"]

_DIGITS = {
    "không": 0,
    "một": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
}
# Forms a digit takes after "mươi"/"mười": hai mươi mốt, hai mươi tư, mười lăm.
_UNIT_FORMS = {**_DIGITS, "mốt": 1, "tư": 4, "lăm": 5, "nhăm": 5}
_ZERO_TENS = {"linh", "lẻ"}
_SCALES = [("tỷ", 10**9), ("tỉ", 10**9), ("triệu", 10**6), ("nghìn", 10**3), ("ngàn", 10**3)]

# Units people put after a count ("53 HV"); compared case-insensitively, longest first.
COMMON_UNITS = (
    "học viên",
    "học sinh",
    "giáo viên",
    "cán bộ",
    "nhân viên",
    "viên chức",
    "đảng viên",
    "người",
    "lớp",
    "trường",
    "cơ sở",
    "đơn vị",
    "tiết",
    "đợt",
    "lượt",
    "em",
    "cháu",
    "hv",
    "hs",
    "gv",
    "cb",
)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def strip_unit(text: str, units: tuple[str, ...] = ()) -> str:
    """`text` without one trailing unit word ("53 HV" -> "53"), or unchanged."""
    folded = _fold(text)
    for unit in sorted(
        {_fold(u) for u in (*units, *COMMON_UNITS) if u.strip()}, key=len, reverse=True
    ):
        if folded.endswith(" " + unit):
            return " ".join(text.split())[: len(folded) - len(unit) - 1].strip()
    return text


def _digit(token: str, forms: dict[str, int]) -> int | None:
    if is_ascii_digits(token) and len(token) == 1:
        return int(token)
    return forms.get(token)


def _below_thousand(tokens: list[str]) -> int | None:
    """A group below a thousand: [d trăm] [linh d | mười [d] | d mươi [d] | d]."""
    value, i = 0, 0
    if not tokens:
        return None
    if len(tokens) == 1 and small_int(tokens[0], limit=999) is not None:
        return int(tokens[0])
    if len(tokens) >= 2 and tokens[1] == "trăm":
        hundreds = _digit(tokens[0], _DIGITS)
        if hundreds is None:
            return None
        value, i = hundreds * 100, 2
    rest = tokens[i:]
    if not rest:
        return value if i else None
    if rest[0] in _ZERO_TENS and i and len(rest) == 2:
        unit = _digit(rest[1], _DIGITS)
        return None if unit is None else value + unit
    if rest[0] == "mười":
        tens, rest = 10, rest[1:]
    elif len(rest) >= 2 and rest[1] == "mươi":
        digit = _digit(rest[0], _DIGITS)
        if digit is None or digit < 2:
            return None
        tens, rest = digit * 10, rest[2:]
    else:
        unit = _digit(rest[0], _DIGITS) if len(rest) == 1 else None
        return None if unit is None or (i and unit == 0) else value + unit
    if not rest:
        return value + tens
    if len(rest) != 1:
        return None
    unit = _digit(rest[0], _UNIT_FORMS)
    # "mười một" is fine, "mười mốt" is not; "hai mươi một" and "hai mươi mốt" both are.
    if unit is None or unit == 0 or (tens == 10 and rest[0] in ("mốt", "tư")):
        return None
    return value + tens + unit


def _parse(tokens: list[str]) -> int | None:
    for word, scale in _SCALES:
        if word in tokens:
            index = tokens.index(word)
            left = _parse(tokens[:index]) if index else 1
            right_tokens = tokens[index + 1 :]
            if right_tokens == ["rưỡi"]:
                right: int | None = scale // 2
            else:
                right = _parse(right_tokens) if right_tokens else 0
            if left is None or right is None or right >= scale:
                return None
            return left * scale + right
    return _below_thousand(tokens)


def words_to_integer(text: str) -> int | None:
    """The whole number `text` spells in Vietnamese words, or None if it is not one."""
    tokens = _fold(text).replace(",", " ").split()
    if not tokens or not any(t.isalpha() for t in tokens):
        return None
    return _parse(tokens)

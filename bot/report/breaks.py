"""Where a line may not break: inside a school year, a date, or a unit's name phrase.

Spaces inside such a group become no-break spaces, so "2020 - 2021" never leaves "2021"
alone on a line and "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO" never breaks between "ĐÀO" and "TẠO".
"""

from __future__ import annotations

import re

NO_BREAK_SPACE = "\u00a0"

# "2020 - 2021", "năm học 2020", "ngày 15 tháng 6 năm 2021".
_DATE_GROUPS = (
    re.compile(r"\d{4} [-–] \d{4}"),
    # Only before a year: prose that merely mentions "năm học" keeps ordinary spaces, so
    # the document's text reads and searches as the user typed it.
    re.compile(r"\bnăm học (?=\d)", re.IGNORECASE),
    re.compile(r"\b(?:ngày|tháng|năm|học) (?=\d)", re.IGNORECASE),
)
# Phrases of an issuing body's name that read as one, and the place that ends a name.
_NAME_GROUPS = (
    re.compile(r"(?:(?:PHÒNG|SỞ|BỘ) )?GIÁO DỤC VÀ ĐÀO TẠO", re.IGNORECASE),
    re.compile(r"GIÁO DỤC (?:THƯỜNG XUYÊN|NGHỀ NGHIỆP)", re.IGNORECASE),
    re.compile(r"\b(?:TRUNG TÂM|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN)\b", re.IGNORECASE),
    re.compile(r"\b(?:QUẬN|HUYỆN|TỈNH|THỊ XÃ|THÀNH PHỐ|TP\.) .+$", re.IGNORECASE),
    re.compile(r"(?<=TẠO )\S+(?: \S+){0,2}$", re.IGNORECASE),  # "… ĐÀO TẠO THANH HÓA"
)


def _bind(text: str, patterns: tuple[re.Pattern[str], ...]) -> str:
    for pattern in patterns:
        text = pattern.sub(lambda match: match.group(0).replace(" ", NO_BREAK_SPACE), text)
    return text


def keep_dates(text: str) -> str:
    """School years and dates held on one line."""
    return _bind(text, _DATE_GROUPS)


def keep_name_phrases(name: str) -> str:
    """An issuing body's name that breaks only between its phrases."""
    return _bind(keep_dates(name), _NAME_GROUPS)

"""The shape of a table: the total column its rows add up to, and the parts that add up to it.

Read from the template's roles and from the labels of the domain's categories
("Khá", "Từ TB trở lên", "Công lập"/"Ngoài công lập", "Tổng số").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.text import fold
from bot.questionnaire.schema import TableColumn, TableQuestion

# -- labels of the domain -------------------------------------------------------------------

# Conduct and academic categories, worst to best; "từ X trở lên" counts X and better.
# Thông tư 22/2021 grades "Chưa đạt" and "Đạt" stand where "Yếu" and "Trung bình" stood.
_RANKS = {
    "kem": 0,
    "yeu": 1,
    "chua dat": 1,
    "trung binh": 2,
    "tb": 2,
    "dat": 2,
    "kha": 3,
    "gioi": 4,
    "tot": 4,
    "xuat sac": 5,
}
# "Trung bình (Đạt)", "TB/Đạt": one category under both its names.
_ALTERNATIVES = re.compile(r"\s*[/()]\s*")
_FROM_UP = re.compile(r"\btu (.+?) tro len\b")
CHANGE_WORDS = ("tang", "giam", "thay doi", "chenh lech")


def category_rank(label: str | None) -> int | None:
    """The rank of a category label ("Khá" 3, "Loại giỏi" 4), None when it is none."""
    if not label:
        return None
    folded = fold(label).removeprefix("loai ").strip(" :")
    if folded in _RANKS:
        return _RANKS[folded]
    names = [name.removeprefix("loai ") for name in _ALTERNATIVES.split(folded) if name]
    ranks = {_RANKS.get(name) for name in names}
    return ranks.pop() if len(names) > 1 and len(ranks) == 1 else None


def from_up_rank(text: str | None) -> int | None:
    """X's rank in a "Từ X trở lên" label, None when the text is not one."""
    match = _FROM_UP.search(fold(text or ""))
    return None if match is None else category_rank(match.group(1))


def _is_from_up(column: TableColumn) -> bool:
    return from_up_rank(column.group) is not None or from_up_rank(column.label) is not None


def column_rank(column: TableColumn) -> int | None:
    """A category column's rank, from its label or, for "SL" under "Giỏi", its group."""
    rank = category_rank(column.label)
    return rank if rank is not None else category_rank(column.group)


# -- the shape of a table -------------------------------------------------------------------


@dataclass(frozen=True)
class TableShape:
    """The total column of a table's rows and the columns that add up to it."""

    total: str | None
    parts: tuple[str, ...]
    unclassified: tuple[str, ...]

    @property
    def categories(self) -> tuple[str, ...]:
        """The ranked parts: the parts less "không xếp loại"."""
        return tuple(p for p in self.parts if p not in self.unclassified)


def _total_from_rates(table: TableQuestion) -> str | None:
    """The single denominator of a rate whose numerator sums categories (avg_up / total)."""
    answered = {c.id for c in table.columns}
    sums = {c.id: c for c in table.computed if c.kind == "sum"}
    for column in table.computed:
        if column.kind != "rate" or len(column.total) != 1 or column.total[0] not in answered:
            continue
        numerator = sums.get(column.part or "")
        if numerator is None or len(numerator.of) < 2:
            continue
        if set(numerator.of) <= answered and column.total[0] not in numerator.of:
            return column.total[0]
    return None


def _public_pair(table: TableQuestion) -> tuple[str, str] | None:
    """The columns labelled "Công lập" and "Ngoài công lập", when the table has both."""
    by_label = {fold(c.label): c.id for c in table.columns}
    public, non_public = by_label.get("cong lap"), by_label.get("ngoai cong lap")
    return None if public is None or non_public is None else (public, non_public)


def _labelled_total(table: TableQuestion) -> str | None:
    """The one column labelled as a total ("Tổng số", "TS HV")."""
    found = [
        c.id
        for c in table.columns
        if c.role is None and re.match(r"^(tong|ts)\b", fold(c.label)) and c.kind != "percent"
    ]
    return found[0] if len(found) == 1 else None


def table_shape(table: TableQuestion) -> TableShape:
    """What the table's declarations and roles say its rows add up to."""
    marked_total = [c.id for c in table.columns if c.role == "total"]
    pair = _public_pair(table)
    total = marked_total[0] if marked_total else _total_from_rates(table)
    if total is None and pair is not None:
        total = _labelled_total(table)
    if total is None:
        return TableShape(None, (), ())
    unclassified = tuple(c.id for c in table.columns if c.role == "unclassified")
    marked = [c.id for c in table.columns if c.role in ("part", "unclassified")]
    if any(c.role == "part" for c in table.columns):
        parts = tuple(marked)
    elif pair is not None:
        parts = (*pair, *unclassified)
    else:
        parts = tuple(
            c.id
            for c in table.columns
            if c.id != total
            and (c.role == "unclassified" or (c.role is None and c.kind == "integer"))
            and not _is_from_up(c)
        )
    return TableShape(total, parts, unclassified)

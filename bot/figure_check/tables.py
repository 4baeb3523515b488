"""Distribution tables: categories per row with their total, "Từ trung bình trở lên"
(count and rate, this year and last) and the change.

A table is read only when its header names a total column ("TS HV", "Tổng số") and either
two categories (Kém, Yếu, TB, Khá, Giỏi/Tốt) or the "Từ trung bình trở lên" count; a
header that cannot be aligned with its rows is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.rates import rate_matches
from bot.core.text import fold
from bot.figure_check.figures import (
    Percent,
    change_matches,
    count_of,
    expected_change,
    expected_rate,
    percent_of,
    shown_count,
    signed_change_of,
)
from bot.figure_check.findings import Finding, Tally, shorten
from bot.texts import t

__all__ = ["check_table", "unranked_count"]

# Category -> whether it counts as "average or better".
_CATEGORIES = {
    "kem": False,
    "yeu": False,
    "tb": True,
    "trung binh": True,
    "kha": True,
    "gioi": True,
    "tot": True,
    "xuat sac": True,
}
_UNRANKED = {"kxl", "khong xep loai", "chua xep loai"}
_TOTALS = {"ts", "tshv", "tshs", "ts hv", "ts hs", "tong", "tong so", "si so", "tong cong"}
_COUNT_SUBS = {"", "sl", "so luong", "so"}
_RATE_PREFIXES = ("tl", "ty le", "ti le", "%")
_TOTAL_ROWS = {"tong", "tong so", "tong cong", "cong", "toan trung tam", "chung"}
_YEAR = re.compile(r"(\d{4})\s*[-–]\s*\d{4}")
_UNRANKED_NOTE = re.compile(
    r"(?<![\w.,/])(\d+)\s*(?:hv|hs|hoc vien|hoc sinh)?[^.\d]{0,40}?khong xep loai"
)


@dataclass(frozen=True)
class _Column:
    role: str  # total, category, unranked, category_rate, above, above_rate, change
    label: str
    name: str = ""  # the category a category or category_rate column belongs to
    year: int = 0


def _key(label: str) -> str:
    return re.sub(r"\s*/\s*", "/", fold(label)).strip(" :.")


def _expand(headers: list[list[str]], width: int) -> list[list[str]] | None:
    """Header rows as wide as the table: a short row's last cell spans the columns left,
    provided the row below labels exactly those columns (as Word extracts merged cells)."""
    rows = []
    for index, row in enumerate(headers):
        if len(row) == width:
            rows.append(row)
            continue
        below = headers[index + 1] if index + 1 < len(headers) else None
        last = len(row) - 1
        if (
            below is None
            or len(below) != width
            or any(cell for cell in below[:last])
            or not all(below[last:])
        ):
            return None
        rows.append(row[:last] + [row[last]] * (width - last))
    return rows


def _classify(group: str, sub: str, label: str) -> _Column | None:
    g, s = _key(group), _key(sub)
    years = _YEAR.findall(f"{group} {sub}")
    year = int(years[-1]) if years else 0
    if any(w in s or w in g for w in ("tang/giam", "tang giam", "chenh lech")):
        return _Column("change", label)
    is_rate = s.startswith(_RATE_PREFIXES)
    if g in _TOTALS and not s:
        return _Column("total", label)
    if g in _CATEGORIES:
        if is_rate:
            return _Column("category_rate", label, g)
        return _Column("category", label, g) if s in _COUNT_SUBS else None
    if g in _UNRANKED:
        return _Column("unranked", label) if s in _COUNT_SUBS else None
    if "tro len" in g and ("trung binh" in g or "tb" in g.split()):
        if is_rate:
            return _Column("above_rate", label, year=year)
        return _Column("above", label) if s in _COUNT_SUBS else None
    return None


def _columns(headers: list[list[str]], width: int) -> list[_Column | None] | None:
    expanded = _expand(headers, width)
    if expanded is None:
        return None
    columns: list[_Column | None] = []
    for index in range(width):
        labels: list[str] = []
        for row in expanded:
            cell = " ".join(row[index].split())
            if cell and cell not in labels:
                labels.append(cell)
        group = labels[0] if labels else ""
        sub = labels[-1] if len(labels) > 1 else ""
        columns.append(_classify(group, sub, sub or group) if index else None)
    return columns


def _is_figure(cell: str) -> bool:
    return count_of(cell) is not None or percent_of(cell) is not None


def unranked_count(text: str) -> int | None:
    """The "không xếp loại" count a note states ("Có 13 HV thuộc diện không xếp loại")."""
    match = _UNRANKED_NOTE.search(fold(text))
    return int(match.group(1)) if match else None


def check_table(rows: list[list[str]], caption: str, note: str, tally: Tally) -> None:
    """Checks the rows of a distribution table; `caption` is the paragraph before the
    table, `note` the one after it (where "không xếp loại" is often stated)."""
    first_data = next(
        (i for i, row in enumerate(rows) if i and any(_is_figure(c) for c in row[1:])), None
    )
    if not first_data:
        return
    data = rows[first_data:]
    width = max(len(row) for row in data)
    columns = _columns(rows[:first_data], width)
    if columns is None:
        return
    roles = [c.role if c else "" for c in columns]
    categories = roles.count("category")
    if roles.count("total") != 1 or not (categories >= 2 or "above" in roles):
        return
    numbered = [r for r in data if count_of(_cell(r, roles.index("total"))) is not None]
    totals = [r for r in numbered if _key(r[0]) in _TOTAL_ROWS]
    note_row = totals[0] if totals else (numbered[0] if len(numbered) == 1 else None)
    unranked = unranked_count(note)
    total_index = roles.index("total")
    note_total = count_of(_cell(note_row, total_index)) if note_row else None
    for row in numbered:
        # A row with the note row's total holds the same learners (THPT = Tổng in the seed),
        # so its rates are over the same ranked learners.
        same_learners = note_total is not None and count_of(_cell(row, total_index)) == note_total
        _Row(row + [""] * (width - len(row)), columns, caption, tally).check(
            unranked if row is note_row else None,
            rate_unranked=unranked if same_learners else None,
        )


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


class _Row:
    def __init__(
        self, cells: list[str], columns: list[_Column | None], caption: str, tally: Tally
    ) -> None:
        self.cells = cells
        self.columns = columns
        self.tally = tally
        shown = [
            f"{c.label} {' '.join(v.split())}"
            for c, v in zip(columns, cells, strict=True)
            if c is not None and v.strip()
        ]
        head = f"{shorten(caption, 60)} — " if caption else ""
        self.context = shorten(f"{head}{' '.join(cells[0].split())}: {'; '.join(shown)}")

    def _where(self, role: str) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c is not None and c.role == role]

    def _finding(self, kind: str, shown: str, correct: str, key: str, /, **params: str) -> Finding:
        return Finding(kind, self.context, shown, correct, t(key, **params))

    def check(self, unranked: int | None, *, rate_unranked: int | None = None) -> None:
        total = count_of(self.cells[self._where("total")[0]])
        if total is None:
            return
        counts: dict[int, int | None] = {}
        for index in self._where("category") + self._where("unranked"):
            cell = self.cells[index].strip()
            value = count_of(cell)
            if cell and value is None:
                return  # a category holds something other than a count: not readable
            counts[index] = value
        filled = {i: v for i, v in counts.items() if v is not None}
        above_index = self._where("above")
        stated_above = count_of(self.cells[above_index[0]]) if above_index else None
        if not filled and stated_above is None:
            return
        # Rates are over the learners who were ranked, as the report templates compute them
        # (538 HV with 13 "không xếp loại": 525/525 is 100%, not 525/538).
        unranked_here = sum(filled[i] for i in self._where("unranked") if i in filled)
        ranked = total - (unranked_here or unranked or rate_unranked or 0)
        if ranked <= 0:
            ranked = total
        self._category_rates(counts, ranked)
        above = self._above(filled, stated_above)
        self._above_rates(above, ranked)
        self._distribution(filled, total, unranked)

    def _category_rates(self, counts: dict[int, int | None], total: int) -> None:
        for index in self._where("category_rate"):
            column = self.columns[index]
            stated = percent_of(self.cells[index], sign_optional=True)
            owner = next(
                (
                    i
                    for i in counts
                    if (c := self.columns[i]) is not None and column and c.name == column.name
                ),
                None,
            )
            if stated is None or owner is None or counts[owner] is None:
                continue
            self._rate(stated, self.cells[index], counts[owner] or 0, total)

    def _above(self, filled: dict[int, int], stated: int | None) -> int | None:
        """The average-or-better count: the sum of its categories when they are given."""
        above = [
            i
            for i in filled
            if (c := self.columns[i]) is not None and c.role == "category" and _CATEGORIES[c.name]
        ]
        if not filled:
            return stated
        expected = sum(filled[i] for i in above)
        if stated is not None:
            finding = None
            if stated != expected:
                parts = " + ".join(
                    f"{shown_count(filled[i])} ({(c := self.columns[i]) and c.label})"
                    for i in above
                )
                finding = self._finding(
                    "average_or_better",
                    shown_count(stated),
                    shown_count(expected),
                    "audit.average_or_better",
                    stated=shown_count(stated),
                    parts=parts or "0",
                    expected=shown_count(expected),
                )
            self.tally.record(finding)
        return expected

    def _rate(self, stated: Percent, written: str, part: int, total: int) -> None:
        finding = None
        if total and not rate_matches(stated.value, stated.places, part, total):
            expected = expected_rate(stated, part, total)
            shown = " ".join(written.split())
            finding = self._finding(
                "rate",
                shown,
                expected,
                "audit.rate",
                stated=shown,
                part=shown_count(part),
                total=shown_count(total),
                expected=expected,
            )
        if total:
            self.tally.record(finding)

    def _above_rates(self, above: int | None, total: int) -> None:
        indexes = self._where("above_rate")
        if not indexes:
            return
        # This year's rate: the later school year when both are named, else the first.
        ordered = sorted(indexes, key=lambda i: -(c.year if (c := self.columns[i]) else 0))
        current_index = ordered[0]
        current = percent_of(self.cells[current_index], sign_optional=True)
        if current is not None and above is not None:
            self._rate(current, self.cells[current_index], above, total)
        changes = self._where("change")
        if current is None or len(ordered) != 2 or len(changes) != 1:
            return
        previous = percent_of(self.cells[ordered[1]], sign_optional=True)
        written = self.cells[changes[0]]
        stated = signed_change_of(written)
        if previous is None or stated is None:
            return
        claim, signed = stated
        finding = None
        if not change_matches(claim, signed, current, previous):
            expected = expected_change(current, previous)
            shown = " ".join(written.split())
            finding = self._finding(
                "change",
                shown,
                expected,
                "audit.change",
                stated=shown,
                current=" ".join(self.cells[current_index].split()),
                previous=" ".join(self.cells[ordered[1]].split()),
                expected=expected,
            )
        self.tally.record(finding)

    def _distribution(self, filled: dict[int, int], total: int, unranked: int | None) -> None:
        if len(self._where("category")) < 2 or not filled:
            return
        parts = sum(filled.values())
        has_column = bool(self._where("unranked"))
        finding = None
        if has_column or unranked is not None:
            # "Không xếp loại" is given: the distribution must cover the whole total.
            extra = 0 if has_column else unranked or 0
            if parts + extra != total:
                finding = self._finding(
                    "distribution",
                    shown_count(total),
                    shown_count(parts + extra),
                    "audit.distribution",
                    parts=" + ".join(shown_count(v) for v in [*filled.values(), extra] if v),
                    sum=shown_count(parts + extra),
                    total=shown_count(total),
                )
        elif parts > total:
            finding = self._finding(
                "distribution",
                shown_count(parts),
                f"≤ {shown_count(total)}",
                "audit.distribution_exceeds",
                parts=" + ".join(shown_count(v) for v in filled.values()),
                sum=shown_count(parts),
                total=shown_count(total),
            )
        self.tally.record(finding)

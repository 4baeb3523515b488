"""Checks a template's structure implies, so a new report kind gets them without writing them.

What is read from the template (declarations it already has, a few optional roles, and the
labels of the domain's categories):

- a distribution: a table whose count columns are the parts of one total column. The total
  is the column marked `role: total`, or the single denominator of a computed rate whose
  numerator is a computed sum of categories (`avg_up_rate = avg_up / total`), or, beside
  columns labelled "Công lập" and "Ngoài công lập", the column labelled "Tổng ..."/"TS ...".
  Its parts are the columns marked `part`/`unclassified`, else that public pair, else every
  other integer column not marked otherwise. Per row: the parts add up to the total.
- a part is not above its total: a computed rate's numerator against its single answered
  denominator, per row; a `role: subset` column ("trong đó nữ") against the total; a
  `role: subset` row against the typed `role: total` row, whose other rows add up to it; a
  figure rate's part against its total when both are answers.
- "từ trung bình trở lên" typed as a column (in a group or with a label "Từ X trở lên"):
  it equals the sum of the categories ranked X or better (Kém < Yếu < TB < Khá < Giỏi/Tốt).
- a typed rate (a percent column right after a count column in the same group) matches
  count / total to the decimals typed, the total less "không xếp loại" as computed rates are.
- a typed change (a column labelled "Tăng/giảm", "Thay đổi", "Chênh lệch" after two typed
  rates) is their difference in percentage points.

Computed columns need no check: they are computed. An inferred check that a declared one
already makes (same operands) is dropped, and so is a "not above" that a sum already covers.
`infer_checks: false` on a table or the template, or a name under the template's
`skip_checks`, turns inference off. Keys are stable (they are stored when a user confirms an
exception): `table.row.name` for a row's checks, `name` for the template's, where the name
says what is checked: `sum:total`, `not_above:recognised:registered`, `rate:excellent_rate`,
`change:change`, `rows:total`, `within:all:girls`, `not_above:dropouts:enrolled`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from bot.questionnaire.schema import (
    NUMERIC_KINDS,
    Check,
    ComputedColumn,
    TableColumn,
    TableQuestion,
    Template,
)

InferredKind = Literal["sum_equals", "not_above", "rate_matches", "change_matches"]


@dataclass(frozen=True)
class InferredCheck:
    """A check derived from a template's structure; operands are references.

    `table` is set for a table's checks; `row` too when every operand is a cell of that one
    row, so the failure is worded with column labels after the row, as a table's declared
    checks are.
    """

    key: str
    name: str
    kind: InferredKind
    parts: tuple[str, ...] = ()
    part: str | None = None
    total: str | None = None
    denominator: tuple[str, ...] = ()
    stated: str | None = None
    current: str | None = None
    previous: str | None = None
    signed: bool = True
    table: str | None = None
    row: str | None = None

    def references(self) -> list[str]:
        """Every value this check reads."""
        optional = (self.part, self.total, self.stated, self.current, self.previous)
        return [*self.parts, *self.denominator, *(ref for ref in optional if ref)]


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
_CHANGE_WORDS = ("tang", "giam", "thay doi", "chenh lech")


def _fold(text: str) -> str:
    """Lower case without diacritics, spaces collapsed ("Từ TB trở lên" -> "tu tb tro len")."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def category_rank(label: str | None) -> int | None:
    """The rank of a category label ("Khá" 3, "Loại giỏi" 4), None when it is none."""
    if not label:
        return None
    folded = _fold(label).removeprefix("loai ").strip(" :")
    if folded in _RANKS:
        return _RANKS[folded]
    names = [name.removeprefix("loai ") for name in _ALTERNATIVES.split(folded) if name]
    ranks = {_RANKS.get(name) for name in names}
    return ranks.pop() if len(names) > 1 and len(ranks) == 1 else None


def from_up_rank(text: str | None) -> int | None:
    """X's rank in a "Từ X trở lên" label, None when the text is not one."""
    match = _FROM_UP.search(_fold(text or ""))
    return None if match is None else category_rank(match.group(1))


def _is_from_up(column: TableColumn) -> bool:
    return from_up_rank(column.group) is not None or from_up_rank(column.label) is not None


def _column_rank(column: TableColumn) -> int | None:
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
    by_label = {_fold(c.label): c.id for c in table.columns}
    public, non_public = by_label.get("cong lap"), by_label.get("ngoai cong lap")
    return None if public is None or non_public is None else (public, non_public)


def _labelled_total(table: TableQuestion) -> str | None:
    """The one column labelled as a total ("Tổng số", "TS HV")."""
    found = [
        c.id
        for c in table.columns
        if c.role is None and re.match(r"^(tong|ts)\b", _fold(c.label)) and c.kind != "percent"
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


# -- candidates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _RowRule:
    """A check over the columns of one row, applied to every row."""

    name: str
    kind: InferredKind
    parts: tuple[str, ...] = ()
    part: str | None = None
    total: str | None = None
    denominator: tuple[str, ...] = ()
    stated: str | None = None
    current: str | None = None
    previous: str | None = None
    signed: bool = True
    typed_rows_only: bool = False


def _row_rules(table: TableQuestion) -> Iterator[_RowRule]:
    """The checks every row of a table keeps, by its shape."""
    shape = table_shape(table)
    columns = list(table.columns)
    answered = {c.id: c for c in columns}
    if shape.total and len(shape.parts) >= 2:
        yield _RowRule(f"sum:{shape.total}", "sum_equals", parts=shape.parts, total=shape.total)
    elif shape.total and len(shape.parts) == 1:
        part, total = shape.parts[0], shape.total
        yield _RowRule(f"not_above:{part}:{total}", "not_above", part=part, total=total)
    yield from _from_up_rules(columns, shape)
    for computed in table.computed:
        yield from _rate_column_rules(computed, answered)
    if shape.total:
        for subset in (c for c in columns if c.role == "subset"):
            name = f"not_above:{subset.id}:{shape.total}"
            yield _RowRule(name, "not_above", part=subset.id, total=shape.total)
    yield from _typed_rate_rules(columns, shape)
    yield from _typed_change_rules(columns)


def _from_up_rules(columns: list[TableColumn], shape: TableShape) -> Iterator[_RowRule]:
    """A typed "từ X trở lên" count equals the sum of the categories from X up."""
    ranks = {c.id: _column_rank(c) for c in columns if c.id in shape.categories}
    if not ranks or any(rank is None for rank in ranks.values()):
        return
    for column in columns:
        lowest = from_up_rank(column.group)
        if lowest is None:
            lowest = from_up_rank(column.label)
        if lowest is None or column.kind != "integer" or column.id in shape.parts:
            continue
        parts = tuple(c for c, rank in ranks.items() if rank is not None and rank >= lowest)
        if parts:
            yield _RowRule(f"sum:{column.id}", "sum_equals", parts=parts, total=column.id)


def _rate_column_rules(
    column: ComputedColumn, answered: dict[str, TableColumn]
) -> Iterator[_RowRule]:
    """A computed rate's numerator is not above its single answered denominator."""
    if column.kind != "rate" or len(column.total) != 1 or column.total[0] not in answered:
        return
    part, total = column.part or "", column.total[0]
    if answered.get(part) is not None and answered[part].kind == "percent":
        return
    yield _RowRule(f"not_above:{part}:{total}", "not_above", part=part, total=total)


def _typed_rate_rules(columns: list[TableColumn], shape: TableShape) -> Iterator[_RowRule]:
    """A percent column right after a count column of the same group is count / total."""
    if shape.total is None:
        return
    for count, stated in pairwise(columns):
        if stated.kind != "percent" or count.kind == "percent" or count.group is None:
            continue
        if stated.group != count.group or count.id == shape.total:
            continue
        ranked_only = shape.unclassified and count.id not in shape.unclassified
        denominator = shape.categories if ranked_only else (shape.total,)
        yield _RowRule(
            f"rate:{stated.id}",
            "rate_matches",
            part=count.id,
            denominator=denominator,
            stated=stated.id,
            typed_rows_only=True,
        )


def _typed_change_rules(columns: list[TableColumn]) -> Iterator[_RowRule]:
    """A typed "Tăng/giảm" after two typed rates is the first less the second."""
    for index in range(2, len(columns)):
        stated = columns[index]
        first, second = columns[index - 2], columns[index - 1]
        if stated.kind == "integer" or not any(w in _fold(stated.label) for w in _CHANGE_WORDS):
            continue
        if first.kind != "percent" or second.kind != "percent":
            continue
        current, previous = first, second
        if "truoc" in _fold(first.label) and "truoc" not in _fold(second.label):
            current, previous = second, first
        yield _RowRule(
            f"change:{stated.id}",
            "change_matches",
            stated=stated.id,
            current=current.id,
            previous=previous.id,
            signed=stated.min is None or stated.min < 0,
            typed_rows_only=True,
        )


def _row_ids(table: TableQuestion) -> list[str]:
    ids = [r.id for r in table.rows]
    return [*ids, table.total_row.id] if table.total_row else ids


def _expand(table: TableQuestion, rule: _RowRule, row: str) -> InferredCheck:
    def ref(column: str | None) -> str | None:
        return None if column is None else f"{table.id}.{row}.{column}"

    return InferredCheck(
        key=f"{table.id}.{row}.{rule.name}",
        name=f"{table.id}.{rule.name}",
        kind=rule.kind,
        parts=tuple(f"{table.id}.{row}.{c}" for c in rule.parts),
        part=ref(rule.part),
        total=ref(rule.total),
        denominator=tuple(f"{table.id}.{row}.{c}" for c in rule.denominator),
        stated=ref(rule.stated),
        current=ref(rule.current),
        previous=ref(rule.previous),
        signed=rule.signed,
        table=table.id,
        row=row,
    )


def _table_candidates(table: TableQuestion) -> Iterator[InferredCheck]:
    """Every check a table's structure implies, row by row, then across its rows."""
    rules = list(_row_rules(table))
    typed = {r.id for r in table.rows}
    for row in _row_ids(table):
        for rule in rules:
            if row in typed or not rule.typed_rows_only:
                yield _expand(table, rule, row)
    yield from _row_role_candidates(table)


def _row_role_candidates(table: TableQuestion) -> Iterator[InferredCheck]:
    """A typed total row is the sum of the plain rows; a subset row is not above it."""
    totals = [r.id for r in table.rows if r.role == "total"]
    if len(totals) != 1:
        return
    whole = totals[0]
    plain = [r.id for r in table.rows if r.role is None]
    counts = [c.id for c in table.columns if c.kind == "integer" and c.role != "other"]
    for column in counts:
        if len(plain) >= 2:
            yield InferredCheck(
                key=f"{table.id}.{whole}.rows:{column}",
                name=f"{table.id}.rows:{column}",
                kind="sum_equals",
                parts=tuple(f"{table.id}.{r}.{column}" for r in plain),
                total=f"{table.id}.{whole}.{column}",
                table=table.id,
            )
    for row in (r.id for r in table.rows if r.role == "subset"):
        for column in counts:
            yield InferredCheck(
                key=f"{table.id}.{row}.within:{whole}:{column}",
                name=f"{table.id}.within:{whole}:{column}",
                kind="not_above",
                part=f"{table.id}.{row}.{column}",
                total=f"{table.id}.{whole}.{column}",
                table=table.id,
            )


def _answered_refs(template: Template) -> set[str]:
    """Numeric questions and answered table cells: values a user types."""
    out: set[str] = set()
    for section in template.iter_sections():
        for question in section.questions:
            if isinstance(question, TableQuestion):
                for row in question.rows:
                    out.update(f"{question.id}.{row.id}.{c.id}" for c in question.columns)
            elif question.kind in NUMERIC_KINDS:
                out.add(question.id)
    return out


def _figure_candidates(template: Template) -> Iterator[InferredCheck]:
    """A figure rate's typed part is not above its typed total."""
    answered = _answered_refs(template)
    for figure in template.figures:
        if figure.kind != "rate" or len(figure.total) != 1:
            continue
        part, total = figure.part or "", figure.total[0]
        if part in answered and total in answered:
            name = f"not_above:{part}:{total}"
            yield InferredCheck(name, name, "not_above", part=part, total=total)


def candidate_checks(template: Template) -> list[InferredCheck]:
    """Every check the structure implies, before `skip_checks` and de-duplication."""
    if not template.infer_checks:
        return []
    out: list[InferredCheck] = []
    for section in template.iter_sections():
        for question in section.questions:
            if isinstance(question, TableQuestion) and question.infer_checks:
                out.extend(_table_candidates(question))
    out.extend(_figure_candidates(template))
    return out


# -- de-duplication -------------------------------------------------------------------------

Signature = tuple[str, frozenset[str], str]


def _signature(kind: str, parts: Iterable[str], part: str | None, total: str | None) -> Signature:
    operands = frozenset(parts) if kind == "sum_equals" else frozenset([part or ""])
    return (kind, operands, total or "")


def declared_signatures(template: Template) -> list[Signature]:
    """What the template's own checks compare, cell by cell."""
    out = [
        _signature(c.kind, c.parts, c.part, c.total)
        for c in template.checks
        if isinstance(c, Check) and c.kind != "moved_within"
    ]
    for section in template.iter_sections():
        for table in section.questions:
            if not isinstance(table, TableQuestion):
                continue
            for row in _row_ids(table):
                prefix = f"{table.id}.{row}."
                for check in table.checks:
                    parts = [prefix + c for c in check.parts]
                    part = None if check.part is None else prefix + check.part
                    out.append(_signature(check.kind, parts, part, prefix + check.total))
    return out


def _sum_operands(template: Template) -> dict[str, frozenset[str]]:
    """The cells each computed sum cell adds up."""
    out: dict[str, frozenset[str]] = {}
    for section in template.iter_sections():
        for table in section.questions:
            if not isinstance(table, TableQuestion):
                continue
            for row in _row_ids(table):
                for column in table.computed:
                    if column.kind == "sum":
                        out[f"{table.id}.{row}.{column.id}"] = frozenset(
                            f"{table.id}.{row}.{c}" for c in column.of
                        )
    return out


def _dedupe(template: Template, candidates: list[InferredCheck]) -> list[InferredCheck]:
    """Drops what a declared check, an earlier inferred one, or a sum already checks."""
    seen = set(declared_signatures(template))
    kept: list[InferredCheck] = []
    for check in candidates:
        if check.kind in ("sum_equals", "not_above"):
            signature = _signature(check.kind, check.parts, check.part, check.total)
            if signature in seen:
                continue
            seen.add(signature)
        kept.append(check)
    sums = [(total, parts) for kind, parts, total in seen if kind == "sum_equals"]
    operands = _sum_operands(template)

    def covered(check: InferredCheck) -> bool:
        if check.kind != "not_above" or check.part is None:
            return False
        inner = operands.get(check.part, frozenset([check.part]))
        return any(total == check.total and inner <= parts for total, parts in sums)

    return [check for check in kept if not covered(check)]


# -- the checks of a template ---------------------------------------------------------------

_CACHE: dict[int, tuple[Template, tuple[InferredCheck, ...]]] = {}


def inferred_checks(template: Template) -> list[InferredCheck]:
    """The checks a template's structure implies that it does not declare or skip."""
    hit = _CACHE.get(id(template))
    if hit is not None and hit[0] is template:
        return list(hit[1])
    skipped = set(template.skip_checks)
    candidates = [
        c for c in candidate_checks(template) if c.key not in skipped and c.name not in skipped
    ]
    checks = tuple(_dedupe(template, candidates))
    if len(_CACHE) >= 256:
        _CACHE.clear()
    _CACHE[id(template)] = (template, checks)
    return list(checks)


def inference_problems(template: Template) -> Iterator[str]:
    """Roles that contradict each other and skipped checks that name nothing."""
    names = {n for c in candidate_checks(template) for n in (c.key, c.name)}
    for skipped in template.skip_checks:
        if skipped not in names:
            yield f"skip_checks: '{skipped}' names no inferred check"
    for section in template.iter_sections():
        for table in section.questions:
            if isinstance(table, TableQuestion):
                yield from (f"table {table.id}: {p}" for p in _role_problems(table))


def _role_problems(table: TableQuestion) -> Iterator[str]:
    marked = [c for c in table.columns if c.role in ("total", "part", "unclassified", "subset")]
    for column in marked:
        if column.kind == "percent":
            yield f"column {column.id}: a percent column cannot be a {column.role}"
    if len([c for c in table.columns if c.role == "total"]) > 1:
        yield "more than one column has role total"
    subsets = [c.id for c in table.columns if c.role in ("subset", "part", "unclassified")]
    if subsets and table_shape(table).total is None:
        yield f"columns {', '.join(subsets)} have a role but no column is the total"
    total_rows = [r.id for r in table.rows if r.role == "total"]
    if len(total_rows) > 1:
        yield "more than one row has role total"
    if total_rows and table.total_row:
        yield "a row has role total and the table also computes a total_row"
    subset_rows = [r.id for r in table.rows if r.role == "subset"]
    if subset_rows and not total_rows:
        yield f"rows {', '.join(subset_rows)} are subsets but no row has role total"

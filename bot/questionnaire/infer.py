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

from collections.abc import Iterable, Iterator

from bot.questionnaire.derived import derived
from bot.questionnaire.inferred_check import InferredCheck
from bot.questionnaire.row_checks import row_ids, table_candidates
from bot.questionnaire.schema import NUMERIC_KINDS, Check, TableQuestion, Template
from bot.questionnaire.table_shape import table_shape

# -- candidates -----------------------------------------------------------------------------


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
                out.extend(table_candidates(question))
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
            for row in row_ids(table):
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
            for row in row_ids(table):
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


def inferred_checks(template: Template) -> list[InferredCheck]:
    """The checks a template's structure implies that it does not declare or skip."""
    return list(derived(template, "inferred_checks", lambda: _inferred_checks(template)))


def _inferred_checks(template: Template) -> tuple[InferredCheck, ...]:
    skipped = set(template.skip_checks)
    candidates = [
        c for c in candidate_checks(template) if c.key not in skipped and c.name not in skipped
    ]
    return tuple(_dedupe(template, candidates))


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

"""Computing a template's figures and running its checks over a period's answers.

Every figure is recomputed from the stored answers with `Decimal` arithmetic; nothing
typed by a user is trusted as a rate. Values are addressed by reference:
"question", "table.row.column" (answered or computed column, or the total row) or "figure".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from bot.core.rates import balanced_rates, change, rate
from bot.questionnaire.check_message import check_message
from bot.questionnaire.check_wording import (
    all_present,
    change_message,
    moved_message,
    rate_message,
    sum_or_above,
)
from bot.questionnaire.evaluation import CheckFailure, Evaluation, FigureResult, format_value
from bot.questionnaire.evaluation_plan import Scope, plan, questions_behind, scope
from bot.questionnaire.inferred_check import InferredCheck
from bot.questionnaire.plausible import small_rates
from bot.questionnaire.schema import (
    Check,
    ComputedColumn,
    Figure,
    TableCheck,
    TableColumn,
    TableQuestion,
    Template,
)
from bot.questionnaire.table_fragments import (
    FRAGMENTS_KEPT,
    FRAGMENTS_LOCK,
    TableFragment,
    kept_fragments,
    last_fragments,
)
from bot.texts import t


def _row_phrase(label: str) -> str:
    """ "dòng THPT", but a row named "Dòng họ học tập" as it is (not "dòng Dòng họ")."""
    prefix = t("row.name", row="").casefold()
    return label if label.casefold().startswith(prefix) else t("row.name", row=label)


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _column_labels(table: TableQuestion) -> dict[str, str]:
    """Answered and computed columns of a table, by id."""
    labels = {c.id: c.label for c in table.columns}
    labels.update({c.id: c.label for c in table.computed})
    return labels


class _Evaluator:
    def __init__(self, template: Template, answers: Mapping[str, Any]) -> None:
        self.template = template
        self.answers = answers
        self.plan = plan(template)
        self.questions = self.plan.questions
        self.last_fragments = last_fragments(template)
        self.result = Evaluation(fixed_rates=template.rate_format == "100,00%")

    def run(self, confirmed: set[str], scope: Scope) -> Evaluation:
        """The numbers, figures and failed checks of `scope` (the plan's `everything`, or
        what the checks naming one question read)."""
        fragments_of = self.plan.fragments
        for question in scope.numeric:
            self._put(question.id, question.kind, _dec(self.answers.get(question.id)))
        # A table that reads nothing outside itself (or only self-contained tables it looks
        # up) is worked out (cells and checks) on its own, and remembered: a typed row
        # changes one table, the others are reused. Tables that look others up come last.
        fragments: dict[str, TableFragment] = {}
        for table in scope.computed_order:
            sources = fragments_of.get(table.id)
            if sources is None:
                self._answered_cells(table)
                continue
            fragment = self._fragment(table, [fragments[s] for s in sources])
            fragments[table.id] = fragment
            self.result.numbers.update(fragment.numbers)
            self.result.kinds.update(fragment.kinds)
        for table in scope.computed_order:
            if table.id not in fragments:
                self._computed_cells(table)
        for figure in scope.figures:
            self._figure(figure)
        for table, own, its in scope.table_checks:
            if table.id in fragments:
                self.result.failures.extend(fragments[table.id].failures)
                continue
            if own:
                self._table_checks(table)
            for check in its:
                self._inferred(check)
        for check in scope.inferred:
            self._inferred(check)
        for declared in scope.checks:
            self._check(declared)
        found = small_rates(
            self.result.numbers, self.plan.inferred, self._label, scope.typed_rates
        )
        for key, message, ref in found:
            self._fail(key, message, [ref])
        self.result.failures = [
            CheckFailure(f.key, f.message, f.question_ids, f.key in confirmed)
            for f in self.result.failures
        ]
        return self.result

    def run_table(self, table: TableQuestion) -> Evaluation | None:
        """One table's cells and failed checks (small rates typed in it included), as `run`
        finds them; None when they may depend on other answers."""
        rates = self.plan.alone.get(table.id)
        if rates is None:
            return None  # a check elsewhere may vouch for one of its rates
        sources = self.plan.fragments[table.id]
        looked_up = [self._fragment(self.questions[s], []) for s in sources]  # type: ignore[arg-type]
        fragment = self._fragment(table, looked_up)
        self.result.numbers.update(fragment.numbers)
        self.result.kinds.update(fragment.kinds)
        self.result.failures.extend(fragment.failures)
        found = small_rates(self.result.numbers, self.plan.inferred, self._label, rates)
        for key, message, ref in found:
            self._fail(key, message, [ref])
        return self.result

    def _table_and_inferred_checks(self, table: TableQuestion) -> None:
        self._table_checks(table)
        for check in self.plan.inferred_of[table.id]:
            self._inferred(check)

    def _fragment(
        self,
        table: TableQuestion,
        sources: list[TableFragment],
    ) -> TableFragment:
        """A table's numbers and failures, from the cache when its answer (and the answers
        of the tables it looks up) are."""
        source_ids = self.plan.fragments[table.id]
        values = (self.answers.get(table.id), *(self.answers.get(s) for s in source_ids))
        last = self.last_fragments.get(table.id)
        if (
            last is not None
            and len(last[0]) == len(values)
            and all(a is b for a, b in zip(last[0], values, strict=True))
        ):
            return last[1]
        # The JSON text tells 1, 1.0 and "1" apart, as the figures do (a rate typed "91,8"
        # is checked to one decimal).
        key = (table.id, json.dumps(values, sort_keys=True, default=str))
        kept = kept_fragments(self.template)
        with FRAGMENTS_LOCK:
            hit = kept.get(key)
            if hit is not None:
                kept.move_to_end(key)
        if hit is not None:
            self._remember(table, values, hit)
            return hit
        outer, self.result = self.result, Evaluation(fixed_rates=self.result.fixed_rates)
        for source in sources:
            # What the lookups read; only the table's own cells are kept in its fragment.
            self.result.numbers.update(source.numbers)
            self.result.kinds.update(source.kinds)
        try:
            self._answered_cells(table)
            self._computed_cells(table)
            self._table_and_inferred_checks(table)
            prefix = f"{table.id}."
            own = [ref for ref in self.result.numbers if ref.startswith(prefix)]
            fragment = TableFragment(
                {ref: self.result.numbers[ref] for ref in own},
                {ref: self.result.kinds[ref] for ref in own},
                tuple(self.result.failures),
            )
        finally:
            self.result = outer
        with FRAGMENTS_LOCK:
            kept[key] = fragment
            while len(kept) > FRAGMENTS_KEPT:
                kept.popitem(last=False)
        self._remember(table, values, fragment)
        return fragment

    def _remember(
        self, table: TableQuestion, values: tuple[Any, ...], fragment: TableFragment
    ) -> None:
        # One entry per table of the template: bounded by the template's shape.
        with FRAGMENTS_LOCK:
            self.last_fragments[table.id] = (values, fragment)

    def _put(self, ref: str, kind: str, value: Decimal | None) -> None:
        self.result.numbers[ref] = value
        self.result.kinds[ref] = kind

    def _row_ids(self, table: TableQuestion) -> list[str]:
        ids = [r.id for r in table.rows]
        return [*ids, table.total_row.id] if table.total_row else ids

    def _answered_cells(self, table: TableQuestion) -> None:
        value = self.answers.get(table.id) or {}
        for row in table.rows:
            cells = value.get(row.id) or {}
            for column in table.columns:
                self._put(
                    f"{table.id}.{row.id}.{column.id}", column.kind, _dec(cells.get(column.id))
                )
        if table.total_row:
            for column in table.columns:
                column_sum = _sum(
                    self.result.numbers[f"{table.id}.{r.id}.{column.id}"] for r in table.rows
                )
                self._put(f"{table.id}.{table.total_row.id}.{column.id}", column.kind, column_sum)

    def _computed_cells(self, table: TableQuestion) -> None:
        for row_id in self._row_ids(table):
            for column in table.computed:
                value = self._computed_cell(table, row_id, column)
                kind: str = column.kind
                if kind == "lookup" and column.source:
                    source_table, source_column = column.source.split(".")
                    kind = self.result.kinds.get(
                        f"{source_table}.{row_id}.{source_column}", "percent"
                    )
                self._put(f"{table.id}.{row_id}.{column.id}", kind, value)
            self._balance_rates(table, row_id)

    def _balance_rates(self, table: TableQuestion, row_id: str) -> None:
        """Re-rounds a row's balanced rates to add up to 100% when their parts fill the total."""
        columns = [c for c in table.computed if c.kind == "rate" and c.balanced]
        if len(columns) < 2 or len({tuple(c.total) for c in columns}) != 1:
            return
        get = self.result.numbers.get
        parts = all_present(get(f"{table.id}.{row_id}.{c.part}") for c in columns)
        whole = all_present(get(f"{table.id}.{row_id}.{c}") for c in columns[0].total)
        if parts is None or whole is None or sum(parts, Decimal(0)) != sum(whole, Decimal(0)):
            return
        shares = balanced_rates(list(parts))
        if shares is None:
            return
        for column, share in zip(columns, shares, strict=True):
            self.result.numbers[f"{table.id}.{row_id}.{column.id}"] = share

    def _computed_cell(
        self, table: TableQuestion, row_id: str, column: ComputedColumn
    ) -> Decimal | None:
        def cell(column_id: str) -> Decimal | None:
            return self.result.numbers.get(f"{table.id}.{row_id}.{column_id}")

        if column.kind == "sum":
            return _sum(cell(c) for c in column.of)
        if column.kind == "rate":
            part = cell(column.part or "")
            whole = all_present(cell(c) for c in column.total)
            if part is None or whole is None:
                return None
            return rate(part, sum(whole, Decimal(0)))
        if column.kind == "change":
            current, previous = cell(column.current or ""), cell(column.previous or "")
            if current is None or previous is None:
                return None
            return change(current, previous)
        source_table, source_column = (column.source or ".").split(".")
        return self.result.numbers.get(f"{source_table}.{row_id}.{source_column}")

    def _figure(self, figure: Figure) -> None:
        get = self.result.numbers.get
        value: Decimal | None = None
        if figure.kind == "rate":
            part, whole = get(figure.part or ""), all_present(get(r) for r in figure.total)
            if part is not None and whole is not None:
                value = rate(part, sum(whole, Decimal(0)))
        elif figure.kind == "sum":
            operands = all_present(get(r) for r in figure.of)
            value = None if operands is None else sum(operands, Decimal(0))
        else:
            current, previous = get(figure.current or ""), get(figure.previous or "")
            if current is not None and previous is not None:
                value = change(current, previous)
        self._put(figure.id, figure.kind, value)
        text = None if value is None else format_value(figure.kind, value, self.result.fixed_rates)
        self.result.figures[figure.id] = FigureResult(
            figure.id, figure.label, figure.kind, value, text
        )

    # -- checks ---------------------------------------------------------------------------

    def _label(self, ref: str) -> str:
        figure = self.plan.figures.get(ref)
        if figure:
            return figure.label
        head, *rest = ref.split(".")
        question = self.questions.get(head)
        if question is None:
            return ref
        if isinstance(question, TableQuestion) and len(rest) == 2:
            row_labels = {r.id: r.label for r in question.rows}
            if question.total_row:
                row_labels[question.total_row.id] = question.total_row.label
            columns = _column_labels(question)
            return t(
                "check.cell",
                table=question.label or question.prompt,
                row=row_labels.get(rest[0], rest[0]),
                column=columns.get(rest[1], rest[1]),
            )
        return question.label or question.prompt

    def _fail(self, key: str, message: str, refs: Iterable[str]) -> None:
        self.result.failures.append(
            CheckFailure(key, message, questions_behind(self.plan.figures, refs))
        )

    def _text(self, ref: str) -> str:
        return self.result.text(ref) or ""

    def _check(self, check: Check) -> None:
        if check.kind == "moved_within":
            message = moved_message(self.result.numbers, self._text, check, self._label)
        else:
            message = self._total_message(check)
        if message is None:
            return
        if check.message:
            message = check_message(check, self.result.numbers, self._text)
        self._fail(check.id, message, check.references())

    def _total_message(self, check: Check) -> str | None:
        """The wording of a failed sum_equals or not_above check, or None when it holds."""
        return sum_or_above(
            self.result.numbers,
            self._text,
            check.kind,
            check.parts,
            check.part,
            check.total or "",
            self._label,
        )

    def _inferred(self, check: InferredCheck) -> None:
        """Runs a check derived from the template's structure."""
        labels: dict[str, str] = {}
        table = self.questions.get(check.table or "")
        if check.row and isinstance(table, TableQuestion):
            prefix = f"{table.id}.{check.row}."
            labels = {prefix + c: name for c, name in _column_labels(table).items()}
            # "SL" under "Giỏi" and "SL" under "Khá" need their group to be told apart.
            columns: list[TableColumn | ComputedColumn] = [*table.columns, *table.computed]
            labels |= {prefix + c.id: f"{c.label} «{c.group}»" for c in columns if c.group}

        def label(ref: str) -> str:
            return labels.get(ref) or self._label(ref)

        if check.kind in ("sum_equals", "not_above"):
            message = sum_or_above(
                self.result.numbers,
                self._text,
                check.kind,
                check.parts,
                check.part,
                check.total or "",
                label,
            )
        elif check.kind == "rate_matches":
            message = rate_message(self.result.numbers, self._text, check, label)
        else:
            message = change_message(self.result.numbers, self._text, check, label)
        if message is None:
            return
        if check.row and isinstance(table, TableQuestion):
            rows = {r.id: r.label for r in table.rows}
            if table.total_row:
                rows[table.total_row.id] = table.total_row.label
            where = t(
                "check.where_row",
                table=table.label or table.prompt,
                row=_row_phrase(rows.get(check.row, check.row)),
            )
            message = f"{where}: {message}"
        self._fail(check.key, message, check.references())

    def _table_checks(self, table: TableQuestion) -> None:
        value = self.answers.get(table.id) or {}
        row_labels = {r.id: r.label for r in table.rows}
        if table.total_row:
            row_labels[table.total_row.id] = table.total_row.label
        columns = _column_labels(table)
        for row_id in self._row_ids(table):
            if row_id in value and value[row_id] is None:
                continue  # a row left blank on purpose
            for index, check in enumerate(table.checks):
                message = self._table_check(table, row_id, check, columns)
                if message:
                    where = t(
                        "check.where_row",
                        table=table.label or table.prompt,
                        row=_row_phrase(row_labels[row_id]),
                    )
                    self._fail(f"{table.id}.{row_id}.{index}", f"{where}: {message}", [table.id])

    def _table_check(
        self, table: TableQuestion, row_id: str, check: TableCheck, labels: dict[str, str]
    ) -> str | None:
        prefix = f"{table.id}.{row_id}."
        return sum_or_above(
            self.result.numbers,
            self._text,
            check.kind,
            [prefix + c for c in check.parts],
            None if check.part is None else prefix + check.part,
            prefix + check.total,
            lambda ref: labels[ref.removeprefix(prefix)],
        )


def evaluate(
    template: Template, answers: Mapping[str, Any], confirmed: Iterable[str] = ()
) -> Evaluation:
    """Every number, figure and failed check of a set of answers."""
    return _Evaluator(template, answers).run(set(confirmed), plan(template).everything)


def failures_naming(
    template: Template, answers: Mapping[str, Any], question_id: str
) -> list[CheckFailure]:
    """The failed checks that name a question, as `evaluate` finds them, working out only
    what those checks read."""
    found = _Evaluator(template, answers).run(set(), scope(template, question_id))
    return [f for f in found.failures if question_id in f.question_ids]


def evaluate_table(
    template: Template, table: TableQuestion, answers: Mapping[str, Any]
) -> Evaluation | None:
    """A table's cells and failed checks alone, when nothing else can change them."""
    return _Evaluator(template, answers).run_table(table)

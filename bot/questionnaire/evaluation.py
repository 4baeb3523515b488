"""The numbers, figures and failed checks of a period, and how each value is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bot.core.numbers import format_decimal, format_integer, format_percent
from bot.core.rates import describe_change
from bot.questionnaire.schema import TableQuestion, Template


@dataclass(frozen=True)
class FigureResult:
    """A computed figure with its display text (None when an operand is missing)."""

    id: str
    label: str
    kind: str
    value: Decimal | None
    text: str | None


@dataclass(frozen=True)
class CheckFailure:
    """A consistency check that does not hold, worded with the numbers involved."""

    key: str
    message: str
    question_ids: frozenset[str]
    confirmed: bool = False


@dataclass
class Evaluation:
    """All numbers of a period: answered, computed per table row, and figures."""

    numbers: dict[str, Decimal | None] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    figures: dict[str, FigureResult] = field(default_factory=dict)
    failures: list[CheckFailure] = field(default_factory=list)
    fixed_rates: bool = False  # the template's rate_format "100,00%"

    def text(self, ref: str) -> str | None:
        """The display text of a value, or None when it is missing."""
        if ref in self.figures:
            return self.figures[ref].text
        value = self.numbers.get(ref)
        if value is None:
            return None
        return format_value(self.kinds.get(ref, "decimal"), value, self.fixed_rates)

    def failures_for(self, question_id: str) -> list[CheckFailure]:
        """The failed checks that involve a question."""
        return [f for f in self.failures if question_id in f.question_ids]


def format_value(kind: str, value: Decimal, fixed_rates: bool = False) -> str:
    """A number as shown in a document, by the kind of value it is."""
    if kind in ("integer", "sum"):
        if value == value.to_integral_value():
            return format_integer(int(value))
        return format_decimal(value, trim=True)
    if kind in ("percent", "rate"):
        return format_percent(value, fixed=fixed_rates)
    if kind == "change":
        return describe_change(value)
    return format_decimal(value, trim=True)


def computed_cells(template: Template, evaluation: Evaluation) -> list[FigureResult]:
    """The computed cells of every table that have a value, as figures named by reference."""
    out: list[FigureResult] = []
    for section in template.iter_sections():
        for table in section.questions:
            if not isinstance(table, TableQuestion) or not table.computed:
                continue
            rows = [(r.id, r.label) for r in table.rows]
            if table.total_row:
                rows.append((table.total_row.id, table.total_row.label))
            for row_id, row_label in rows:
                for column in table.computed:
                    ref = f"{table.id}.{row_id}.{column.id}"
                    value = evaluation.numbers.get(ref)
                    if value is None:
                        continue
                    label = f"{table.label or table.prompt} – {row_label} – {column.label}"
                    out.append(
                        FigureResult(
                            ref, label, evaluation.kinds[ref], value, evaluation.text(ref)
                        )
                    )
    return out

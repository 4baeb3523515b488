"""Typed values that are valid but look like a slip, to be confirmed rather than kept silently.

A rate typed "0,95" is read as 0,95%, yet people who compute rates in a spreadsheet often
type the fraction (0,95 for 95%). Below 1% a rate is rare enough in a school's report to ask,
unless its own count and total are there and already prove it right or wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal

from bot.core.numbers import format_percent
from bot.questionnaire.inferred_check import InferredCheck
from bot.questionnaire.schema import PercentQuestion, TableQuestion, Template
from bot.texts import t

SMALL_RATE_SUFFIX = ".small_rate"
_ZERO, _ONE = Decimal(0), Decimal(1)


def typed_rates(template: Template) -> Iterator[str]:
    """The references of every rate a user types: rate questions and rate cells."""
    for section in template.iter_sections():
        for question in section.questions:
            if isinstance(question, PercentQuestion):
                yield question.id
            elif isinstance(question, TableQuestion):
                for column in question.columns:
                    if column.kind == "percent":
                        yield from (f"{question.id}.{r.id}.{column.id}" for r in question.rows)


def small_rates(
    numbers: Mapping[str, Decimal | None],
    inferred: Sequence[InferredCheck],
    label: Callable[[str], str],
    rates: Iterable[str],
) -> Iterator[tuple[str, str, str]]:
    """(key, message, reference) for each typed rate (`rates`, see `typed_rates`) strictly
    between 0% and 1% that no rate check with its count and total present can verify."""
    verified: set[str] | None = None  # worked out at the first small rate: most have none
    for ref in rates:
        value = numbers.get(ref)
        if value is None or not _ZERO < value < _ONE:
            continue
        if verified is None:
            verified = {
                check.stated
                for check in inferred
                if check.kind == "rate_matches"
                and check.stated
                and numbers.get(check.part or "") is not None
                and check.denominator
                and all(numbers.get(ref) is not None for ref in check.denominator)
            }
        if ref not in verified:
            yield (
                ref + SMALL_RATE_SUFFIX,
                t(
                    "number.small_rate",
                    label=label(ref),
                    stated=format_percent(value),
                    meant=format_percent(value * 100),
                ),
                ref,
            )

"""The wording of failed checks, with the numbers involved; None when a check holds."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from bot.core.numbers import format_percent, round_half_up
from bot.core.rates import change, describe_change, rate
from bot.core.rates import rate_matches as core_rate_matches
from bot.questionnaire.evaluation import format_value
from bot.questionnaire.inferred_check import InferredCheck
from bot.questionnaire.schema import Check
from bot.texts import t

Numbers = Mapping[str, Decimal | None]


def all_present(values: Iterable[Decimal | None]) -> list[Decimal] | None:
    out = list(values)
    return None if any(v is None for v in out) else out  # type: ignore[return-value]


def _places(stated: Decimal) -> int:
    """The decimals a typed number shows ("91,8" 1, "100" 0), at most 4."""
    exponent = stated.as_tuple().exponent
    return 0 if not isinstance(exponent, int) else min(max(-exponent, 0), 4)


def rate_matches(stated: Decimal, part: Decimal, whole: Decimal) -> bool:
    """Whether a typed rate is part/whole rounded half up to the decimals it shows (at most
    4); the one rule is `bot.core.rates.rate_matches`."""
    return core_rate_matches(stated, _places(stated), part, whole)


def sum_or_above(
    numbers: Numbers,
    text: Callable[[str], str],
    kind: str,
    parts_refs: Iterable[str],
    part_ref: str | None,
    total_ref: str,
    label: Callable[[str], str],
) -> str | None:
    """A failed "parts add up to the total" or "part not above total", worded with
    `label` for each reference; None when it holds or a value is missing."""
    get = numbers.get
    total = get(total_ref)
    if kind == "sum_equals":
        refs = list(parts_refs)
        parts = all_present(get(r) for r in refs)
        if parts is None or total is None or sum(parts, Decimal(0)) == total:
            return None
        return t(
            "check.sum_equals",
            parts=" + ".join(f"{label(r)} ({text(r)})" for r in refs),
            sum=format_value("sum", sum(parts, Decimal(0))),
            total_label=label(total_ref),
            total=text(total_ref),
        )
    part = get(part_ref or "")
    if part is None or total is None or part <= total:
        return None
    return t(
        "check.not_above",
        part_label=label(part_ref or ""),
        part=text(part_ref or ""),
        total_label=label(total_ref),
        total=text(total_ref),
    )


def rate_message(
    numbers: Numbers, text: Callable[[str], str], check: InferredCheck, label: Callable[[str], str]
) -> str | None:
    """A typed rate that is not its count over its total, to the decimals typed."""
    get = numbers.get
    stated, part = get(check.stated or ""), get(check.part or "")
    whole = all_present(get(r) for r in check.denominator)
    if stated is None or part is None or whole is None:
        return None
    total = sum(whole, Decimal(0))
    if total == 0 or rate_matches(stated, part, total):
        return None
    return t(
        "check.rate",
        label=label(check.stated or ""),
        stated=text(check.stated or ""),
        part=format_value("sum", part),
        total=format_value("sum", total),
        expected=format_percent(rate(part, total) or Decimal(0)),
    )


def change_message(
    numbers: Numbers, text: Callable[[str], str], check: InferredCheck, label: Callable[[str], str]
) -> str | None:
    """A typed change that is not the difference of its two rates."""
    get = numbers.get
    stated = get(check.stated or "")
    current, previous = get(check.current or ""), get(check.previous or "")
    if stated is None or current is None or previous is None:
        return None
    delta = round_half_up(change(current, previous), _places(stated))
    if stated == (delta if check.signed else abs(delta)):
        return None
    return t(
        "check.change",
        label=label(check.stated or ""),
        stated=text(check.stated or ""),
        current=text(check.current or ""),
        previous=text(check.previous or ""),
        expected=describe_change(change(current, previous)),
    )


def moved_message(
    numbers: Numbers, text: Callable[[str], str], check: Check, label: Callable[[str], str]
) -> str | None:
    """The question to ask when a value moved more than `max_share` since last period."""
    current_ref, previous_ref = check.current or "", check.previous or ""
    current, previous = (
        numbers.get(current_ref),
        numbers.get(previous_ref),
    )
    if current is None or previous is None or previous == 0:
        return None
    if abs(current - previous) <= abs(previous) * check.max_share:
        return None
    return t(
        "check.moved",
        label=label(current_ref),
        previous=text(previous_ref),
        current=text(current_ref),
        share=format_percent(check.max_share * 100),
    )

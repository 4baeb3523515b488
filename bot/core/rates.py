"""Exact figures of a report: rates, their change against last year, and totals.

Only `Decimal` arithmetic, never float, so 53/591 is 8.97 and not 8.969999.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, localcontext

from bot.core.numbers import format_decimal, round_half_up
from bot.texts import t

__all__ = [
    "balanced_rates",
    "change",
    "describe_change",
    "exact_rate",
    "rate",
    "rate_matches",
    "total",
]

# Far more digits than any count has, so the quotient is never rounded before
# round_half_up looks at it (no double rounding near a half).
_PRECISION = 60


def _decimal(value: int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(int(value))


def exact_rate(part: int | Decimal, total: int | Decimal) -> Decimal | None:
    """Percent of `part` in `total`, not rounded (60 digits); None when total is 0."""
    whole = _decimal(total)
    if whole == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return _decimal(part) * 100 / whole


def rate(part: int | Decimal, total: int | Decimal) -> Decimal | None:
    """Percent of `part` in `total`, rounded half up to 2 places; None when total is 0."""
    quotient = exact_rate(part, total)
    return None if quotient is None else round_half_up(quotient, 2)


def rate_matches(stated: Decimal, places: int, part: int | Decimal, total: int | Decimal) -> bool:
    """Whether a stated rate showing `places` decimals is part/total rounded half up to them.

    The exact quotient rounded once is right; the two-decimal `rate` rounded again to fewer
    places is accepted too, as reports do it (91,82% printed as "91,8"). A total of 0 has
    no rate to contradict, so anything matches.
    """
    quotient = exact_rate(part, total)
    if quotient is None:
        return True
    candidates = {round_half_up(quotient, places)}
    shown = rate(part, total)
    if shown is not None and places <= 2:
        candidates.add(round_half_up(shown, places))
    return stated in candidates


def balanced_rates(parts: list[int | Decimal], places: int = 2) -> list[Decimal] | None:
    """Percent of each part in their sum, rounded so they add up to exactly 100.

    Largest remainder: every share is rounded down to `places`, then the units still
    missing go to the shares with the largest remainders (ties to the earlier part).
    None when the parts sum to 0.
    """
    values = [_decimal(p) for p in parts]
    whole = sum(values, Decimal(0))
    if whole == 0:
        return None
    unit = Decimal(1).scaleb(-places)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        exact = [v * 100 / whole for v in values]
        floors = [(share / unit).to_integral_value(rounding="ROUND_FLOOR") for share in exact]
        remainders = [share / unit - floor for share, floor in zip(exact, floors, strict=True)]
        missing = int(100 / unit - sum(floors, Decimal(0)))
    order = sorted(range(len(values)), key=lambda i: (-remainders[i], i))
    for index in order[:missing]:
        floors[index] += 1
    return [(floor * unit).quantize(unit) for floor in floors]


def change(current: Decimal, previous: Decimal) -> Decimal:
    """Change from `previous` to `current` rate, in percentage points, to 2 places.

    Each rate is first rounded to 2 places as it is printed, so the change always equals
    the difference of the two printed rates (91,82% - 89,87% -> 1,95).
    """
    return round_half_up(
        round_half_up(_decimal(current), 2) - round_half_up(_decimal(previous), 2), 2
    )


def describe_change(delta: Decimal) -> str:
    """A change of a rate in words, as it reads after "so với năm học trước:": "tăng 1,95
    điểm phần trăm", "giảm 2,00 điểm phần trăm", or "không thay đổi" when it rounds to 0.

    A difference of two rates is in percentage points, not percent, and always shows the
    2 decimals the rates show ("2,00", never "2").
    """
    rounded = round_half_up(_decimal(delta), 2)
    if rounded == 0:
        return t("rate.unchanged")
    key = "rate.increase" if rounded > 0 else "rate.decrease"
    return t(key, value=format_decimal(abs(rounded), 2))


def total(values: Iterable[int | Decimal | None]) -> int | Decimal | None:
    """Sum of the values that are present; None when none is (an int if all are ints)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if all(isinstance(v, int) for v in present):
        return sum(present, 0)
    return sum((_decimal(v) for v in present), Decimal(0))

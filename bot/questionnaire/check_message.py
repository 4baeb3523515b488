"""A report kind's own wording of a failed check, with the check's numbers in it:
"Tổng số HV ({{ total }}) khác tổng các loại ({{ sum }})"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from jinja2.sandbox import SandboxedEnvironment

from bot.core.numbers import format_decimal, format_integer
from bot.questionnaire.schema import Check

CHECK_MESSAGE_VARIABLES = frozenset({"total", "sum", "part", "current", "previous"})
_jinja = SandboxedEnvironment(autoescape=False)


def check_message(
    check: Check, numbers: Mapping[str, Decimal | None], text: Callable[[str], str]
) -> str:
    """`check.message` rendered with the texts of its values; a missing one is empty."""
    values = {
        "total": text(check.total or ""),
        "part": text(check.part or ""),
        "current": text(check.current or ""),
        "previous": text(check.previous or ""),
        "sum": "",
    }
    parts = [numbers.get(ref) for ref in check.parts]
    if check.parts and all(value is not None for value in parts):
        total = sum((value for value in parts if value is not None), Decimal(0))
        whole = total == total.to_integral_value()
        values["sum"] = format_integer(int(total)) if whole else format_decimal(total, trim=True)
    return _jinja.from_string(check.message or "").render(**values)

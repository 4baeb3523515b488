"""Several open reports of one unit (an annual report and a staff conference review): the
menu lists the others, one choice switches, and the choice is kept in the member's
conversation until that report is final."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.core.digits import small_int
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import short, year_text
from bot.questionnaire.loader import load_template
from bot.store import hot_path
from bot.store import queries as store
from bot.texts import t
from models import Period, require_id

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface

SWITCH = "p:"
COMMAND = "/baocao"


def choose_period(session: Session, context: hot_path.MemberContext) -> None:
    """Puts the report the member chose in the context, while it is open in their unit;
    without a choice the context keeps the unit's newest open report."""
    wanted = context.conversation_period_id
    if wanted is None or context.period is None or wanted == context.period.id:
        return  # the state is decoded only when it may matter
    if not (context.conversation_state or {}).get("period_chosen"):
        return
    period = store.period_by_id(session, period_id=wanted)
    if period is not None and period.unit_id == context.unit.id and period.status != "final":
        context.period = period


def open_periods(turn: TurnSurface) -> list[Period]:
    """The unit's reports that are not final, newest first."""
    return [
        p
        for p in store.periods_of(turn.session, unit_id=require_id(turn.unit))
        if p.status != "final"
    ]


def label(turn: TurnSurface, period: Period) -> str:
    """A report as people name it: its kind, school year and term."""
    template = load_template(period.template_id, turn.options.templates_root)
    term = t("reports.term", term=period.term) if period.term else ""
    return t("reports.label", report=template.name, year=year_text(period.year), term=term)


def menu_part(turn: TurnSurface) -> tuple[list[str], list[list[Button]]]:
    """Lines and buttons for the menu naming the unit's other open reports."""
    found = open_periods(turn)
    if len(found) < 2:
        return [], []
    lines = [t("reports.others", count=len(found))]
    buttons = []
    for number, period in enumerate(found, 1):
        if period.id == turn.period_id:
            continue
        text = t("reports.switch_button", label=label(turn, period))
        lines.append(f"• {text} ({COMMAND} {number})")
        buttons.append(
            [Button(turn.code(f"{SWITCH}{period.id}"), short(text, 60), f"{COMMAND} {number}")]
        )
    return lines, buttons


def command(turn: TurnSurface, argument: str) -> list[Outgoing]:
    """`/baocao`: the open reports, numbered; `/baocao N` switches to the N-th."""
    found = open_periods(turn)
    number = small_int(argument.strip().rstrip("."), limit=len(found)) if found else None
    if number:
        return switch(turn, str(found[number - 1].id))
    if not found:
        return [Reply(t("reports.none_open")), *turn.current(quiet_menu=True)]
    lines = [t("reports.title")]
    buttons = []
    for index, period in enumerate(found, 1):
        name = f"{index}. {label(turn, period)}"
        lines.append(name + (" ◀" if period.id == turn.period_id else ""))
        buttons.append([Button(turn.code(f"{SWITCH}{period.id}"), short(name, 60))])
    lines.append(t("reports.hint"))
    return [Reply("\n".join(lines), buttons)]


def switch(turn: TurnSurface, period_id: str) -> list[Outgoing]:
    """Continues in another open report of the unit (a forged id is refused)."""
    number = small_int(period_id)
    period = store.period_by_id(turn.session, period_id=number) if number else None
    if period is None or period.unit_id != turn.unit.id or period.status == "final":
        return [Reply(t("input.stale_button")), *turn.show_menu()]
    if period.id != turn.period_id:
        template = load_template(period.template_id, turn.options.templates_root)
        turn.switch_period(period, template)
    turn.state.period_chosen = True
    return [Reply(t("reports.switched", label=label(turn, period))), *turn.show_menu()]

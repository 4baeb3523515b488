"""The member's menu: their sections with progress, and the unit's other open reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.conversation import reports
from bot.conversation.prompts import short
from bot.core.replies import SECTION, Button, Outgoing, Reply
from bot.store import queries as store
from bot.texts import t
from bot.workflow.access import Action, can
from bot.workflow.render import year_text

if TYPE_CHECKING:
    from bot.conversation.engine import _Turn


def show_menu(turn: _Turn) -> list[Outgoing]:
    """The member's sections with their state, as buttons."""
    state = turn.state
    state.clear_input()
    state.mode = "menu"
    state.question_id = None
    state.from_review = False
    period = turn.period
    term = t("reports.term", term=period.term) if period.term else ""
    lines = [t("menu.title", report=turn.template.name, year=year_text(period.year) + term)]
    if period.deadline:
        lines.append(t("menu.deadline", deadline=period.deadline.strftime("%d/%m/%Y")))
    if period.status == "final":
        lines.append(t("period.closed"))
    others, switches = reports.menu_part(turn)
    mine = turn.my_sections
    if not mine:
        text = "\n".join([*lines, t("section.none_assigned"), *others])
        return [Reply(text, switches)]
    returned = store.section_progress(turn.session, period_id=turn.period_id)
    buttons: list[list[Button]] = []
    for section in turn.template.sections:
        if section.id not in mine:
            continue
        done, total = turn.section_counts(section)
        progress = returned.get(section.id)
        if section.id in turn.finished:
            icon = "✅"
        elif progress is not None and progress.returned_comment:
            icon = "↩️"
        elif done:
            icon = "✏️"
        else:
            icon = "⬜"
        label = f"{icon} {section.number}. {section.title}"
        lines.append(t("menu.line", label=label, done=done, total=total))
        buttons.append([Button(turn.code(SECTION + section.id), short(label, 60))])
    lines.append(t("menu.hint"))
    if can(turn.member, Action.VIEW_DRAFT):
        buttons.append([Button(turn.code("draft"), t("button.draft"), "/duthao")])
        lines.append(t("menu.lead_hint"))
    return [Reply("\n".join([*lines, *others]), [*buttons, *switches])]

"""The member's menu: their sections with progress and the unit's other open reports;
opening a section; greeting and cancelling."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.conversation import reports
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import fold, short, year_text
from bot.questionnaire import index as flow
from bot.questionnaire.answers import clean_text
from bot.questionnaire.derived import derived
from bot.questionnaire.schema import Section
from bot.store.menu_rows import open_period_count, returned_sections
from bot.texts import t
from bot.workflow.access import Action, can

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface


def show_menu(turn: TurnSurface) -> list[Outgoing]:
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
    # The other open reports, named only when there are any (most units have one).
    others: list[str] = []
    switches: list[list[Button]] = []
    if open_period_count(turn.session, unit_id=turn.period.unit_id) > 1:
        others, switches = reports.menu_part(turn)
    mine = turn.my_sections
    if not mine:
        text = "\n".join([*lines, t("section.none_assigned"), *others])
        return [Reply(text, switches)]
    returned = returned_sections(turn.session, period_id=turn.period_id)
    buttons: list[list[Button]] = []
    for section in turn.template.sections:
        if section.id not in mine:
            continue
        done, total = turn.section_counts(section)
        if section.id in turn.finished:
            icon = "✅"
        elif section.id in returned:
            icon = "↩️"
        elif done:
            icon = "✏️"
        else:
            icon = "⬜"
        label, shown = _label(section, icon)
        lines.append(t("menu.line", label=label, done=done, total=total))
        buttons.append([Button(turn.code(f"s:{section.id}"), shown)])
    lines.append(t("menu.hint"))
    if can(turn.member, Action.VIEW_DRAFT):
        buttons.append([Button(turn.code("draft"), t("button.draft"), "/duthao")])
        lines.append(t("menu.lead_hint"))
    return [Reply("\n".join([*lines, *others]), [*buttons, *switches])]


def _label(section: Section, icon: str) -> tuple[str, str]:
    """A section's menu line label with its state's icon, and as its button shows it;
    worked out once per section of a loaded template and icon."""
    kept: dict[str, tuple[str, str]] = derived(section, "menu_labels", dict)
    found = kept.get(icon)
    if found is None:
        label = f"{icon} {section.number}. {section.title}"
        found = kept[icon] = (label, short(label, 60))
    return found


def menu_text(turn: TurnSurface, raw: str) -> list[Outgoing]:
    """In the menu, a typed number opens the section with that number."""
    typed = fold(clean_text(raw)).rstrip(".")
    for section in turn.template.sections:
        if typed == section.number and section.id in turn.my_sections:
            return open_section(turn, section.id)
    return [Reply(t("menu.pick_section")), *show_menu(turn)]


def open_section(turn: TurnSurface, section_id: str) -> list[Outgoing]:
    """Starts or resumes a section at its first open question, or shows its review."""
    section = flow.top_section(turn.template, section_id)
    if section is None:
        return [Reply(t("input.stale_button")), *show_menu(turn)]
    if not turn.may_work(section.id):
        return turn.refuse_section(section.id)
    turn.state.clear_input()
    turn.state.section_id = section.id
    turn.state.from_review = False
    note = returned_note(turn, section.id)
    question = turn.first_open(section)
    replies = turn.show_review() if question is None else turn.go_to(question)
    return [Reply(note), *replies] if note else replies


def returned_note(turn: TurnSurface, section_id: str) -> str | None:
    """The director's comment on a section sent back for revision."""
    finished, comment = returned_sections(turn.session, period_id=turn.period_id).get(
        section_id, (False, "")
    )
    if finished or not comment:
        return None
    return t("section.returned_note", comment=comment)


def greet(turn: TurnSurface) -> list[Outgoing]:
    """/start: greets the member and shows their report's sections."""
    greeting = t(
        "start.welcome",
        name=turn.member.display_name,
        unit=turn.unit.name,
        report=turn.template.name,
        year=year_text(turn.period.year),
    )
    return [Reply(greeting), *show_menu(turn)]


def cancel(turn: TurnSurface) -> list[Outgoing]:
    """/huy: drops any half-typed input; stored answers stay."""
    if turn.state.mode == "menu":
        return [Reply(t("input.nothing_to_cancel")), *show_menu(turn)]
    turn.state.clear_input()
    turn.state.mode = "menu"
    turn.state.question_id = None
    return [Reply(t("input.cancelled")), *show_menu(turn)]

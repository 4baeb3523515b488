"""The Vietnamese text of reminders and of the director's summary (from the catalogue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.core.clock import VIETNAM
from bot.core.replies import CODE_LIMIT, RESUME, SECTION, Button, code_from_anywhere
from bot.core.text import year_text
from bot.questionnaire.schema import Template
from bot.reminders.policy import DUE_DAY, NUDGE
from bot.texts import t


@dataclass(frozen=True)
class ReminderText:
    """A message ready for a sender: text and rows of neutral buttons."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)


def date_text(day: date) -> str:
    """30/06/2026."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def continue_code(section_id: str | None) -> str:
    """The code of the continue button: straight to a section's first open question."""
    resume = code_from_anywhere(RESUME)
    code = code_from_anywhere(SECTION + section_id) if section_id else resume
    return code if len(code.encode()) <= CODE_LIMIT else resume


def _section_lines(template: Template, section_ids: list[str]) -> list[str]:
    by_id = {s.id: s for s in template.sections}
    return [
        t("reminders.section_line", number=by_id[s].number, title=by_id[s].title)
        for s in section_ids
        if s in by_id
    ]


def member_reminder(
    *,
    kind: str,
    template: Template,
    year: str,
    deadline: date | None,
    sections: list[str],
    now: datetime,
) -> ReminderText:
    """A reminder naming the report, its deadline and exactly the sections still missing."""
    fields = {"report": template.name, "year": year_text(year)}
    if deadline is None:
        head = t("reminders.nudge_no_deadline", **fields)
    else:
        fields["deadline"] = date_text(deadline)
        days = (deadline - now.astimezone(VIETNAM).date()).days
        if kind == NUDGE:
            head = t("reminders.nudge", **fields)
        elif kind == DUE_DAY or days <= 0:
            head = t("reminders.due_day", **fields)
        else:
            head = t("reminders.before", days=days, **fields)
    lines = [
        head,
        t("reminders.missing_intro"),
        *_section_lines(template, sections),
        t("reminders.continue_hint"),
    ]
    button = Button(
        continue_code(sections[0] if sections else None), t("reminders.continue_button"), "/tiep"
    )
    return ReminderText("\n".join(lines), [[button]])


def director_summary(
    *,
    template: Template,
    year: str,
    deadline: date,
    owners: dict[str, list[int]],
    names: dict[int, str],
) -> ReminderText:
    """After the deadline: each missing section and who it waits for."""
    by_id = {s.id: s for s in template.sections}
    lines = [
        t(
            "reminders.summary_title",
            report=template.name,
            year=year_text(year),
            deadline=date_text(deadline),
        ),
        t("reminders.summary_intro"),
    ]
    for section_id, people in owners.items():
        section = by_id.get(section_id)
        if section is None:
            continue
        who = ", ".join(names.get(p, str(p)) for p in people) or t("reminders.summary_unassigned")
        lines.append(
            t("reminders.summary_line", number=section.number, title=section.title, people=who)
        )
    lines.append(t("reminders.summary_hint"))
    return ReminderText("\n".join(lines))


def blocked_notice(*, template: Template, name: str) -> ReminderText:
    """Tells the director a member blocked the bot and did not get their reminder."""
    return ReminderText(t("reminders.blocked", name=name, report=template.name))

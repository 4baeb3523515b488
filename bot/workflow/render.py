"""The progress of a period as a Vietnamese message (chat /tiendo and `baocao progress`)."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import VIETNAM
from bot.core.text import year_text
from bot.questionnaire.schema import Template
from bot.texts import t
from bot.workflow.progress import Progress


def progress_text(progress: Progress, template: Template) -> str:
    """Per section and per person, late ones marked."""
    period = progress.period
    term = t("progress.term", term=period.term) if period.term else ""
    lines = [t("progress.title", report=template.name, year=year_text(period.year), term=term)]
    if period.deadline:
        key = "progress.deadline_passed" if progress.deadline_passed else "progress.deadline"
        lines.append(t(key, deadline=period.deadline.strftime("%d/%m/%Y")))
    else:
        lines.append(t("progress.no_deadline"))
    names = {p.member_id: p.name for p in progress.people}
    lines.append("")
    lines.append(t("progress.sections"))
    for s in progress.sections:
        who = (
            ", ".join(names.get(m, "?") for m in s.assignees)
            if s.assignees
            else t("progress.nobody")
        )
        lines.append(
            t(
                "progress.section_line",
                number=s.number,
                title=s.title,
                answered=s.answered,
                total=s.total,
                state=t(f"state.{s.state}"),
                who=who,
            )
        )
    lines.append("")
    lines.append(t("progress.people"))
    for p in progress.people:
        last = (
            t("progress.last_activity", when=when_text(p.last_activity))
            if p.last_activity
            else t("progress.no_activity")
        )
        line = t(
            "progress.person_line",
            name=p.name,
            role=t(f"role.{p.role}"),
            answered=p.answered,
            total=p.total,
            finished=p.finished_sections,
            count=len(p.sections),
            last=last,
        )
        lines.append(t("progress.late_person", line=line) if p.late else line)
    if not progress.people:
        lines.append(t("progress.nobody_assigned"))
    if progress.children:
        lines.append("")
        lines.append(t("hierarchy.progress.children"))
        lines.extend(
            t(
                "hierarchy.progress.child_line",
                name=c.unit_name,
                state=t(f"hierarchy.state.{c.status}"),
                done=c.sections_done,
                total=c.sections_total,
            )
            for c in progress.children
        )
    return "\n".join(lines)


def when_text(moment: datetime) -> str:
    """A time as Vietnamese people write it: 14:05 25/11/2026."""
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")

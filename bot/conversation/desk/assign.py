"""/giao at the desk: the sections with who has them; tick the people of one section."""

from __future__ import annotations

import logging

from bot.conversation.desk.core import Area
from bot.conversation.desk.flows import AssignSection
from bot.core.digits import small_int
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import short
from bot.store import queries as store
from bot.texts import t
from bot.workflow import periods
from bot.workflow.access import Action, Role, require, role_of
from models import require_id

log = logging.getLogger(__name__)


class AssignDesk(Area):
    """Giving and taking back sections."""

    def start(self) -> list[Outgoing]:
        """/giao: the sections with who has them; pick one to (re)assign."""
        require(self.member, Action.ASSIGN, period=self.desk.period)
        self.desk.begin()
        self.turn.state.step += 1
        names = self.desk.names()
        by_section = periods.assignees(self.session, period_id=self.turn.period_id)
        lines = [t("assign.ask_section")]
        buttons = []
        for section in self.desk.template.sections:
            who = ", ".join(names.get(m, "?") for m in by_section.get(section.id, []))
            lines.append(
                t(
                    "assign.section_line",
                    number=section.number,
                    title=section.title,
                    who=f" → {who}" if who else "",
                )
            )
            label = f"{section.number}. {section.title}"
            buttons.append([Button(self.desk.code(f"as:{section.id}"), short(label, 60))])
        buttons.append([Button(self.desk.code("end:"), t("button.done_assigning"))])
        return [Reply("\n".join(lines), buttons)]

    def pick_section(self, args: list[str], *, replace: bool = False) -> list[Outgoing]:
        require(self.member, Action.ASSIGN, period=self.desk.period)
        section = self.turn.template_section(args[0] if args else "")
        if section is None:
            return self.desk.stale(self.start())
        staff = [
            m
            for m in store.members_of(self.session, unit_id=require_id(self.turn.unit))
            if m.id != self.member.id or role_of(m) is Role.STAFF
        ]
        if not staff:
            return [Reply(t("assign.no_staff"))]
        self.desk.begin(AssignSection(section=section.id))
        self.turn.state.step += 1
        chosen = set(
            periods.assignees(self.session, period_id=self.turn.period_id).get(section.id, [])
        )
        buttons = [
            [
                Button(
                    self.desk.code(f"am:{section.id}:{m.id}"),
                    short(f"{'☑' if m.id in chosen else '☐'} {m.display_name}", 60),
                )
            ]
            for m in staff
        ]
        buttons.append(
            [
                Button(self.desk.code("list:"), t("button.back")),
                Button(self.desk.code("end:"), t("button.done_assigning")),
            ]
        )
        text = t("assign.ask_member", number=section.number, title=section.title)
        return [Reply(text, buttons, replace=replace)]

    def toggle(self, args: list[str]) -> list[Outgoing]:
        """A person pressed: given the section, or (ticked already) relieved of it."""
        period = self.desk.period
        require(self.member, Action.ASSIGN, period=period)
        section = self.turn.template_section(args[0] if args else "")
        member_id = args[1] if len(args) > 1 else ""
        person_id = small_int(member_id)
        if section is None or person_id is None:
            return self.desk.stale(self.start())
        person = store.member_by_id(self.session, member_id=person_id)
        if person is None or person.unit_id != self.turn.unit.id or not person.active:
            log.warning(
                "refused: member %s of unit %s pressed assign for member %s outside the unit",
                self.member.id,
                self.member.unit_id,
                member_id,
            )
            return self.desk.stale(self.start())
        removed = periods.unassign(
            self.session, period=period, section_id=section.id, member_id=require_id(person)
        )
        notices: list[Outgoing] = []
        if removed:
            ack = t(
                "assign.taken",
                number=section.number,
                title=section.title,
                name=person.display_name,
            )
        else:
            periods.assign(
                self.session,
                period=period,
                template=self.desk.template,
                section_id=section.id,
                member=person,
                assigned_by=self.member.id,
            )
            ack = t(
                "assign.given",
                number=section.number,
                title=section.title,
                name=person.display_name,
            )
            if person.id != self.member.id:
                notices += self.turn.notify(
                    [require_id(person)], self._assigned_text(section.number, section.title)
                )
        self.desk.replan(self.turn.period_id)
        replies = self.pick_section([section.id], replace=True)
        return [Reply(ack), *replies, *notices]

    def _assigned_text(self, number: str, title: str) -> str:
        period = self.desk.period
        common = {
            "director": self.member.display_name,
            "number": number,
            "title": title,
            "report": self.desk.template.name,
        }
        if period.deadline:
            return t(
                "assign.notify_deadline", deadline=period.deadline.strftime("%d/%m/%Y"), **common
            )
        return t("assign.notify", **common)

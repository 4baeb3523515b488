"""/tralai, /chot and /mokhoa at the desk: send a section back to its authors with a
comment, mark the report final, and unlock one section of a final report."""

from __future__ import annotations

from bot.conversation.desk.children import ChildrenDesk
from bot.conversation.desk.core import Area
from bot.conversation.desk.flows import ReturnSection
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import short, year_text
from bot.questionnaire.answers import clean_text
from bot.store import queries as store
from bot.texts import t
from bot.workflow import periods
from bot.workflow.access import Action, require


class ReturnsDesk(Area):
    """Sending back, locking and unlocking the report's sections."""

    def start_return(self) -> list[Outgoing]:
        """/tralai: pick a section to send back to its authors with a comment."""
        require(self.member, Action.RETURN_SECTION, period=self.desk.period)
        progress = store.section_progress(self.session, period_id=self.turn.period_id)
        candidates = [
            s
            for s in self.desk.template.sections
            if (s.id in progress and progress[s.id].finished) or self.turn.section_counts(s)[0]
        ]
        if not candidates:
            return [Reply(t("return.nothing"))]
        self.desk.begin()
        self.turn.state.step += 1
        buttons = [
            [Button(self.desk.code(f"ret:{s.id}"), short(f"{s.number}. {s.title}", 60))]
            for s in candidates
        ]
        return [Reply(t("return.ask_section"), buttons)]

    def pick_section(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.RETURN_SECTION, period=self.desk.period)
        section = self.turn.template_section(args[0] if args else "")
        if section is None:
            return self.desk.stale(self.start_return())
        self.desk.begin(ReturnSection(section=section.id))
        self.turn.state.step += 1
        return [Reply(t("return.ask_comment", number=section.number, title=section.title))]

    def ask_comment(self) -> list[Outgoing]:
        """The comment asked again (nothing when the section is gone)."""
        flow = self.turn.state.desk
        section_id = flow.section if isinstance(flow, ReturnSection) else ""
        section = self.turn.template_section(section_id)
        if section is None:
            return []
        return [Reply(t("return.ask_comment", number=section.number, title=section.title))]

    def typed_comment(self, raw: str) -> list[Outgoing]:
        period = self.desk.period
        require(self.member, Action.RETURN_SECTION, period=period)
        flow = self.turn.state.desk
        section_id = flow.section if isinstance(flow, ReturnSection) else ""
        section = self.turn.template_section(section_id)
        comment = clean_text(raw)[:500]
        if section is None or not comment:
            return self.ask_comment() or self.desk.end()
        periods.return_section(
            self.session, period=period, section_id=section.id, comment=comment, by=self.member
        )
        self.desk.replan(self.turn.period_id)
        self.desk.clear()
        authors = periods.assignees(self.session, period_id=self.turn.period_id).get(
            section.id, []
        )
        notice = t(
            "return.notify",
            director=self.member.display_name,
            number=section.number,
            title=section.title,
            comment=comment,
        )
        done = t("return.done", number=section.number, title=section.title)
        others = [m for m in authors if m != self.member.id]
        return [Reply(done), *self.turn.show_menu(), *self.turn.notify(others, notice)]

    def start_finalize(self) -> list[Outgoing]:
        """/chot: confirm, then lock the report."""
        require(self.member, Action.FINALIZE, period=self.desk.period)
        self.desk.begin()
        self.turn.state.step += 1
        buttons = [
            [
                Button(self.desk.code("fin:yes"), t("button.confirm_final")),
                Button(self.desk.code("fin:no"), t("button.cancel")),
            ]
        ]
        text = t(
            "final.confirm",
            report=self.desk.template.name,
            year=year_text(self.desk.period.year),
        )
        return [Reply(text, buttons)]

    def confirm_finalize(self, args: list[str]) -> list[Outgoing]:
        period = self.desk.period
        require(self.member, Action.FINALIZE, period=period)
        self.desk.clear()
        if args[:1] != ["yes"]:
            return [Reply(t("final.cancelled")), *self.turn.show_menu()]
        periods.finalize(self.session, period=period)
        told = ChildrenDesk(self.desk).tell_parent()
        return [Reply(t("final.done")), *self.turn.show_menu(), *told]

    def start_reopen(self) -> list[Outgoing]:
        """/mokhoa: unlock one section of a final report."""
        period = self.desk.period
        require(self.member, Action.REOPEN, period=period)
        if period.status != "final":
            return [Reply(t("final.not_final"))]
        self.desk.begin()
        self.turn.state.step += 1
        buttons = [
            [Button(self.desk.code(f"reo:{s.id}"), short(f"{s.number}. {s.title}", 60))]
            for s in self.desk.template.sections
        ]
        return [Reply(t("final.reopen_ask"), buttons)]

    def reopen(self, args: list[str]) -> list[Outgoing]:
        period = self.desk.period
        require(self.member, Action.REOPEN, period=period)
        section = self.turn.template_section(args[0] if args else "")
        if section is None or period.status != "final":
            return self.desk.stale()
        periods.reopen_section(self.session, period=period, section_id=section.id)
        self.desk.clear()
        reply = t("final.reopened", number=section.number, title=section.title)
        return [Reply(reply), *self.turn.show_menu()]

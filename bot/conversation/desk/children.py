"""The parent unit's desk in chat: its child units and their directors' invites
(/donvicon), telling the parent when a child's report is final, and adjusting a
consolidated figure with a note (/dieuchinh). Collecting a report kind from the child
units when a period is opened is part of /moky (periods.py).

Every step is authorised again on the server like every desk step; a child is looked up
again among this unit's own children, whatever the button said.
"""

from __future__ import annotations

import logging

from bot.conversation.desk.core import Area, lead_ids
from bot.conversation.desk.flows import Adjustment, ChildName
from bot.core.clock import VIETNAM
from bot.core.digits import small_int
from bot.core.replies import Button, Outgoing, Reply
from bot.questionnaire import index as flow
from bot.questionnaire.answers import clean_name, clean_text
from bot.questionnaire.schema import TableQuestion
from bot.report.consolidate import summable
from bot.store import queries as store
from bot.texts import t
from bot.workflow.access import Action, Role, require
from bot.workflow.hierarchy import (
    HierarchyError,
    adjust,
    child_states,
    children_of,
    create_child_unit,
    target_label,
)
from bot.workflow.invites import create_invite, invite_link
from models import Unit, require_id

log = logging.getLogger(__name__)


class ChildrenDesk(Area):
    """The parent unit's commands and buttons for one turn."""

    def command(self, name: str) -> list[Outgoing]:
        """/donvicon or /dieuchinh."""
        return self.show() if name == "donvicon" else self.start_adjust()

    def button(self, args: list[str]) -> list[Outgoing]:
        """A button "d:ch:<what>:<argument>" ("col" is /moky's, see periods.py)."""
        what, argument = [*args, "", ""][:2]
        if what == "new":
            return self.ask_name()
        if what == "re":
            return self.invite_director(argument)
        log.warning("unknown children button from member %s: %r", self.member.id, args[:3])
        return [Reply(t("input.stale_button")), *self.turn.show_menu()]

    def typed(self, raw: str) -> list[Outgoing]:
        """Text typed while a dialogue of this desk waits for it."""
        if isinstance(self.turn.state.desk, ChildName):
            return self.typed_name(raw)
        return self.typed_adjustment(raw)

    def current(self) -> list[Outgoing]:
        """The question the dialogue waits on, again."""
        if isinstance(self.turn.state.desk, ChildName):
            require(self.member, Action.MANAGE_CHILDREN)
            return [Reply(t("children.ask_name"))]
        return self.start_adjust()

    # -- child units and their directors ------------------------------------------------

    def show(self) -> list[Outgoing]:
        """/donvicon: the child units, where their reports stand, and invite buttons."""
        require(self.member, Action.MANAGE_CHILDREN)
        unit = self.turn.unit
        children = children_of(self.session, unit_id=require_id(unit))
        self.desk.begin()
        self.turn.state.step += 1
        lines = [t("children.title", unit=unit.name)]
        period = self.turn.period
        states = {}
        if period is not None and period.collect_template_id:
            states = {s.unit_id: s for s in child_states(self.session, period=period)}
        for index, child in enumerate(children, 1):
            state = states.get(require_id(child))
            where = (
                t(
                    "children.state",
                    state=t(f"hierarchy.state.{state.status}"),
                    done=state.sections_done,
                    total=state.sections_total,
                )
                if state
                else ""
            )
            director = t("children.has_director") if _director(child, self) else ""
            lines.append(t("children.line", index=index, name=child.name, where=where) + director)
        if not children:
            lines.append(t("children.none"))
        buttons = [[Button(self.desk.code("ch:new"), t("children.button_new"))]]
        buttons += [
            [
                Button(
                    self.desk.code(f"ch:re:{c.id}"), t("children.button_invite", name=c.name)[:60]
                )
            ]
            for c in children
            if not _director(c, self)
        ]
        buttons.append([Button(self.desk.code("end:"), t("button.close"))])
        lines.append(t("children.hint"))
        return [Reply("\n".join(lines), buttons)]

    def ask_name(self) -> list[Outgoing]:
        require(self.member, Action.MANAGE_CHILDREN)
        self.desk.begin(ChildName())
        self.turn.state.step += 1
        return [Reply(t("children.ask_name"))]

    def typed_name(self, raw: str) -> list[Outgoing]:
        """A new child unit named: created under this unit, its director invited."""
        require(self.member, Action.MANAGE_CHILDREN)
        name = clean_name(raw)[:200]
        if len(name) < 3:
            return [Reply(t("children.bad_name"))]
        parent = self.turn.unit
        known = {c.name.casefold() for c in children_of(self.session, unit_id=require_id(parent))}
        if name.casefold() in known:
            return [Reply(t("children.exists", name=name))]
        child = create_child_unit(self.session, parent=parent, name=name)
        log.info("member %s created unit %s under unit %s", self.member.id, child.id, parent.id)
        return self._invite(child, t("children.created", name=name))

    def invite_director(self, argument: str) -> list[Outgoing]:
        """A new director invite for a child unit of this unit (and of no other)."""
        require(self.member, Action.MANAGE_CHILDREN)
        number = small_int(argument)
        children = {c.id: c for c in children_of(self.session, unit_id=require_id(self.turn.unit))}
        child = children.get(number) if number is not None else None
        if child is None:
            log.warning(
                "refused: member %s pressed invite for unit %r", self.member.id, argument[:20]
            )
            return [Reply(t("input.stale_button")), *self.turn.show_menu()]
        return self._invite(child, "")

    def _invite(self, child: Unit, first: str) -> list[Outgoing]:
        invite = create_invite(
            self.session, unit_id=require_id(child), role=Role.DIRECTOR, created_by=self.member.id
        )
        self.desk.clear()
        expires = invite.expires_at.astimezone(VIETNAM).strftime("%d/%m/%Y")
        username = self.turn.options.bot_username
        how = (
            t("children.invite_link", link=invite_link(username, invite.code))
            if username
            else t("children.invite_code", code=invite.code)
        )
        text = t("children.invite", name=child.name, expires=expires, how=how)
        return [Reply(f"{first}\n{text}".strip()), *self.turn.show_menu()]

    def tell_parent(self) -> list[Outgoing]:
        """A child's report just became final: the parent's leaders hear it, with how many
        of their children are done."""
        period = self.turn.period
        parent = (
            store.period_by_id(self.session, period_id=period.parent_period_id)
            if period is not None and period.parent_period_id is not None
            else None
        )
        if parent is None:
            return []
        states = child_states(self.session, period=parent)
        text = t(
            "children.final_notice",
            name=self.turn.unit.name,
            done=sum(1 for s in states if s.done),
            total=len(states),
        )
        return self.turn.notify(lead_ids(self.session, unit_id=parent.unit_id), text)

    # -- adjusting a consolidated figure ------------------------------------------------

    def start_adjust(self) -> list[Outgoing]:
        """/dieuchinh: the figures that are summed, and how to set one with a note."""
        require(self.member, Action.ANSWER_ANY, period=self.turn.period)
        period = self.turn.period
        if period is None or not period.collect_template_id:
            return [Reply(t("hierarchy.error.not_collecting"))]
        self.desk.begin(Adjustment())
        self.turn.state.step += 1
        lines = [t("adjust.title")]
        examples: list[str] = []
        for slot in flow.all_slots(self.desk.template):
            question = slot.question
            if not summable(question):
                continue
            if isinstance(question, TableQuestion):
                examples.append(f"{question.id}.{question.rows[0].id}.{question.columns[0].id}")
                rows = ", ".join(f"{r.id} = {r.label}" for r in question.rows)
                columns = ", ".join(f"{c.id} = {c.label}" for c in question.columns)
                lines.append(
                    t(
                        "adjust.table_line",
                        id=question.id,
                        label=question.label or question.id,
                        rows=rows,
                        columns=columns,
                    )
                )
            else:
                examples.append(question.id)
                lines.append(t("adjust.line", id=question.id, label=question.label or question.id))
        lines.append(t("adjust.hint", example=examples[0] if examples else "…"))
        return [Reply("\n".join(lines), [[Button(self.desk.code("end:"), t("button.close"))]])]

    def typed_adjustment(self, raw: str) -> list[Outgoing]:
        """ "<figure> <value> <note>": set, checked like an answer, shown in the draft."""
        require(self.member, Action.ANSWER_ANY, period=self.turn.period)
        target, _, rest = clean_text(raw).partition(" ")
        value, _, note = rest.strip().partition(" ")
        try:
            row = adjust(
                self.session,
                period=self.desk.period,
                template=self.desk.template,
                target=target.strip(),
                value=value,
                note=note,
                member_id=self.member.id,
            )
        except HierarchyError as err:
            return [Reply(t(f"hierarchy.error.{err.reason}", **err.details))]
        self.desk.clear()
        label = target_label(self.desk.template, row.target)
        done = t("adjust.done", figure=label, value=value, note=row.note)
        return [Reply(done), *self.turn.show_menu()]


def _director(unit: Unit, desk: ChildrenDesk) -> bool:
    """Whether a child unit has a director who joined."""
    return any(
        m.role == Role.DIRECTOR for m in store.members_of(desk.session, unit_id=require_id(unit))
    )

"""The parent unit's desk in chat: its child units and their directors' invites
(/donvicon), collecting a report kind from them when a period is opened (/moky), and
adjusting a consolidated figure with a note (/dieuchinh).

Every step is authorised again on the server like every desk step; a child is looked up
again among this unit's own children, whatever the button said.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

from bot.core.clock import VIETNAM
from bot.core.digits import small_int
from bot.core.replies import Button, Outgoing, Reply
from bot.questionnaire import index as flow
from bot.questionnaire.answers import clean_name, clean_text
from bot.questionnaire.loader import all_templates, load_template
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
    open_collection,
    target_label,
)
from bot.workflow.invites import create_invite, invite_link
from bot.workflow.render import year_text
from models import Unit

if TYPE_CHECKING:
    from bot.conversation.desk import Desk

log = logging.getLogger(__name__)

CHILD_COMMANDS = ("donvicon", "dieuchinh")
# What the desk waits for while these dialogues run.
WAIT_CHILD_NAME = "child_name"
WAIT_ADJUSTMENT = "adjustment"
CHILD_WAITS = (WAIT_CHILD_NAME, WAIT_ADJUSTMENT)
_NO_COLLECT = "-"


class ChildrenDesk:
    """The parent unit's commands and buttons for one turn."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.turn = desk.turn
        self.session = desk.session
        self.member = desk.member

    def command(self, name: str) -> list[Outgoing]:
        """/donvicon or /dieuchinh."""
        return self.show() if name == "donvicon" else self.start_adjust()

    def button(self, args: list[str]) -> list[Outgoing]:
        """A button "d:ch:<what>:<argument>"."""
        what, argument = [*args, "", ""][:2]
        if what == "new":
            return self.ask_name()
        if what == "re":
            return self.invite_director(argument)
        if what == "col":
            return self.pick_collect(argument)
        log.warning("unknown children button from member %s: %r", self.member.id, args[:3])
        return [Reply(t("input.stale_button")), *self.turn.show_menu()]

    def typed(self, raw: str) -> list[Outgoing]:
        """Text typed while a dialogue of this desk waits for it."""
        if self.turn.state.desk.get("wait") == WAIT_CHILD_NAME:
            return self.typed_name(raw)
        return self.typed_adjustment(raw)

    def current(self) -> list[Outgoing]:
        """The question the dialogue waits on, again."""
        if self.turn.state.desk.get("wait") == WAIT_CHILD_NAME:
            require(self.member, Action.MANAGE_CHILDREN)
            return [Reply(t("children.ask_name"))]
        return self.start_adjust()

    # -- child units and their directors ------------------------------------------------

    def show(self) -> list[Outgoing]:
        """/donvicon: the child units, where their reports stand, and invite buttons."""
        require(self.member, Action.MANAGE_CHILDREN)
        unit = self.turn.unit
        children = children_of(self.session, unit_id=unit.id or 0)
        self.desk.begin()
        self.turn.state.step += 1
        lines = [t("children.title", unit=unit.name)]
        period = self.turn.period
        states = {}
        if period is not None and period.collect_template_id:
            states = {s.unit_id: s for s in child_states(self.session, period=period)}
        for index, child in enumerate(children, 1):
            state = states.get(child.id or 0)
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
        self.desk.begin(wait=WAIT_CHILD_NAME)
        self.turn.state.step += 1
        return [Reply(t("children.ask_name"))]

    def typed_name(self, raw: str) -> list[Outgoing]:
        """A new child unit named: created under this unit, its director invited."""
        require(self.member, Action.MANAGE_CHILDREN)
        name = clean_name(raw)[:200]
        if len(name) < 3:
            return [Reply(t("children.bad_name"))]
        parent = self.turn.unit
        known = {c.name.casefold() for c in children_of(self.session, unit_id=parent.id or 0)}
        if name.casefold() in known:
            return [Reply(t("children.exists", name=name))]
        child = create_child_unit(self.session, parent=parent, name=name)
        log.info("member %s created unit %s under unit %s", self.member.id, child.id, parent.id)
        return self._invite(child, t("children.created", name=name))

    def invite_director(self, argument: str) -> list[Outgoing]:
        """A new director invite for a child unit of this unit (and of no other)."""
        require(self.member, Action.MANAGE_CHILDREN)
        number = small_int(argument)
        children = {c.id: c for c in children_of(self.session, unit_id=self.turn.unit.id or 0)}
        child = children.get(number) if number is not None else None
        if child is None:
            log.warning(
                "refused: member %s pressed invite for unit %r", self.member.id, argument[:20]
            )
            return [Reply(t("input.stale_button")), *self.turn.show_menu()]
        return self._invite(child, "")

    def _invite(self, child: Unit, first: str) -> list[Outgoing]:
        invite = create_invite(
            self.session, unit_id=child.id or 0, role=Role.DIRECTOR, created_by=self.member.id
        )
        self.turn.state.desk = {}
        expires = invite.expires_at.astimezone(VIETNAM).strftime("%d/%m/%Y")
        username = self.turn.options.bot_username
        how = (
            t("children.invite_link", link=invite_link(username, invite.code))
            if username
            else t("children.invite_code", code=invite.code)
        )
        text = t("children.invite", name=child.name, expires=expires, how=how)
        return [Reply(f"{first}\n{text}".strip()), *self.turn.show_menu()]

    # -- collecting when a period is opened ---------------------------------------------

    def wants_collect(self) -> bool:
        """Whether /moky asks what to collect: the unit has child units."""
        return bool(children_of(self.session, unit_id=self.turn.unit.id or 0))

    def ask_collect(self) -> list[Outgoing]:
        """/moky, after the term: which report kind the child units send up, if any."""
        require(self.member, Action.OPEN_PERIOD)
        self.turn.state.step += 1
        kinds = all_templates(self.turn.options.templates_root)
        buttons = [
            [Button(self.desk.code(f"ch:col:{i}"), f"{i + 1}. {k.name}"[:60])]
            for i, k in enumerate(kinds)
        ]
        buttons.append([Button(self.desk.code(f"ch:col:{_NO_COLLECT}"), t("children.no_collect"))])
        count = len(children_of(self.session, unit_id=self.turn.unit.id or 0))
        return [Reply(t("children.ask_collect", count=count), buttons)]

    def pick_collect(self, argument: str) -> list[Outgoing]:
        require(self.member, Action.OPEN_PERIOD)
        desk = self.turn.state.desk
        if "year" not in desk or "term" not in desk or desk.get("wait") == "deadline":
            return [Reply(t("input.stale_button")), *self.desk.start_open_period()]
        if argument != _NO_COLLECT:
            kinds = all_templates(self.turn.options.templates_root)
            index = small_int(argument, limit=len(kinds) - 1) if kinds else None
            if index is None:
                return [Reply(t("input.stale_button")), *self.desk.start_open_period()]
            desk["collect"] = kinds[index].id
        desk["wait"] = "deadline"
        self.turn.state.step += 1
        return [self.desk._ask_deadline()]

    def open_collecting(self, deadline: date) -> list[Outgoing]:
        """Opens the parent's period and one for each child unit, with their reminders."""
        from bot.conversation.desk import replan_reminders

        require(self.member, Action.OPEN_PERIOD)
        desk = self.turn.state.desk
        root = self.turn.options.templates_root
        template = load_template(str(desk["kind"]), root)
        collect = load_template(str(desk["collect"]), root)
        try:
            collection = open_collection(
                self.session,
                unit=self.turn.unit,
                template=template,
                collect=collect,
                year=str(desk["year"]),
                term=desk.get("term"),
                deadline=deadline,
                opened_by=self.member.id,
            )
        except HierarchyError as err:
            self.turn.state.desk = {}
            return [
                Reply(t(f"hierarchy.error.{err.reason}", **err.details)),
                *self.turn.show_menu(),
            ]
        self.turn.state.desk = {}
        for period in collection.all_periods:
            replan_reminders(self.session, period.id or 0, root)
        period = collection.period
        term = t("progress.term", term=period.term) if period.term else ""
        names = {c.id: c.name for c in children_of(self.session, unit_id=self.turn.unit.id or 0)}
        direct = [p for p in collection.children if p.parent_period_id == period.id]
        lines = [
            t(
                "children.opened",
                report=template.name,
                year=year_text(period.year),
                term=term,
                deadline=deadline.strftime("%d/%m/%Y"),
                kind=collect.name,
                count=len(direct),
            ),
            *(t("children.opened_line", name=names.get(p.unit_id, "?")) for p in direct),
        ]
        told = self.turn.notify(
            _directors(self, [p.unit_id for p in direct]),
            t(
                "children.opened_notice",
                parent=self.turn.unit.name,
                kind=collect.name,
                year=year_text(period.year),
                deadline=deadline.strftime("%d/%m/%Y"),
            ),
        )
        self.turn.switch_period(period, template)
        return [Reply("\n".join(lines)), *self.turn.show_menu(), *told]

    def tell_parent(self) -> list[Outgoing]:
        """A child's report just became final: the parent's leaders hear it, with how many
        of their children are done."""
        from bot.conversation.desk import lead_ids

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
        self.desk.begin(wait=WAIT_ADJUSTMENT)
        self.turn.state.step += 1
        lines = [t("adjust.title")]
        examples: list[str] = []
        for slot in flow.all_slots(self.turn.template):
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
                period=self.turn.period,
                template=self.turn.template,
                target=target.strip(),
                value=value,
                note=note,
                member_id=self.member.id,
            )
        except HierarchyError as err:
            return [Reply(t(f"hierarchy.error.{err.reason}", **err.details))]
        self.turn.state.desk = {}
        label = target_label(self.turn.template, row.target)
        done = t("adjust.done", figure=label, value=value, note=row.note)
        return [Reply(done), *self.turn.show_menu()]


def _director(unit: Unit, desk: ChildrenDesk) -> bool:
    """Whether a child unit has a director who joined."""
    return any(
        m.role == Role.DIRECTOR.value for m in store.members_of(desk.session, unit_id=unit.id or 0)
    )


def _directors(desk: ChildrenDesk, unit_ids: list[int]) -> list[int]:
    return [
        m.id or 0
        for unit_id in unit_ids
        for m in store.members_of(desk.session, unit_id=unit_id)
        if m.role == Role.DIRECTOR.value
    ]

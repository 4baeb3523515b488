"""A member whose unit has no reporting period yet: the director opens one, invites people
and lists members; everyone else is told to wait."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.conversation.commands import command_named
from bot.conversation.desk import Desk, notices
from bot.conversation.desk.flows import Idle
from bot.conversation.events import ButtonPress, Command, Incoming
from bot.conversation.state import State, dumped, keep, taken
from bot.conversation.surface import DeskOptions
from bot.core.digits import small_int
from bot.core.replies import Outgoing, Reply
from bot.questionnaire import index as flow
from bot.questionnaire.evaluation import Evaluation
from bot.questionnaire.schema import Section, Template
from bot.store import hot_path
from bot.texts import t
from bot.workflow.access import is_lead
from models import Period, require_id


class Lobby:
    """The turn of a member of a unit without a period (a `DeskTurn`, as the desk needs)."""

    def __init__(self, session: Session, context: hot_path.MemberContext, options: DeskOptions):
        self.session = session
        self.member = context.member
        self.unit = context.unit
        self.options = options
        self.period: Period | None = None
        self.template: Template | None = None
        self.conversation_id = context.conversation_id
        self.identity_id = context.identity_id
        saved = context.conversation_text if context.conversation_period_id is None else None
        self.state = taken(saved)

    @property
    def period_id(self) -> int:
        return require_id(self.period) if self.period else 0

    def dispatch(self, event: Incoming) -> list[Outgoing]:
        """Routes what a lobby can do; anything else is told there is no period yet."""
        desk = Desk(self)
        if isinstance(event, Command):
            command = command_named(event.name)
            if command is not None and command.anywhere is not None:
                return command.anywhere(self, event.argument)
            lobby = command.lobby if command else None
            if lobby == "desk":
                return desk.command(event.name)
            if lobby == "restart":
                self.state = State(step=self.state.step)
            return self.show_menu()
        if isinstance(event, ButtonPress):
            step, _, action = event.code.partition(":")
            if action.startswith("d:") and small_int(step) == self.state.step:
                return desk.button(action)
            return self.show_menu()
        if self.state.mode == "desk":
            return desk.text(event.text) if hasattr(event, "text") else desk.current()
        return self.show_menu()

    def save(self) -> None:
        """Stores the desk dialogue (or, once a period is open, the member's fresh start):
        the lobby's last step, as `Turn.save` is the turn's."""
        text = dumped(self.state)
        hot_path.write_conversation(
            self.session,
            conversation_id=self.conversation_id,
            member_id=require_id(self.member),
            period_id=self.period.id if self.period else None,
            state=text,
            identity_id=self.identity_id,
        )
        keep(text, self.state)

    def code(self, action: str) -> str:
        """A button code bound to the current step."""
        return f"{self.state.step}:{action}"

    def show_menu(self) -> list[Outgoing]:
        """What can be done without a period."""
        self.state.mode = "menu"
        self.state.desk = Idle()
        if self.period is not None:
            return []
        key = "period.none_open_lead" if is_lead(self.member) else "start.no_period"
        return [Reply(t(key))]

    def current(self, *, quiet_menu: bool = False) -> list[Outgoing]:
        """Nothing is asked in a lobby but its menu."""
        return [] if quiet_menu else self.show_menu()

    def switch_period(self, period: Period, template: Template) -> None:
        """The period just opened: the next event starts in it."""
        self.period = period
        self.template = template
        self.state = State(step=self.state.step)

    def template_section(self, section_id: str) -> Section | None:
        """A top section of the period just opened; None while there is none."""
        return flow.top_section(self.template, section_id) if self.template else None

    def notify(self, member_ids: list[int], text: str) -> list[Outgoing]:
        """Messages for other members' chats."""
        return notices(self.session, member_ids, text)

    def section_counts(self, section: Any) -> tuple[int, int]:
        return 0, 0

    def evaluation(self) -> Evaluation:
        """A unit without a period has no figures (the desk asks only with a period)."""
        raise LookupError("no period")

"""What the leaders' desk relies on, whether a member is in a period (`Turn`) or in a unit
without one yet (`Lobby`)."""

from __future__ import annotations

from typing import Protocol

from sqlmodel import Session

from bot.engine.messages import Outgoing
from bot.engine.options import EngineOptions
from bot.engine.state import State
from bot.questionnaire.schema import Section, Template
from models import Member, Period, Unit


class Surface(Protocol):
    """A member's turn as the desk sees it: who, where, the state, and where to go back."""

    session: Session
    member: Member
    unit: Unit
    options: EngineOptions
    state: State

    @property
    def period(self) -> Period | None:
        """The period worked on; None before the unit has one."""

    @property
    def template(self) -> Template | None:
        """The period's report kind; None before the unit has a period."""

    @property
    def period_id(self) -> int:
        """The period's id; 0 before the unit has one."""

    def template_section(self, section_id: str) -> Section | None:
        """A top section of the period's report kind, by id; None without a period."""

    def code(self, action: str) -> str:
        """A button code bound to the current step."""

    def show_menu(self) -> list[Outgoing]:
        """The member's menu."""

    def current(self, *, quiet_menu: bool = False) -> list[Outgoing]:
        """What the member is being asked now."""

    def switch_period(self, period: Period, template: Template) -> None:
        """Continues in a period just opened."""

    def notify(self, member_ids: list[int], text: str) -> list[Outgoing]:
        """Messages for other members' chats."""

"""What the director's desk needs of a turn: the small surface `_Turn` and `Lobby` offer.

The desk is typed against this protocol, not against the engine's turn, so the desk's
modules never import the engine (which imports them).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlmodel import Session

from bot.engine.messages import Outgoing
from bot.questionnaire.evaluate import Evaluation
from bot.questionnaire.schema import Section, Template
from models import Member, Period, Unit

if TYPE_CHECKING:
    # Only a type here: the state holds the desk's dialogues, whose package imports this.
    from bot.engine.state import State


class DeskOptions(Protocol):
    """The engine's options the desk reads."""

    @property
    def templates_root(self) -> Path: ...

    @property
    def bot_username(self) -> str | None: ...

    @property
    def delivers_reminders(self) -> bool: ...


class DeskTurn(Protocol):
    """One event's conversation as the desk sees it (a unit without a period has none)."""

    @property
    def session(self) -> Session: ...

    @property
    def member(self) -> Member: ...

    @property
    def unit(self) -> Unit: ...

    @property
    def period(self) -> Period | None: ...

    @property
    def template(self) -> Template | None: ...

    @property
    def options(self) -> DeskOptions: ...

    @property
    def state(self) -> State: ...

    @property
    def period_id(self) -> int: ...

    def code(self, action: str) -> str:
        """A button code bound to the current step."""
        ...

    def current(self, *, quiet_menu: bool = False) -> list[Outgoing]:
        """Repeats what the member is being asked now."""
        ...

    def show_menu(self) -> list[Outgoing]:
        """Back to the menu."""
        ...

    def notify(self, member_ids: list[int], text: str) -> list[Outgoing]:
        """Messages for other members' chats."""
        ...

    def switch_period(self, period: Period, template: Template) -> None:
        """Continues the turn in a period just opened."""
        ...

    def template_section(self, section_id: str) -> Section | None:
        """A top section of the period's report kind, by id."""
        ...

    def section_counts(self, section: Section) -> tuple[int, int]:
        """(answered, total) relevant questions of a top section."""
        ...

    def evaluation(self) -> Evaluation:
        """The figures and failed checks of the answers as they stand."""
        ...

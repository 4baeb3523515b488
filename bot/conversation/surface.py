"""What the steps and the desk rely on of a member's turn, as protocols.

`Surface`: a member's turn whether in a period (`Turn`) or in a unit without one yet
(`Lobby`); `TurnSurface`: a turn in a period (the steps); `DeskTurn`: the small surface the
director's desk needs, which `Turn` and `Lobby` both offer. The desk is typed against it, not
against the engine's turn, so the desk's modules never import the engine (which imports them).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlmodel import Session

from bot.conversation.evaluation_cache import EvaluationCache
from bot.conversation.options import EngineOptions
from bot.core.replies import Outgoing, Reply
from bot.questionnaire.evaluation import CheckFailure, Evaluation
from bot.questionnaire.schema import Question, Section, Template
from models import Member, Period, Unit

if TYPE_CHECKING:
    # Only a type here: the state holds the desk's dialogues, whose package imports this.
    from bot.conversation.state import State


class Surface(Protocol):
    """A member's turn as the desk sees it: who, where, the state, and where to go back."""

    session: Session
    member: Member
    unit: Unit
    options: EngineOptions
    state: State
    # The chat account of this event (kept with the conversation as the one used last).
    identity_id: int | None

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


class TurnSurface(Surface, Protocol):
    """A member's turn in a period as every step relies on it: the period's answers, what
    may be done, and the steps to go to next (`bot.conversation.turn.Turn`)."""

    evaluations: EvaluationCache
    values: dict[str, Any]
    skipped: set[str]
    finished: set[str]
    confirmed: set[str]

    @property
    def period(self) -> Period:
        """The period worked on."""

    @property
    def template(self) -> Template:
        """The period's report kind."""

    @property
    def carried(self) -> dict[str, Any]:
        """Last period's answers offered for questions marked `carry`."""

    @property
    def my_sections(self) -> list[str]:
        """The top sections this member works on."""

    @property
    def section(self) -> Section:
        """The section being worked on."""

    @property
    def question(self) -> Question:
        """The question being asked."""

    def store_answer(
        self, question: Question, value: Any, *, skipped: bool = False, source: str | None = None
    ) -> None:
        """Writes an answer (or its skipping)."""

    def confirm_checks(self, keys: list[str]) -> None:
        """Records failed checks as kept on purpose."""

    def evaluation(self) -> Evaluation:
        """The figures and failed checks of the answers as they stand."""

    def failures(self) -> list[CheckFailure]:
        """The failed checks, kept ones marked."""

    def new_failures(self, question_id: str) -> list[CheckFailure]:
        """Failed checks involving a question that nobody has confirmed yet."""

    def may_work(self, section_id: str) -> bool:
        """Whether this member may answer a section now."""

    def refuse_section(self, section_id: str) -> list[Outgoing]:
        """Why a section cannot be opened."""

    def section_counts(self, section: Section) -> tuple[int, int]:
        """(answered, total) relevant questions of a top section."""

    def first_open(self, section: Section) -> Question | None:
        """The first relevant question of a section not yet answered or skipped."""

    def open_section(self, section_id: str) -> list[Outgoing]:
        """Starts or resumes a section."""

    def go_to(self, question: Question) -> list[Outgoing]:
        """Moves the cursor to a question and asks it."""

    def ask(self) -> Reply:
        """The prompt of the current question."""

    def advance(self, ack: str | None = None) -> list[Outgoing]:
        """The next relevant question, or the section's review at its end."""

    def show_review(self, intro: str | None = None) -> list[Outgoing]:
        """The section's answers, numbered for editing."""


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

    # The chat account of this event (kept with the conversation as the one used last).
    identity_id: int | None

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

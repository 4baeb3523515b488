"""One event's work in a period: the member, their period and answers, the conversation
state, and what may be done; the steps (`bot.conversation.steps`) move it along."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from sqlmodel import Session

from bot.conversation.desk import notices
from bot.conversation.evaluation_cache import EvaluationCache
from bot.conversation.modes import current
from bot.conversation.options import EngineOptions
from bot.conversation.state import State, dumped, keep, taken
from bot.conversation.steps import menu, question, review
from bot.core.replies import Outgoing, Reply
from bot.questionnaire import index as flow
from bot.questionnaire.check_scope import checked_questions
from bot.questionnaire.evaluate import failures_naming
from bot.questionnaire.evaluation import CheckFailure, Evaluation
from bot.questionnaire.schema import Question, Section, Template
from bot.store import hot_path
from bot.store import queries as store
from bot.store.menu_rows import mark_section
from bot.texts import t
from bot.workflow import periods
from bot.workflow.access import Action, can
from bot.workflow.carried import carried_of
from models import Member, Period, Unit, require_id

log = logging.getLogger(__name__)


class Turn:
    """One event's work: the member, their period, answers and conversation state."""

    # The current section and question, by the template and id each was found with.
    _opened: tuple[Template, str, Section] | None = None
    _asked: tuple[Template, str, Question] | None = None

    def __init__(
        self,
        session: Session,
        context: hot_path.MemberContext,
        template: Template,
        options: EngineOptions,
        evaluations: EvaluationCache,
    ) -> None:
        assert context.period is not None
        self.session = session
        self.member: Member = context.member
        self.unit: Unit = context.unit
        self.period: Period = context.period
        self.template = template
        self.options = options
        self.evaluations = evaluations
        self.conversation_id = context.conversation_id
        self.identity_id = context.identity_id
        same_period = context.conversation_period_id == self.period.id
        self.state = taken(context.conversation_text if same_period else None)
        self._read_answers()

    def _read_answers(self) -> None:
        """The answers, finished sections and kept checks, read once; this turn's own
        writes update them as it goes."""
        answers = hot_path.period_answers(self.session, period_id=self.period_id)
        self.values: dict[str, Any] = answers.values
        self.skipped: set[str] = answers.skipped
        self.finished: set[str] = answers.finished
        self.confirmed: set[str] = answers.confirmed
        self._stored: set[str] = answers.stored
        self._evaluation: Evaluation | None = None
        self._my_sections: list[str] | None = None
        self._carried: dict[str, Any] | None = None

    @property
    def period_id(self) -> int:
        return require_id(self.period)

    def switch_period(self, period: Period, template: Template) -> None:
        """Continues this turn in a period just opened."""
        self.period = period
        self.template = template
        self.state = State(step=self.state.step)
        self._read_answers()

    # -- persistence ------------------------------------------------------------------------

    def save(self) -> None:
        """Stores the conversation state with the answers, in the same transaction: the
        turn's last step (the state is kept for the member's next event, see `keep`)."""
        text = dumped(self.state)
        hot_path.write_conversation(
            self.session,
            conversation_id=self.conversation_id,
            member_id=require_id(self.member),
            period_id=self.period_id,
            state=text,
            identity_id=self.identity_id,
        )
        keep(text, self.state)

    def store_answer(
        self, question: Question, value: Any, *, skipped: bool = False, source: str | None = None
    ) -> None:
        """Writes an answer (or its skipping); a change reopens a finished section."""
        hot_path.write_answer(
            self.session,
            period_id=self.period_id,
            question_id=question.id,
            value=value,
            member_id=self.member.id,
            skipped=skipped,
            exists=question.id in self._stored,
            old=self.values.get(question.id),
            source=source,
        )
        self._stored.add(question.id)
        self._evaluation = None
        if skipped:
            self.values.pop(question.id, None)
            self.skipped.add(question.id)
        else:
            self.values[question.id] = value
            self.skipped.discard(question.id)
        section = flow.owner_section(self.template, question.id)
        if section and section.id in self.finished:
            # A change after finishing reopens the section until it is reviewed again.
            mark_section(
                self.session,
                period_id=self.period_id,
                section_id=section.id,
                member_id=self.member.id,
                finished=False,
            )
            self.finished.discard(section.id)

    def confirm_checks(self, keys: list[str]) -> None:
        """Records failed checks as kept on purpose."""
        store.confirm_checks(
            self.session, period_id=self.period_id, keys=keys, member_id=self.member.id
        )
        self.confirmed.update(keys)

    @property
    def carried(self) -> dict[str, Any]:
        """Last period's answers offered for questions marked `carry`."""
        if self._carried is None:
            self._carried = carried_of(self.session, self.period)
        return self._carried

    def evaluation(self) -> Evaluation:
        """The figures and failed checks of the answers as they stand (kept ones included)."""
        if self._evaluation is None:
            self._evaluation = self.evaluations.evaluate(
                self.template, self.period_id, self.values
            )
        return self._evaluation

    def failures(self) -> list[CheckFailure]:
        """The failed checks, each marked `confirmed` when someone chose to keep it."""
        return [
            replace(f, confirmed=True) if f.key in self.confirmed else f
            for f in self.evaluation().failures
        ]

    def new_failures(self, question_id: str) -> list[CheckFailure]:
        """Failed checks involving a question that nobody has confirmed yet."""
        if question_id not in checked_questions(self.template):
            return []  # no check reads it: the answers need no evaluation
        if self._evaluation is not None:
            named = self._evaluation.failures_for(question_id)
        else:
            # Only the checks that can name it, and what they read, are worked out.
            named = failures_naming(self.template, self.values, question_id)
        return [f for f in named if f.key not in self.confirmed]

    # -- who may do what ----------------------------------------------------------------------

    @property
    def my_sections(self) -> list[str]:
        """The top sections this member works on (all of them for the director)."""
        if self._my_sections is None:
            self._my_sections = periods.sections_of(
                self.session, period=self.period, template=self.template, member=self.member
            )
        return self._my_sections

    def may_work(self, section_id: str) -> bool:
        """Whether this member may answer a section now: theirs, and not locked."""
        return periods.may_answer(
            self.session, period=self.period, my_sections=self.my_sections, section_id=section_id
        )

    def refuse_section(self, section_id: str) -> list[Outgoing]:
        """Explains why a section cannot be opened, and logs the attempt."""
        if section_id not in self.my_sections:
            log.warning(
                "refused: member %s opened section %r not assigned to them",
                self.member.id,
                section_id,
            )
            return [Reply(t("section.not_yours")), *self.show_menu()]
        key = "section.locked_reopen" if can(self.member, Action.REOPEN) else "section.locked"
        return [Reply(t(key)), *self.show_menu()]

    def notify(self, member_ids: list[int], text: str) -> list[Outgoing]:
        """Messages for other members' chats."""
        return notices(self.session, member_ids, text)

    # -- where the member is ------------------------------------------------------------------

    def template_section(self, section_id: str) -> Section | None:
        """A top section of this period's report kind, by id."""
        return flow.top_section(self.template, section_id)

    @property
    def section(self) -> Section:
        """The section being worked on."""
        section_id = self.state.section_id or ""
        opened = self._opened
        if opened is not None and opened[0] is self.template and opened[1] == section_id:
            return opened[2]
        found = flow.top_section(self.template, section_id)
        if found is None:
            raise LookupError(self.state.section_id)
        self._opened = (self.template, section_id, found)
        return found

    @property
    def question(self) -> Question:
        """The question being asked."""
        question_id = self.state.question_id or ""
        asked = self._asked
        # Looked up a few times in every step of an answer.
        if asked is not None and asked[0] is self.template and asked[1] == question_id:
            return asked[2]
        slot = flow.find_slot(self.template, question_id)
        if slot is None:
            raise LookupError(self.state.question_id)
        self._asked = (self.template, question_id, slot.question)
        return slot.question

    def code(self, action: str) -> str:
        """A button code bound to the current step."""
        return f"{self.state.step}:{action}"

    def section_counts(self, section: Section) -> tuple[int, int]:
        """(answered, total) relevant questions of a top section."""
        return flow.section_counts(section, self.values, self.skipped)

    def first_open(self, section: Section) -> Question | None:
        """The first relevant question of a section not yet answered or skipped."""
        for slot in flow.relevant_slots(section, self.values):
            if slot.question.id in self.skipped:
                continue
            if not flow.is_complete(slot.question, self.values.get(slot.question.id)):
                return slot.question
        return None

    # -- the steps every other step and the desk go to -----------------------------------------

    def current(self, *, quiet_menu: bool = False) -> list[Outgoing]:
        """Repeats what the member is being asked now."""
        return current(self, quiet_menu=quiet_menu)

    def show_menu(self) -> list[Outgoing]:
        """The member's sections with their state, as buttons."""
        return menu.show_menu(self)

    def open_section(self, section_id: str) -> list[Outgoing]:
        """Starts or resumes a section at its first open question, or shows its review."""
        return menu.open_section(self, section_id)

    def go_to(self, question_: Question) -> list[Outgoing]:
        """Moves the cursor to a question and asks it."""
        return question.go_to(self, question_)

    def ask(self) -> Reply:
        """The prompt of the current question."""
        return question.ask(self)

    def advance(self, ack: str | None = None) -> list[Outgoing]:
        """The next relevant question, or the section's review at its end."""
        return question.advance(self, ack)

    def show_review(self, intro: str | None = None) -> list[Outgoing]:
        """The section's answers, numbered for editing."""
        return review.show_review(self, intro)

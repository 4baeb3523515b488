"""The conversation engine: neutral events in, neutral messages out, progress in the database.

Each event is handled in one database transaction that is committed before the replies
are returned, so an answer the user sees acknowledged survives any crash after it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.conversation import heavy, prompts, reports, spreadsheet_step, transaction
from bot.conversation.desk import DESK_COMMANDS, Desk, lead_ids, notices, replan_reminders
from bot.conversation.draft_step import ACTIONS as DRAFT_ACTIONS
from bot.conversation.draft_step import DraftStep
from bot.conversation.events import Attachment, ButtonPress, Command, Incoming, Sender
from bot.conversation.headlines import headline_block
from bot.conversation.lobby import Lobby
from bot.conversation.menu import show_menu
from bot.conversation.resume import continue_work
from bot.conversation.state import State
from bot.core.clock import now, school_year_of
from bot.core.digits import is_ascii_digits, small_int
from bot.core.replies import CODE_LIMIT, RESUME, SECTION, Button, Outgoing, Reply
from bot.questionnaire import index as flow
from bot.questionnaire.answers import (
    InvalidAnswer,
    clean_text,
    emoji_notes,
    example_of,
    fold,
    format_answer,
    format_item,
    format_row,
    parse_answer,
    parse_cell,
    parse_table_row,
)
from bot.questionnaire.evaluate import CheckFailure, Evaluation, evaluate
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, load_template
from bot.questionnaire.schema import (
    ChoiceQuestion,
    DateQuestion,
    ListQuestion,
    MultiChoiceQuestion,
    Question,
    Section,
    TableQuestion,
    Template,
    TextQuestion,
    YesNoQuestion,
)
from bot.store import hot_path, processed_events
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from bot.workflow import periods
from bot.workflow.access import Action, can, is_lead, role_of
from bot.workflow.invites import InviteError, redeem
from bot.workflow.kinds import period_template
from models import Member, Period, Unit

log = logging.getLogger(__name__)

DEMO_TEMPLATE = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
REVIEW_ANSWER_PREVIEW = 160
# Words only: where a number is an answer (a one-column row, a corrected figure), a typed
# number is always the answer, never a shortcut for a button.
_CONFIRM_WORDS = {"dung", "ok", "co", "dung roi", "u", "yes", "y"}
_REDO_WORDS = {"nhap lai", "sai", "khong"}
_FIX_WORDS = {"sua", "sua lai"}
_KEEP_WORDS = {"giu", "giu nguyen"}


@dataclass(frozen=True)
class EngineOptions:
    """How the engine treats newcomers and where it finds report kinds."""

    demo: bool = False
    templates_root: Path = DEFAULT_TEMPLATES_DIR
    demo_template: str = DEMO_TEMPLATE
    # The bot's @username, for invite links; set by the Telegram channel at start-up.
    bot_username: str | None = None
    # False where nothing sends reminders (the terminal chat): the desk says so.
    delivers_reminders: bool = True
    # Where each draft sent is kept, dated, so /duthao can send the last one again.
    drafts_dir: Path | None = None


class EvaluationCache:
    """The last evaluations of each period's answers, reused while what they read is the same.

    Evaluating a template (every figure and check) is the costliest step of an answer, and
    consecutive events often ask it of answers that differ in nothing it reads: a table row
    is evaluated when it is read back and again when it is confirmed unchanged, and a text
    or choice answer changes no figure. Each evaluation runs over a mapping that records the
    answers it reads; a later evaluation of the same template and period reuses it when each
    of those answers is the same value (types included) and, if it read them all, when all
    of them are. Answer values are never changed in place, only replaced.
    """

    def __init__(self, periods: int = 256, per_period: int = 2) -> None:
        self.periods = periods
        self.per_period = per_period
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, list[_Evaluated]] = OrderedDict()

    def evaluate(self, template: Template, period_id: int, values: dict[str, Any]) -> Evaluation:
        """`evaluate(template, values)`, reused when the answers it reads are unchanged."""
        with self._lock:
            entries = list(self._entries.get(period_id, ()))
        for entry in entries:
            if entry.template is template and entry.holds_for(values):
                return entry.evaluation
        reads = _RecordingAnswers(values)
        evaluation = evaluate(template, reads)
        found = _Evaluated(template, reads.read, reads.read_all, evaluation)
        with self._lock:
            kept = [found, *(e for e in entries if e.template is template)]
            self._entries[period_id] = kept[: self.per_period]
            self._entries.move_to_end(period_id)
            while len(self._entries) > self.periods:
                self._entries.popitem(last=False)
        return evaluation


_MISSING = object()


@dataclass(frozen=True)
class _Evaluated:
    """An evaluation and the answers it read (all of them when `read_all`)."""

    template: Template
    read: dict[str, Any]
    read_all: bool
    evaluation: Evaluation

    def holds_for(self, values: dict[str, Any]) -> bool:
        """Whether evaluating `values` would read exactly the same answers."""
        if self.read_all:
            return _same(self.read, values)
        return all(_same(values.get(key, _MISSING), seen) for key, seen in self.read.items())


class _RecordingAnswers(Mapping[str, Any]):
    """Answers by question id that remember which ids were read, and what they held."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values
        self.read: dict[str, Any] = {}
        self.read_all = False

    def __getitem__(self, key: str) -> Any:
        value = self._values.get(key, _MISSING)
        self.read[key] = value
        if value is _MISSING:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = self._values.get(key, _MISSING)
        self.read[key] = value
        return default if value is _MISSING else value

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        value = self._values.get(key, _MISSING)
        self.read[key] = value
        return value is not _MISSING

    def __iter__(self) -> Iterator[str]:
        self._read_everything()
        return iter(self._values)

    def __len__(self) -> int:
        self._read_everything()
        return len(self._values)

    def _read_everything(self) -> None:
        self.read_all = True
        self.read = dict(self._values)


def _same(a: Any, b: Any) -> bool:
    """Equality of JSON-like values that also tells 1, 1.0 and True apart."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class ConversationEngine:
    """Handles one neutral event at a time for any chat channel."""

    def __init__(self, database: Database, options: EngineOptions | None = None) -> None:
        self.database = database
        self.options = options or EngineOptions()
        self.evaluations = EvaluationCache()

    def handle(
        self,
        sender: Sender,
        event: Incoming,
        *,
        event_id: str | None = None,
        defer: bool = False,
    ) -> list[Outgoing]:
        """Stores what the event changes and returns the replies, after committing.

        Heavy work runs after the commit, here or (`defer`) by the caller:
        `bot.conversation.heavy`.
        """
        channel = sender.channel
        with self.database.session() as session:
            if event_id is not None and not processed_events.claim_event(
                session, channel=channel, event_id=event_id
            ):
                log.info("event %s/%s already handled; its replies again", channel, event_id)
                replies = transaction.replayed(session, channel=channel, event_id=event_id)
            else:
                replies = self._turn(session, sender, event)
                if event_id is not None:
                    transaction.keep_replies(
                        session, channel=channel, event_id=event_id, replies=replies
                    )
        return replies if defer else heavy.run_inline(replies)

    def _turn(self, session: Session, sender: Sender, event: Incoming) -> list[Outgoing]:
        """The event's changes and replies, inside its transaction."""
        context = hot_path.member_context(
            session, channel=sender.channel, external_id=sender.external_id
        )
        joined: list[Outgoing] = []
        if isinstance(event, Command) and event.name == "start" and event.argument:
            joined, context = self._join(session, sender, event.argument, context)
            if context is None:
                return joined
        if context is None:
            if not self.options.demo:
                return [Reply(t("start.stranger"))]
            self._create_demo(session, sender)
            context = hot_path.member_context(
                session, channel=sender.channel, external_id=sender.external_id
            )
            assert context is not None  # just created
        reports.choose_period(session, context)
        if context.period is None:
            # A final report stays readable (and the director can reopen a section).
            context.period = store.latest_period(session, unit_id=context.unit.id or 0)
        if context.period is None:
            lobby = Lobby(session, context, self.options)
            replies = lobby.dispatch(Command("start") if joined else event)
            lobby.save()
            return [*joined, *replies]
        template = period_template(session, context.period, self.options.templates_root)
        turn = _Turn(session, context, template, self.options, self.evaluations)
        replies = turn.dispatch(Command("start") if joined else event)
        turn.save()
        return [*joined, *replies]

    def _join(
        self,
        session: Session,
        sender: Sender,
        code: str,
        context: hot_path.MemberContext | None,
    ) -> tuple[list[Outgoing], hot_path.MemberContext | None]:
        """`/start <code>`: joins the invite's unit; a bad code is explained and logged."""
        try:
            joined = redeem(
                session,
                code=code.strip(),
                channel=sender.channel,
                external_id=sender.external_id,
                display_name=sender.display_name,
                current=context.member if context else None,
            )
        except InviteError as err:
            log.warning(
                "invite refused for %s/%s: %s", sender.channel, sender.external_id, err.reason
            )
            key = "invite.revoked_code" if err.reason == "revoked" else f"invite.{err.reason}"
            return [Reply(t(key))], context
        if joined.already_member and context is not None:
            return [Reply(t("invite.already", unit=context.unit.name))], context
        fresh = hot_path.member_context(
            session, channel=sender.channel, external_id=sender.external_id
        )
        assert fresh is not None  # just joined
        member = fresh.member
        role = t(f"role.{role_of(member).value}")
        welcome = t("invite.joined", name=member.display_name, unit=fresh.unit.name, role=role)
        leads = lead_ids(session, unit_id=fresh.unit.id or 0, besides=member.id)
        told = notices(
            session, leads, t("invite.member_joined", name=member.display_name, role=role)
        )
        log.info("member %s joined unit %s as %s", member.id, fresh.unit.id, member.role)
        return [Reply(welcome), *told], fresh

    def _create_demo(self, session: Session, sender: Sender) -> Member:
        """A demo unit with an open annual report, whose director is the newcomer."""
        template = load_template(self.options.demo_template, self.options.templates_root)
        unit = store.create_unit(
            session,
            name=t("demo.unit_name"),
            parent_body=t("demo.parent_body"),
            place=t("demo.place"),
            signer_title=t("demo.signer_title"),
            # Not the chat or login name: the draft would be signed "root" or "nguyenvana".
            signer_name=t("demo.signer_name"),
            is_demo=True,
        )
        member = store.add_member(
            session,
            unit=unit,
            display_name=sender.display_name or t("demo.signer_name"),
            role="director",
            channel=sender.channel,
            external_id=sender.external_id,
        )
        store.open_period(
            session,
            unit=unit,
            template_id=template.id,
            template_version=template.version,
            year=school_year_of(now().date()),
        )
        log.info("created demo unit %s for %s/%s", unit.id, sender.channel, sender.external_id)
        return member


class _Turn:
    """One event's work: the member, their period, answers and conversation state."""

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
        same_period = context.conversation_period_id == self.period.id
        saved = context.conversation_state if same_period else {}
        self.state = State.model_validate(saved or {})
        # The answers, finished sections and kept checks, read once; this turn's own writes
        # update them as it goes.
        answers = hot_path.period_answers(session, period_id=self.period_id)
        self.values: dict[str, Any] = answers.values
        self.skipped: set[str] = answers.skipped
        self.finished: set[str] = answers.finished
        self.confirmed: set[str] = answers.confirmed
        self._stored: set[str] = answers.stored
        self._evaluation: Evaluation | None = None
        self._my_sections: list[str] | None = None
        self._carried: dict[str, Any] | None = None

    # -- persistence ------------------------------------------------------------------------

    @property
    def period_id(self) -> int:
        return self.period.id or 0

    # -- who may do what ----------------------------------------------------------------------

    @property
    def my_sections(self) -> list[str]:
        """The top sections this member works on (all of them for the director)."""
        if self._my_sections is None:
            self._my_sections = periods.sections_of(
                self.session, period=self.period, template=self.template, member=self.member
            )
        return self._my_sections

    def locked(self, section_id: str) -> bool:
        """Whether the final report locks this section's answers."""
        return periods.is_locked(self.session, period=self.period, section_id=section_id)

    def template_section(self, section_id: str) -> Section | None:
        """A top section of this period's report kind, by id."""
        return flow.top_section(self.template, section_id)

    def switch_period(self, period: Period, template: Template) -> None:
        """Continues this turn in a period just opened."""
        self.period = period
        self.template = template
        self.state = State(step=self.state.step)
        answers = hot_path.period_answers(self.session, period_id=self.period_id)
        self.values, self.skipped = answers.values, answers.skipped
        self.finished, self.confirmed = answers.finished, answers.confirmed
        self._stored = answers.stored
        self._evaluation = None
        self._my_sections = None
        self._carried = None

    def notify(self, member_ids: list[int], text: str) -> list[Outgoing]:
        """Messages for other members' chats."""
        return notices(self.session, member_ids, text)

    @property
    def carried(self) -> dict[str, Any]:
        """Last period's answers offered for questions marked `carry`."""
        if self._carried is None:
            self._carried = periods.carried_answers(self.session, period_id=self.period_id)
        return self._carried

    def save(self) -> None:
        """Stores the conversation state with the answers, in the same transaction."""
        hot_path.write_conversation(
            self.session,
            conversation_id=self.conversation_id,
            member_id=self.member.id or 0,
            period_id=self.period_id,
            state=self.state.model_dump(mode="json"),
        )

    def _store(
        self, question: Question, value: Any, *, skipped: bool = False, source: str | None = None
    ) -> None:
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
            store.set_section_finished(
                self.session,
                period_id=self.period_id,
                section_id=section.id,
                member_id=self.member.id,
                finished=False,
            )
            self.finished.discard(section.id)

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

    def _confirm(self, keys: list[str]) -> None:
        """Records failed checks as kept on purpose."""
        store.confirm_checks(
            self.session, period_id=self.period_id, keys=keys, member_id=self.member.id
        )
        self.confirmed.update(keys)

    # -- dispatch ---------------------------------------------------------------------------

    def dispatch(self, event: Incoming) -> list[Outgoing]:
        """Routes an event by its kind."""
        if isinstance(event, Command):
            return self.on_command(event)
        section_id = self.state.section_id
        if (
            self.state.mode not in ("menu", "desk")
            and section_id
            and not self.may_work(section_id)
        ):
            # The section was taken away or locked since the member opened it.
            self.state.section_id = None
            return self.refuse_section(section_id)
        if (imported := spreadsheet_step.handle(self, event)) is not None:
            return imported
        if isinstance(event, ButtonPress):
            return self.on_button(event.code)
        if (
            isinstance(event, Attachment)
            and event.kind == "document"
            and event.data is not None
            and (event.file_name or "").lower().endswith(".docx")
        ):
            return self.audit_document(event.file_name or "", event.data)
        if isinstance(event, Attachment) and event.problem:
            return [Reply(t(f"upload.{event.problem}", file=event.file_name)), *self.current()]
        if isinstance(event, Attachment):
            return [
                Reply(t("input.attachment", kind=t(f"attachment.{_kind(event.kind)}"))),
                *self.current(),
            ]
        return self.on_text(event.text)

    def audit_document(self, file_name: str, data: bytes) -> list[Outgoing]:
        """A .docx report the user sent: its figures recomputed, then the current question."""
        return [heavy.job(heavy.audit_replies, data, file_name), *self.current()]

    def on_command(self, command: Command) -> list[Outgoing]:
        """Slash commands work at any point and never lose a stored answer."""
        name = command.name
        handlers: dict[str, Callable[[], list[Outgoing]]] = {
            "start": self.cmd_start,
            "help": self.cmd_help,
            "trogiup": self.cmd_help,
            "tiep": self.cmd_continue,
            "viec": self.show_menu,
            "duthao": self.cmd_draft,
            "huy": self.cmd_cancel,
            "lai": lambda: self.on_action("back"),
            "boqua": lambda: self.on_action("skip"),
            "giu": lambda: self.on_action("keep"),
            "xem": lambda: self.on_action("review"),
            "xong": lambda: self.on_action("done"),
            "baocao": lambda: reports.command(self, command.argument),
        }
        if name in DESK_COMMANDS:
            return Desk(self).command(name)
        handler = handlers.get(name)
        if handler is None:
            return [
                Reply(t("input.unknown_command", command=clean_text(name)[:30])),
                *self.current(),
            ]
        return handler()

    def on_button(self, code: str) -> list[Outgoing]:
        """A button press: checked against the current step, never trusted."""
        step, _, action = code.partition(":")
        if small_int(step) is None or not action or len(code) > CODE_LIMIT:
            log.warning("malformed button code from member %s: %r", self.member.id, code[:80])
            return [Reply(t("input.stale_button")), *self.current()]
        if action.startswith((SECTION, "menu", "draft", RESUME, reports.SWITCH)):
            # Navigation between sections is valid from any message.
            return self.on_action(action)
        if int(step) != self.state.step:
            return [Reply(t("input.stale_button")), *self.current()]
        if action.startswith("d:"):
            return Desk(self).button(action)
        return self.on_action(action, pressed=True)

    def on_action(self, action: str, *, pressed: bool = False) -> list[Outgoing]:
        """Performs a navigation or answer action named by a button or a command."""
        mode = self.state.mode
        if action == "menu":
            return self.show_menu()
        if action in DRAFT_ACTIONS:
            return DraftStep(self).action(action)
        if action == RESUME:
            return self.cmd_continue()
        if action.startswith(SECTION):
            return self.open_section(action.removeprefix(SECTION))
        if action.startswith(reports.SWITCH):
            return reports.switch(self, action.removeprefix(reports.SWITCH))
        if action == "review":
            return self.show_review() if self.state.section_id else self.show_menu()
        if mode == "question":
            return self.question_action(action, pressed=pressed)
        if action == "done" and not pressed and mode in ("confirm_row", "check"):
            return [Reply(t("input.done_not_here")), *self.current()]
        if mode == "confirm_row":
            return self.confirm_row_action(action)
        if mode == "more_items":
            return self.more_items_action(action)
        if mode == "check":
            return self.check_action(action)
        if mode == "review":
            return self.review_action(action)
        return [Reply(t("input.nothing_to_do")), *self.show_menu()]

    def on_text(self, raw: str) -> list[Outgoing]:
        """Typed text: an answer, a choice by number, or a word like "đúng"."""
        mode = self.state.mode
        if mode == "question":
            return self.answer_text(raw)
        if mode == "confirm_row":
            return self.confirm_row_text(raw)
        if mode == "more_items":
            return self.pick_text(raw, ["more:y", "more:n"], self.more_items_action)
        if mode == "check":
            return self.check_text(raw)
        if mode == "review":
            return self.review_text(raw)
        if mode == "desk":
            return Desk(self).text(raw)
        return self.menu_text(raw)

    # -- commands ---------------------------------------------------------------------------

    def cmd_start(self) -> list[Outgoing]:
        """Greets the member and shows their report's sections."""
        greeting = t(
            "start.welcome",
            name=self.member.display_name,
            unit=self.unit.name,
            report=self.template.name,
            year=_year_text(self.period.year),
        )
        return [Reply(greeting), *self.show_menu()]

    def cmd_help(self) -> list[Outgoing]:
        """Lists the commands."""
        return [Reply(t("help.text")), *self.current()]

    def cmd_continue(self) -> list[Outgoing]:
        """Goes back to where the member left off, or to the first open section."""
        return continue_work(self)

    def cmd_cancel(self) -> list[Outgoing]:
        """Drops any half-typed input; stored answers stay."""
        if self.state.mode == "menu":
            return [Reply(t("input.nothing_to_cancel")), *self.show_menu()]
        self.state.clear_input()
        self.state.mode = "menu"
        self.state.question_id = None
        return [Reply(t("input.cancelled")), *self.show_menu()]

    def cmd_draft(self) -> list[Outgoing]:
        """The draft of the whole report as it stands (for the unit's leaders)."""
        return DraftStep(self).action("draft")

    # -- menu -------------------------------------------------------------------------------

    def show_menu(self) -> list[Outgoing]:
        """The member's sections with their state, as buttons."""
        return show_menu(self)

    def menu_text(self, raw: str) -> list[Outgoing]:
        """In the menu, a typed number opens the section with that number."""
        typed = fold(clean_text(raw)).rstrip(".")
        for section in self.template.sections:
            if typed == section.number and section.id in self.my_sections:
                return self.open_section(section.id)
        return [Reply(t("menu.pick_section")), *self.show_menu()]

    def section_counts(self, section: Section) -> tuple[int, int]:
        """(answered, total) relevant questions of a top section."""
        relevant = flow.relevant_slots(section, self.values)
        done = sum(
            1
            for s in relevant
            if flow.is_complete(s.question, self.values.get(s.question.id))
            or s.question.id in self.skipped
        )
        return done, len(relevant)

    def first_open(self, section: Section) -> Question | None:
        """The first relevant question of a section not yet answered or skipped."""
        for slot in flow.relevant_slots(section, self.values):
            question = slot.question
            if question.id in self.skipped:
                continue
            if not flow.is_complete(question, self.values.get(question.id)):
                return question
        return None

    def open_section(self, section_id: str) -> list[Outgoing]:
        """Starts or resumes a section at its first open question, or shows its review."""
        section = flow.top_section(self.template, section_id)
        if section is None:
            return [Reply(t("input.stale_button")), *self.show_menu()]
        if not self.may_work(section.id):
            return self.refuse_section(section.id)
        self.state.clear_input()
        self.state.section_id = section.id
        self.state.from_review = False
        note = self.returned_note(section.id)
        question = self.first_open(section)
        replies = self.show_review() if question is None else self.go_to(question)
        return [Reply(note), *replies] if note else replies

    def may_work(self, section_id: str) -> bool:
        """Whether this member may answer a section now: theirs, and not locked."""
        return section_id in self.my_sections and not self.locked(section_id)

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

    def returned_note(self, section_id: str) -> str | None:
        """The director's comment on a section sent back for revision."""
        row = store.section_progress(self.session, period_id=self.period_id).get(section_id)
        if row is None or row.finished or not row.returned_comment:
            return None
        return t("section.returned_note", comment=row.returned_comment)

    # -- asking -----------------------------------------------------------------------------

    @property
    def section(self) -> Section:
        found = flow.top_section(self.template, self.state.section_id or "")
        if found is None:
            raise LookupError(self.state.section_id)
        return found

    @property
    def question(self) -> Question:
        slot = flow.find_slot(self.template, self.state.question_id or "")
        if slot is None:
            raise LookupError(self.state.question_id)
        return slot.question

    def code(self, action: str) -> str:
        """A button code bound to the current step."""
        return f"{self.state.step}:{action}"

    def go_to(self, question: Question) -> list[Outgoing]:
        """Moves the cursor to a question and asks it."""
        self.state.clear_input()
        self.state.mode = "question"
        self.state.question_id = self.state.last_question_id = question.id
        if isinstance(question, TableQuestion):
            answered = self.values.get(question.id) or {}
            if not self.state.from_review:
                self.state.row_index = next(
                    (i for i, r in enumerate(question.rows) if r.id not in answered), 0
                )
        if isinstance(question, MultiChoiceQuestion):
            self.state.selected = list(self.values.get(question.id) or [])
        return [self.ask()]

    def current(self, *, quiet_menu: bool = False) -> list[Outgoing]:
        """Repeats what the member is being asked now."""
        mode = self.state.mode
        try:
            if mode == "question":
                return [self.ask()]
            if mode == "confirm_row":
                return [self.row_echo()]
            if mode == "more_items":
                return [self.ask_more_items()]
            if mode == "check":
                return [self.check_prompt()]
            if mode == "review":
                return self.show_review()
        except LookupError:
            log.warning("conversation of member %s pointed at a missing item", self.member.id)
        return [] if quiet_menu else self.show_menu()

    def ask(self) -> Reply:
        """The prompt of the current question, its help, and its buttons."""
        self.state.step += 1
        question = self.question
        number, index, count = flow.position(self.section, question.id, self.values)
        lines = [t("ask.position", section=number, index=index, count=count), question.prompt]
        buttons: list[list[Button]] = []
        current = self.values.get(question.id)
        if isinstance(question, TableQuestion):
            lines += prompts.table_prompt(self, question)
        elif isinstance(question, ListQuestion):
            lines += self.list_prompt(question)
        else:
            if question.hint:
                lines.append(f"💡 {question.hint}")
            if example := example_of(question, self.period.year):
                # A date's year must not become "2.027".
                if not isinstance(question, TextQuestion | DateQuestion):
                    example = prompts.numeric_example(example)
                lines.append(t("ask.example", example=example))
            if isinstance(question, TextQuestion) and question.long:
                lines.append(t("ask.long_text"))
            if current is not None:
                lines.append(
                    t(
                        "ask.current",
                        value=_short(format_answer(question, current), REVIEW_ANSWER_PREVIEW),
                    )
                )
            elif question.carry and question.id in self.carried:
                # Last period's answer, offered as the starting point: keep it or type anew.
                previous = format_answer(question, self.carried[question.id])
                lines.append(t("ask.carried", value=_short(previous, REVIEW_ANSWER_PREVIEW)))
            buttons += self.option_buttons(question)
        offered = current is None and question.carry and question.id in self.carried
        buttons.append(self.nav_buttons(question, answered=current is not None or offered))
        return Reply("\n".join(lines), [row for row in buttons if row])

    def option_buttons(self, question: Question) -> list[list[Button]]:
        """Buttons for choices; numbered so channels without buttons can type the number."""
        if isinstance(question, YesNoQuestion):
            return [
                [
                    Button(self.code("o:yes"), f"1. {t('answer.yes')}"),
                    Button(self.code("o:no"), f"2. {t('answer.no')}"),
                ]
            ]
        if isinstance(question, ChoiceQuestion):
            return [
                [Button(self.code(f"o:{o.id}"), f"{i}. {o.label}")]
                for i, o in enumerate(question.options, 1)
            ]
        if isinstance(question, MultiChoiceQuestion):
            rows = [
                [
                    Button(
                        self.code(f"o:{o.id}"),
                        f"{'☑' if o.id in self.state.selected else '☐'} {i}. {o.label}",
                    )
                ]
                for i, o in enumerate(question.options, 1)
            ]
            rows.append([Button(self.code("done"), t("button.done"), "/xong")])
            return rows
        return []

    def nav_buttons(self, question: Question, *, answered: bool) -> list[Button]:
        """Back, skip, keep and review, each with its typed command."""
        row = [Button(self.code("back"), t("button.back"), "/lai")]
        if not question.required and not isinstance(question, ListQuestion):
            row.append(Button(self.code("skip"), t("button.skip"), "/boqua"))
        if answered and not isinstance(question, TableQuestion | ListQuestion):
            row.append(Button(self.code("keep"), t("button.keep"), "/giu"))
        row.append(Button(self.code("review"), t("button.review"), "/xem"))
        return row

    def list_prompt(self, question: ListQuestion) -> list[str]:
        """The field being asked of the current item."""
        items = self.values.get(question.id) or []
        field = question.fields[self.state.field_index]
        lines = [t("ask.list_item", item=question.item_name, number=len(items) + 1)]
        if items and self.state.field_index == 0 and not self.state.item:
            lines.append(t("ask.list_so_far", count=len(items), item=question.item_name))
        lines.append(f"➡️ {field.label}")
        if field.example:
            example = field.example
            lines.append(
                t(
                    "ask.example",
                    example=prompts.numeric_example(example)
                    if field.kind == "integer"
                    else example,
                )
            )
        if self.state.field_index == 0 and not self.state.item and not items:
            lines.append(t("ask.list_none", item=question.item_name))
        return lines

    # -- answering --------------------------------------------------------------------------

    def answer_text(self, raw: str) -> list[Outgoing]:
        """A typed answer to the current question."""
        question = self.question
        if isinstance(question, TableQuestion):
            return self.table_row_text(question, raw)
        if isinstance(question, ListQuestion):
            return self.list_field_text(question, raw)
        try:
            value = parse_answer(question, raw, school_year=self.period.year)
        except InvalidAnswer as err:
            return [Reply(t("input.invalid", reason=err.message)), self.ask()]
        return [*map(Reply, emoji_notes(question, raw)), *self.accept(question, value)]

    def accept(self, question: Question, value: Any) -> list[Outgoing]:
        """Stores a complete answer, shows any failed check, else moves on."""
        self._store(question, value)
        ack = t("ask.saved", value=_short(format_answer(question, value), REVIEW_ANSWER_PREVIEW))
        failures = self.new_failures(question.id)
        if failures:
            self.state.mode = "check"
            self.state.check_keys = [f.key for f in failures]
            return [Reply(ack), self.check_prompt()]
        return [*self.advance(ack)]

    def advance(self, ack: str | None = None) -> list[Outgoing]:
        """Goes to the next relevant question, or to the review at the end of the section."""
        if self.state.from_review:
            replies = self.show_review()
            return [Reply(ack), *replies] if ack else replies
        following = self.next_question(self.question.id)
        if following is None:
            replies = self.show_review(intro=t("review.section_end"))
        else:
            replies = self.go_to(following)
        if ack and replies and isinstance(replies[0], Reply):
            first = replies[0]
            replies[0] = Reply(f"{ack}\n\n{first.text}", first.buttons)
        return replies

    def next_question(self, question_id: str) -> Question | None:
        """The next relevant question after one, in the current section."""
        ids = [s.question.id for s in flow.slots(self.section)]
        for slot in flow.slots(self.section)[ids.index(question_id) + 1 :]:
            if flow.is_relevant(slot.question, self.values):
                return slot.question
        return None

    def previous_question(self, question_id: str) -> Question | None:
        """The relevant question before one, in the current section."""
        ids = [s.question.id for s in flow.slots(self.section)]
        for slot in reversed(flow.slots(self.section)[: ids.index(question_id)]):
            if flow.is_relevant(slot.question, self.values):
                return slot.question
        return None

    def question_action(self, action: str, *, pressed: bool) -> list[Outgoing]:
        """Buttons and commands while a question is asked."""
        question = self.question
        if action == "back":
            return self.go_back(question)
        if isinstance(question, ListQuestion) and action in ("skip", "done", "none"):
            return self.list_action(question, action)
        if action == "skip":
            if question.required:
                return [Reply(t("input.cannot_skip")), self.ask()]
            self._store(question, None, skipped=True)
            return self.advance(t("ask.skipped"))
        if action == "keep":
            if question.id not in self.values and question.carry and question.id in self.carried:
                return self.accept(question, self.carried[question.id])
            if question.id not in self.values:
                return [Reply(t("input.nothing_to_keep")), self.ask()]
            return self.advance(t("ask.kept"))
        if action == "blank" and isinstance(question, TableQuestion):
            return self.table_row_text(question, "-")
        if action.startswith("o:"):
            return self.option_pressed(question, action[2:], pressed=pressed)
        if action == "done" and isinstance(question, MultiChoiceQuestion):
            if not self.state.selected:
                return [Reply(t("answer.multi_choice_empty")), self.ask()]
            return self.accept(question, list(self.state.selected))
        if not pressed:  # a typed /xong where nothing is to be finished
            return [Reply(t("input.done_not_here")), self.ask()]
        return [Reply(t("input.stale_button")), self.ask()]

    def option_pressed(self, question: Question, option: str, *, pressed: bool) -> list[Outgoing]:
        """A choice button: answers a choice, ticks a multiple choice."""
        if isinstance(question, YesNoQuestion) and option in ("yes", "no"):
            value: Any = option == "yes"
        elif isinstance(question, ChoiceQuestion) and option in {o.id for o in question.options}:
            value = option
        elif isinstance(question, MultiChoiceQuestion) and option in {
            o.id for o in question.options
        }:
            selected = self.state.selected
            if option in selected:
                selected.remove(option)
            else:
                selected.append(option)
            self.state.selected = [o.id for o in question.options if o.id in selected]
            reply = self.ask()
            return [Reply(reply.text, reply.buttons, replace=pressed)]
        else:
            return [Reply(t("input.stale_button")), self.ask()]
        chosen = format_answer(question, value)
        replies = self.accept(question, value)
        if pressed:
            # The question message is edited to show the choice; the next one is new.
            return [
                Reply(t("ask.chosen", prompt=question.prompt, value=chosen), replace=True),
                *replies,
            ]
        return replies

    def go_back(self, question: Question) -> list[Outgoing]:
        """The previous row of a table, else the previous question, else the menu."""
        if isinstance(question, TableQuestion) and self.state.row_index > 0:
            self.state.row_index -= 1
            self.state.pending_row = None
            return [self.ask()]
        if self.state.from_review:
            return self.show_review()
        previous = self.previous_question(question.id)
        if previous is None:
            return [Reply(t("ask.first_question")), *self.show_menu()]
        return self.go_to(previous)

    # -- tables -----------------------------------------------------------------------------

    def table_row_text(self, table: TableQuestion, raw: str) -> list[Outgoing]:
        """A typed table row: saved at once when its figures hold, read back with what it
        computes; a row that fails a check is echoed and waits for "đúng" or a new row."""
        try:
            row = parse_table_row(table, raw)
        except InvalidAnswer as err:
            return [Reply(t("input.invalid", reason=err.message)), self.ask()]
        self.state.pending_row = row
        self.state.pending_blank = row is None
        computed, problems = self.row_figures(table)
        if not problems:
            # One message per row on a phone: the read-back comes with the next row's
            # prompt, and /lai goes back to fix it.
            lines = [
                t(
                    "row.saved_values",
                    row=prompts.row_name(table.rows[self.state.row_index].label),
                    values=format_row(table, row),
                )
            ]
            if computed:
                lines.append(t("row.computed", values=" · ".join(computed)))
            if self.state.row_index == 0 and (glossary := prompts.abbreviations(table)):
                lines.append(glossary)
            lines.append(t("row.fix_hint"))
            return self.confirm_row_action("ok", ack="\n".join(lines))
        self.state.mode = "confirm_row"
        return [self.row_echo()]

    def row_figures(self, table: TableQuestion) -> tuple[list[str], list[str]]:
        """What the typed row computes, and the messages of the checks it fails."""
        if self.state.pending_row is None:
            return [], []
        row = table.rows[self.state.row_index]
        values = {**self.values, table.id: self._with_pending(table)}
        evaluation = self.evaluations.evaluate(self.template, self.period_id, values)
        computed = [
            f"{c.label} {evaluation.text(f'{table.id}.{row.id}.{c.id}')}"
            for c in table.computed
            if evaluation.text(f"{table.id}.{row.id}.{c.id}") is not None
        ]
        problems = [
            f.message for f in evaluation.failures if f.key.startswith(f"{table.id}.{row.id}.")
        ]
        return computed, problems

    def _with_pending(self, table: TableQuestion) -> dict[str, Any]:
        current = dict(self.values.get(table.id) or {})
        current[table.rows[self.state.row_index].id] = self.state.pending_row
        return current

    def row_echo(self) -> Reply:
        """The typed row read back with what it computes, and any failed check."""
        self.state.step += 1
        table = self.question
        assert isinstance(table, TableQuestion)
        row = table.rows[self.state.row_index]
        name = prompts.row_name(row.label, capital=True)
        lines = [t("row.echo", row=name, values=format_row(table, self.state.pending_row))]
        computed, problems = self.row_figures(table)
        if computed:
            lines.append(t("row.computed", values=" · ".join(computed)))
        lines += [t("row.problem", message=message) for message in problems]
        lines.append(t("row.confirm"))
        buttons = [
            [
                Button(self.code("ok"), t("button.row_ok")),
                Button(self.code("redo"), t("button.row_redo")),
            ]
        ]
        return Reply("\n".join(lines), buttons)

    def confirm_row_text(self, raw: str) -> list[Outgoing]:
        """At a row confirmation, "đúng" confirms; a new row replaces the typed one."""
        word = fold(clean_text(raw))
        if word in _CONFIRM_WORDS:
            return self.confirm_row_action("ok")
        if word in _REDO_WORDS:
            return self.confirm_row_action("redo")
        self.state.mode = "question"
        return self.table_row_text(self.question, raw)  # type: ignore[arg-type]

    def confirm_row_action(self, action: str, *, ack: str | None = None) -> list[Outgoing]:
        """Stores a confirmed row and asks the next one; or asks the row again."""
        table = self.question
        assert isinstance(table, TableQuestion)
        if action == "back":
            action = "redo"
        if action == "redo":
            self.state.mode = "question"
            self.state.pending_row = None
            return [self.ask()]
        if action != "ok":
            return [Reply(t("input.stale_button")), self.row_echo()]
        row = table.rows[self.state.row_index]
        value = self._with_pending(table)
        self._store(table, value)
        confirmed_now = [
            f.key for f in self.evaluation().failures if f.key.startswith(f"{table.id}.{row.id}.")
        ]
        if confirmed_now:
            # Confirming the echo that showed the problem keeps the row as it is.
            self._confirm(confirmed_now)
        ack = ack or t("row.saved", row=prompts.row_name(row.label))
        self.state.pending_row = None
        self.state.pending_blank = False
        self.state.mode = "question"
        following = next((i for i in range(self.state.row_index + 1, len(table.rows))), None)
        if following is not None:
            self.state.row_index = following
            reply = self.ask()
            return [Reply(f"{ack}\n\n{reply.text}", reply.buttons)]
        failures = self.new_failures(table.id)
        if failures:
            self.state.mode = "check"
            self.state.check_keys = [f.key for f in failures]
            return [Reply(ack), self.check_prompt()]
        return self.advance(ack)

    # -- lists ------------------------------------------------------------------------------

    def list_field_text(self, question: ListQuestion, raw: str) -> list[Outgoing]:
        """A typed field of the current list item."""
        field = question.fields[self.state.field_index]
        try:
            value = parse_cell(field, raw)
        except InvalidAnswer as err:
            return [Reply(t("input.invalid", reason=err.message)), self.ask()]
        return [*map(Reply, emoji_notes(field, raw)), *self.list_field_value(question, value)]

    def list_field_value(self, question: ListQuestion, value: Any) -> list[Outgoing]:
        """Stores a field of the item being typed; a complete item is saved."""
        field = question.fields[self.state.field_index]
        self.state.item[field.id] = value
        if self.state.field_index + 1 < len(question.fields):
            self.state.field_index += 1
            return [self.ask()]
        items = [*(self.values.get(question.id) or []), dict(self.state.item)]
        self._store(question, items)
        ack = t(
            "list.saved",
            item=question.item_name,
            number=len(items),
            value=format_item(question, self.state.item),
        )
        self.state.item = {}
        self.state.field_index = 0
        if len(items) >= question.max_items:
            return self.advance(ack)
        self.state.mode = "more_items"
        return [Reply(ack), self.ask_more_items()]

    def list_action(self, question: ListQuestion, action: str) -> list[Outgoing]:
        """Skips an optional field, or ends the list ("none" when it has no item yet)."""
        if action == "skip":
            field = question.fields[self.state.field_index]
            if field.required:
                return [Reply(t("input.cannot_skip")), self.ask()]
            return self.list_field_value(question, None)
        if self.state.item:
            return [Reply(t("list.finish_item")), self.ask()]
        if not self.values.get(question.id):
            return self.accept(question, [])
        return self.more_items_action("more:n")

    def ask_more_items(self) -> Reply:
        """ "Add another?" after a list item."""
        self.state.step += 1
        question = self.question
        assert isinstance(question, ListQuestion)
        return Reply(
            t("list.more", item=question.item_name),
            [
                [
                    Button(self.code("more:y"), f"1. {t('answer.yes')}"),
                    Button(self.code("more:n"), f"2. {t('answer.no')}"),
                ]
            ],
        )

    def more_items_action(self, action: str) -> list[Outgoing]:
        """Another item, or the end of the list."""
        if action == "more:y":
            self.state.mode = "question"
            return [self.ask()]
        if action in ("more:n", "done"):
            self.state.mode = "question"
            question = self.question
            failures = self.new_failures(question.id)
            if failures:
                self.state.mode = "check"
                self.state.check_keys = [f.key for f in failures]
                return [self.check_prompt()]
            return self.advance()
        return [Reply(t("input.stale_button")), self.ask_more_items()]

    # -- checks -----------------------------------------------------------------------------

    def new_failures(self, question_id: str) -> list[Any]:
        """Failed checks involving a question that nobody has confirmed yet."""
        return [
            f for f in self.evaluation().failures_for(question_id) if f.key not in self.confirmed
        ]

    def check_prompt(self) -> Reply:
        """The failed checks with the numbers involved: fix or keep."""
        self.state.step += 1
        messages = [
            f.message for f in self.evaluation().failures if f.key in self.state.check_keys
        ]
        lines = [t("check.title"), *(f"• {m}" for m in messages), t("check.choose")]
        buttons = [
            [
                Button(self.code("fix"), t("button.fix")),
                Button(self.code("accept"), t("button.accept"), "/giu"),
            ]
        ]
        return Reply("\n".join(lines), buttons)

    def check_text(self, raw: str) -> list[Outgoing]:
        """At a failed check, "sửa"/"giữ nguyên" choose; anything else is a corrected answer."""
        word = fold(clean_text(raw))
        if word in _FIX_WORDS:
            return self.check_action("fix")
        if word in _KEEP_WORDS:
            return self.check_action("accept")
        self.state.mode = "question"
        self.state.check_keys = []
        question = self.question
        if isinstance(question, TableQuestion):
            self.state.row_index = 0
        return self.answer_text(raw)

    def check_action(self, action: str) -> list[Outgoing]:
        """Fix: ask the question again. Keep: record the exception and move on."""
        if action == "fix":
            self.state.check_keys = []
            return self.go_to(self.question)
        if action in ("accept", "keep"):
            self._confirm(self.state.check_keys)
            self.state.check_keys = []
            self.state.mode = "question"
            return self.advance(t("check.kept"))
        return [Reply(t("input.stale_button")), self.check_prompt()]

    # -- review -----------------------------------------------------------------------------

    def show_review(self, intro: str | None = None) -> list[Outgoing]:
        """Every question of the section with its answer, numbered for editing."""
        self.state.clear_input()
        self.state.mode = "review"
        self.state.question_id = None
        self.state.from_review = False
        self.state.step += 1
        section = self.section
        relevant = flow.relevant_slots(section, self.values)
        lines = [intro] if intro else []
        lines.append(t("review.title", number=section.number, title=section.title))
        for index, slot in enumerate(relevant, 1):
            question = slot.question
            value = self.values.get(question.id)
            if question.id in self.skipped:
                shown = t("review.skipped")
            elif not flow.is_complete(question, value):
                shown = t("review.missing")
            else:
                shown = _short(format_answer(question, value), REVIEW_ANSWER_PREVIEW)
            title = question.label or question.prompt
            lines.append(f"{index}. [{slot.section.number}] {_short(title, 70)}: {shown}")
        ids = {s.question.id for s in relevant}
        failures = [f for f in self.failures() if f.question_ids & ids]
        if failures:
            lines.append(t("review.warnings"))
            lines += [
                f"⚠️ {f.message}" + (f" {t('review.kept')}" if f.confirmed else "")
                for f in failures
            ]
        lines.append(t("review.hint"))
        numbers = [Button(self.code(f"e:{i}"), str(i)) for i in range(1, len(relevant) + 1)]
        buttons = [numbers[i : i + 8] for i in range(0, len(numbers), 8)]
        actions = [Button(self.code("finish"), t("button.finish"), "/xong")]
        if self.first_open(section) is not None:
            actions.insert(0, Button(self.code(RESUME), t("button.continue"), "/tiep"))
        buttons.append(actions)
        buttons.append([Button(self.code("menu"), t("button.menu"), "/viec")])
        return [Reply("\n".join(lines), buttons)]

    def review_text(self, raw: str) -> list[Outgoing]:
        """In the review, a number opens that question for editing."""
        typed = fold(clean_text(raw)).rstrip(".")
        if is_ascii_digits(typed):
            return self.review_action(f"e:{typed}")
        if typed in {"xong", "hoan thanh"}:
            return self.review_action("finish")
        return [Reply(t("review.pick")), *self.show_review()]

    def review_action(self, action: str) -> list[Outgoing]:
        """Edit one answer, or finish the section."""
        if action.startswith("e:") and is_ascii_digits(action[2:]):
            relevant = flow.relevant_slots(self.section, self.values)
            index = small_int(action[2:]) or 0
            if not 1 <= index <= len(relevant):
                return [Reply(t("review.no_such", count=len(relevant))), *self.show_review()]
            question = relevant[index - 1].question
            self.state.from_review = True
            if isinstance(question, ListQuestion):
                # Editing a list starts it again; the old items stay until the first new one.
                self.state.mode = "question"
            return self.go_to(question)
        if action in ("finish", "done"):
            return self.finish_section()
        if action == "back":
            return self.show_menu()
        return [Reply(t("input.stale_button")), *self.show_review()]

    def finish_section(self) -> list[Outgoing]:
        """Marks the section finished when every required question is answered."""
        section = self.section
        missing = [
            s.question
            for s in flow.relevant_slots(section, self.values)
            if s.question.required
            and not flow.is_complete(s.question, self.values.get(s.question.id))
        ]
        if missing:
            names = "\n".join(f"• {_short(q.label or q.prompt, 80)}" for q in missing[:10])
            return [
                Reply(t("review.cannot_finish", count=len(missing), questions=names)),
                *self.show_review(),
            ]
        store.set_section_finished(
            self.session,
            period_id=self.period_id,
            section_id=section.id,
            member_id=self.member.id,
            finished=True,
        )
        self.finished.add(section.id)
        # Whoever finished is not reminded any more; the planner drops their rows now.
        replan_reminders(self.session, self.period_id, self.options.templates_root)
        done = t("review.finished", number=section.number, title=section.title)
        figures = headline_block(self.template, self.evaluation(), [section])
        done = f"{done}\n{figures}" if figures else done
        told: list[Outgoing] = []
        if not is_lead(self.member):
            leads = lead_ids(self.session, unit_id=self.unit.id or 0, besides=self.member.id)
            message = t(
                "section.finished_notify",
                name=self.member.display_name,
                number=section.number,
                title=section.title,
            )
            told = self.notify(leads, f"{message}\n{figures}" if figures else message)
        return [Reply(done), *self.show_menu(), *told]

    def pick_text(
        self, raw: str, actions: list[str], handler: Callable[[str], list[Outgoing]]
    ) -> list[Outgoing]:
        """A typed number or yes/no word standing for one of two buttons."""
        word = fold(clean_text(raw))
        if word in {"1", "co", "c", "yes", "y"}:
            return handler(actions[0])
        if word in {"2", "khong", "k", "ko", "no", "n"}:
            return handler(actions[1])
        return [Reply(t("input.pick_button")), *self.current()]


def _kind(kind: str) -> str:
    return kind if kind in {"photo", "sticker", "voice", "document", "video", "audio"} else "other"


def _short(text: str, limit: int) -> str:
    """A single-line preview of at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _year_text(year: str) -> str:
    """'2020-2021' as written in reports: '2020 - 2021'."""
    return year.replace("-", " - ")

"""Playing a whole report through the conversation engine from an answers file.

`baocao demo` uses this to show, without anyone typing, that the conversation a person has
in a chat produces the report: every answer below is sent as the text a person would type.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.conversation.engine import ConversationEngine
from bot.conversation.events import Command, Incoming, Sender, Text
from bot.conversation.state import State
from bot.core.replies import DocumentReply, Outgoing
from bot.questionnaire import index as flow
from bot.questionnaire.answers import format_number
from bot.questionnaire.schema import (
    ChoiceQuestion,
    DateQuestion,
    ListQuestion,
    MultiChoiceQuestion,
    Question,
    TableQuestion,
    YesNoQuestion,
)
from bot.report.answers_file import AnswersFile
from bot.store import queries as store
from bot.texts import t
from models import require_id

MAX_EVENTS = 5000


class DemoError(RuntimeError):
    """The scripted conversation did not go as the answers file says."""


def typed(question: Question, raw: Any) -> str:
    """How a person would type an answers-file value."""
    if isinstance(question, YesNoQuestion):
        return t("demo.typed_yes") if raw else t("demo.typed_no")
    if isinstance(question, ChoiceQuestion):
        return next((o.label for o in question.options if o.id == raw), str(raw))
    if isinstance(question, MultiChoiceQuestion):
        ids = [o.id for o in question.options]
        return ", ".join(str(ids.index(r) + 1) for r in raw)
    if isinstance(question, DateQuestion) and isinstance(raw, date):
        return raw.strftime("%d/%m/%Y")
    return str(raw)


def typed_cell(kind: str, value: Any) -> str:
    """A stored table cell as typed (thousands with a dot, decimals with a comma)."""
    return format_number(kind, value).removesuffix("%")


class DemoPlayer:
    """Answers every section of the sender's current period from an answers file."""

    def __init__(self, engine: ConversationEngine, sender: Sender, answers: AnswersFile) -> None:
        self.engine = engine
        self.sender = sender
        self.answers = answers
        self.raw: dict[str, Any] = answers.raw.get("answers") or {}
        self.transcript: list[tuple[Incoming, list[Outgoing]]] = []

    def send(self, event: Incoming) -> list[Outgoing]:
        replies = self.engine.handle(self.sender, event)
        self.transcript.append((event, replies))
        if len(self.transcript) > MAX_EVENTS:
            raise DemoError("the conversation did not end")
        return replies

    def snapshot(self) -> tuple[State, dict[str, Any]]:
        with self.engine.database.session() as session:
            member = store.member_by_identity(
                session, channel=self.sender.channel, external_id=self.sender.external_id
            )
            if member is None:
                raise DemoError("the demo member does not exist")
            conversation = store.conversation_of(session, member_id=require_id(member))
            period = store.current_period(session, unit_id=member.unit_id)
            answers = store.answers_of(session, period_id=require_id(period)) if period else {}
            return State.model_validate(conversation.state or {}), {
                k: a.value for k, a in answers.items()
            }

    def play(self) -> DocumentReply:
        """Fills every section, finishes each after its review, and asks for the draft."""
        self.send(Command("start"))
        template = self.answers.template
        for section in template.sections:
            self.send(Command("viec"))
            self.send(Text(section.number))
            self.fill_section()
        replies = self.send(Command("duthao"))
        document = next((r for r in replies if isinstance(r, DocumentReply)), None)
        if document is None:
            raise DemoError("no draft came back")
        return document

    def fill_section(self) -> None:
        while True:
            state, values = self.snapshot()
            if state.mode == "review":
                self.send(Text("xong"))
                state, _ = self.snapshot()
                if state.mode != "menu":
                    raise DemoError(f"section {state.section_id} could not be finished")
                return
            self.send(self.next_input(state, values))

    def next_input(self, state: State, values: dict[str, Any]) -> Incoming:
        if state.mode == "confirm_row":
            return Text(t("demo.typed_right"))
        if state.mode == "check":
            return Text(t("demo.typed_keep"))  # keep the figures as the report's author gave them
        if state.mode == "more_items":
            question = self.question(state)
            wanted = len(self.raw.get(question.id) or [])
            more = len(values.get(question.id) or []) < wanted
            return Text(t("demo.typed_yes") if more else t("demo.typed_no"))
        if state.mode != "question":
            raise DemoError(f"unexpected mode {state.mode}")
        question = self.question(state)
        raw = self.raw.get(question.id)
        if raw is None:
            if isinstance(question, ListQuestion):
                return Command("xong")
            return Command("boqua")
        if isinstance(question, TableQuestion):
            value = self.answers.values[question.id]
            row = value.get(question.rows[state.row_index].id)
            if row is None:
                return Text("-")
            return Text(" ".join(typed_cell(c.kind, row[c.id]) for c in question.columns))
        if isinstance(question, ListQuestion):
            items = values.get(question.id) or []
            item = self.answers.values[question.id][len(items)]
            field = question.fields[state.field_index]
            cell = item.get(field.id)
            return Command("boqua") if cell is None else Text(str(cell))
        return Text(typed(question, raw))

    def question(self, state: State) -> Question:
        slot = flow.find_slot(self.answers.template, state.question_id or "")
        if slot is None:
            raise DemoError(f"unknown question {state.question_id}")
        return slot.question

"""Asking one question and storing its answer: typed, chosen by button, skipped or kept;
then on to the next relevant question, or the section's review at its end."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.conversation import prompts
from bot.conversation.prompts import REVIEW_ANSWER_PREVIEW
from bot.conversation.steps import items, table
from bot.conversation.steps.checks import open_checks
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import short
from bot.questionnaire import index as flow
from bot.questionnaire.answers import (
    InvalidAnswer,
    emoji_notes,
    example_of,
    format_answer,
    parse_answer,
)
from bot.questionnaire.derived import derived
from bot.questionnaire.schema import (
    ChoiceQuestion,
    DateQuestion,
    ListQuestion,
    MultiChoiceQuestion,
    Question,
    TableQuestion,
    Template,
    TextQuestion,
    YesNoQuestion,
)
from bot.texts import t

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface


def go_to(turn: TurnSurface, question: Question) -> list[Outgoing]:
    """Moves the cursor to a question and asks it."""
    state = turn.state
    state.clear_input()
    state.mode = "question"
    state.question_id = state.last_question_id = question.id
    if isinstance(question, TableQuestion):
        answered = turn.values.get(question.id) or {}
        if not state.from_review:
            state.row_index = next(
                (i for i, r in enumerate(question.rows) if r.id not in answered), 0
            )
    if isinstance(question, MultiChoiceQuestion):
        state.selected = list(turn.values.get(question.id) or [])
    return [ask(turn)]


def ask(turn: TurnSurface) -> Reply:
    """The prompt of the current question, its help, and its buttons."""
    turn.state.next_step()
    question = turn.question
    number, index, count = flow.position(turn.section, question.id, turn.values)
    lines = [t("ask.position", section=number, index=index, count=count), question.prompt]
    buttons: list[list[Button]] = []
    current = turn.values.get(question.id)
    if isinstance(question, TableQuestion):
        lines += prompts.table_prompt(turn, question)
    elif isinstance(question, ListQuestion):
        lines += items.list_prompt(turn, question)
    else:
        lines += help_lines(turn.template, question, turn.period.year)
        if current is not None:
            shown = short(format_answer(question, current), REVIEW_ANSWER_PREVIEW)
            lines.append(t("ask.current", value=shown))
        elif question.carry and question.id in turn.carried:
            # Last period's answer, offered as the starting point: keep it or type anew.
            previous = format_answer(question, turn.carried[question.id])
            lines.append(t("ask.carried", value=short(previous, REVIEW_ANSWER_PREVIEW)))
        buttons += option_buttons(turn, question)
    offered = current is None and question.carry and question.id in turn.carried
    buttons.append(nav_buttons(turn, question, answered=current is not None or offered))
    return Reply("\n".join(lines), [row for row in buttons if row])


def help_lines(template: Template, question: Question, year: str) -> tuple[str, ...]:
    """A one-message question's hint, example and long-text note: the same at every asking,
    so worked out once per question of a loaded template (a date's example, per school year)."""
    kept: dict[str, tuple[Question, str | None, tuple[str, ...]]]
    kept = derived(template, "help_lines", dict)
    found = kept.get(question.id)
    dated = year if isinstance(question, DateQuestion) else None
    if found is None or found[0] is not question or found[1] != dated:
        found = kept[question.id] = (question, dated, _help_lines(question, year))
    return found[2]


def _help_lines(question: Question, year: str) -> tuple[str, ...]:
    lines: list[str] = []
    if question.hint:
        lines.append(f"💡 {question.hint}")
    if example := example_of(question, year):
        # A date's year must not become "2.027".
        if not isinstance(question, TextQuestion | DateQuestion):
            example = prompts.numeric_example(example)
        lines.append(t("ask.example", example=example))
    if isinstance(question, TextQuestion) and question.long:
        lines.append(t("ask.long_text"))
    return tuple(lines)


def option_buttons(turn: TurnSurface, question: Question) -> list[list[Button]]:
    """Buttons for choices; numbered so channels without buttons can type the number."""
    if isinstance(question, YesNoQuestion):
        return [
            [
                Button(turn.code("o:yes"), f"1. {t('answer.yes')}"),
                Button(turn.code("o:no"), f"2. {t('answer.no')}"),
            ]
        ]
    if isinstance(question, ChoiceQuestion):
        return [
            [Button(turn.code(f"o:{o.id}"), f"{i}. {o.label}")]
            for i, o in enumerate(question.options, 1)
        ]
    if isinstance(question, MultiChoiceQuestion):
        selected = turn.state.selected
        rows = [
            [
                Button(
                    turn.code(f"o:{o.id}"),
                    f"{'☑' if o.id in selected else '☐'} {i}. {o.label}",
                )
            ]
            for i, o in enumerate(question.options, 1)
        ]
        rows.append([Button(turn.code("done"), t("button.done"), "/xong")])
        return rows
    return []


def nav_buttons(turn: TurnSurface, question: Question, *, answered: bool) -> list[Button]:
    """Back, skip, keep and review, each with its typed command."""
    row = [Button(turn.code("back"), t("button.back"), "/lai")]
    if not question.required and not isinstance(question, ListQuestion):
        row.append(Button(turn.code("skip"), t("button.skip"), "/boqua"))
    if answered and not isinstance(question, TableQuestion | ListQuestion):
        row.append(Button(turn.code("keep"), t("button.keep"), "/giu"))
    row.append(Button(turn.code("review"), t("button.review"), "/xem"))
    return row


def answer_text(turn: TurnSurface, raw: str) -> list[Outgoing]:
    """A typed answer to the current question."""
    question = turn.question
    if isinstance(question, TableQuestion):
        return table.table_row_text(turn, question, raw)
    if isinstance(question, ListQuestion):
        return items.list_field_text(turn, question, raw)
    try:
        value = parse_answer(question, raw, school_year=turn.period.year)
    except InvalidAnswer as err:
        return [Reply(t("input.invalid", reason=err.message)), ask(turn)]
    return [*map(Reply, emoji_notes(question, raw)), *accept(turn, question, value)]


def accept(turn: TurnSurface, question: Question, value: Any) -> list[Outgoing]:
    """Stores a complete answer, shows any failed check, else moves on."""
    turn.store_answer(question, value)
    ack = t("ask.saved", value=short(format_answer(question, value), REVIEW_ANSWER_PREVIEW))
    failures = turn.new_failures(question.id)
    if failures:
        return [Reply(ack), open_checks(turn, failures)]
    return advance(turn, ack)


def advance(turn: TurnSurface, ack: str | None = None) -> list[Outgoing]:
    """Goes to the next relevant question, or to the review at the end of the section."""
    if turn.state.from_review:
        replies = turn.show_review()
        return [Reply(ack), *replies] if ack else replies
    following = next_question(turn, turn.question.id)
    if following is None:
        replies = turn.show_review(intro=t("review.section_end"))
    else:
        replies = go_to(turn, following)
    if ack and replies and isinstance(replies[0], Reply):
        first = replies[0]
        replies[0] = Reply(f"{ack}\n\n{first.text}", first.buttons)
    return replies


def next_question(turn: TurnSurface, question_id: str) -> Question | None:
    """The next relevant question after one, in the current section."""
    section = turn.section
    slots = flow.slots(section)
    for slot in slots[flow.slot_index(section, question_id) + 1 :]:
        if flow.is_relevant(slot.question, turn.values):
            return slot.question
    return None


def previous_question(turn: TurnSurface, question_id: str) -> Question | None:
    """The relevant question before one, in the current section."""
    section = turn.section
    slots = flow.slots(section)
    for slot in reversed(slots[: flow.slot_index(section, question_id)]):
        if flow.is_relevant(slot.question, turn.values):
            return slot.question
    return None


def question_action(turn: TurnSurface, action: str, *, pressed: bool) -> list[Outgoing]:
    """Buttons and commands while a question is asked."""
    question = turn.question
    if action == "back":
        return go_back(turn, question)
    if isinstance(question, ListQuestion) and action in ("skip", "done", "none"):
        if not turn.state.item and not turn.values.get(question.id) and action != "skip":
            return accept(turn, question, [])
        return items.list_action(turn, question, action)
    if action == "skip":
        if question.required:
            return [Reply(t("input.cannot_skip")), ask(turn)]
        turn.store_answer(question, None, skipped=True)
        return advance(turn, t("ask.skipped"))
    if action == "keep":
        if question.id not in turn.values and question.carry and question.id in turn.carried:
            return accept(turn, question, turn.carried[question.id])
        if question.id not in turn.values:
            return [Reply(t("input.nothing_to_keep")), ask(turn)]
        return advance(turn, t("ask.kept"))
    if action == "blank" and isinstance(question, TableQuestion):
        return table.table_row_text(turn, question, "-")
    if action.startswith("o:"):
        return option_pressed(turn, question, action[2:], pressed=pressed)
    if action == "done" and isinstance(question, MultiChoiceQuestion):
        if not turn.state.selected:
            return [Reply(t("answer.multi_choice_empty")), ask(turn)]
        return accept(turn, question, list(turn.state.selected))
    if not pressed:  # a typed /xong where nothing is to be finished
        return [Reply(t("input.done_not_here")), ask(turn)]
    return [Reply(t("input.stale_button")), ask(turn)]


def option_pressed(
    turn: TurnSurface, question: Question, option: str, *, pressed: bool
) -> list[Outgoing]:
    """A choice button: answers a choice, ticks a multiple choice."""
    if isinstance(question, YesNoQuestion) and option in ("yes", "no"):
        value: Any = option == "yes"
    elif isinstance(question, ChoiceQuestion) and option in {o.id for o in question.options}:
        value = option
    elif isinstance(question, MultiChoiceQuestion) and option in {o.id for o in question.options}:
        selected = turn.state.selected
        if option in selected:
            selected.remove(option)
        else:
            selected.append(option)
        turn.state.selected = [o.id for o in question.options if o.id in selected]
        reply = ask(turn)
        return [Reply(reply.text, reply.buttons, replace=pressed)]
    else:
        return [Reply(t("input.stale_button")), ask(turn)]
    chosen = format_answer(question, value)
    replies = accept(turn, question, value)
    if pressed:
        # The question message is edited to show the choice; the next one is new.
        return [
            Reply(t("ask.chosen", prompt=question.prompt, value=chosen), replace=True),
            *replies,
        ]
    return replies


def go_back(turn: TurnSurface, question: Question) -> list[Outgoing]:
    """The previous row of a table, else the previous question, else the menu."""
    if isinstance(question, TableQuestion) and turn.state.row_index > 0:
        turn.state.row_index -= 1
        turn.state.pending_row = None
        return [ask(turn)]
    if turn.state.from_review:
        return turn.show_review()
    previous = previous_question(turn, question.id)
    if previous is None:
        return [Reply(t("ask.first_question")), *turn.show_menu()]
    return go_to(turn, previous)

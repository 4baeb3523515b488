"""List questions: items typed field by field, then "add another?"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.conversation import prompts
from bot.conversation.steps.checks import open_checks
from bot.core.replies import Button, Outgoing, Reply
from bot.questionnaire.answers import InvalidAnswer, emoji_notes, format_item, parse_cell
from bot.questionnaire.schema import ListQuestion
from bot.texts import t

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface


def list_prompt(turn: TurnSurface, question: ListQuestion) -> list[str]:
    """The field being asked of the current item."""
    state = turn.state
    items = turn.values.get(question.id) or []
    field = question.fields[state.field_index]
    lines = [t("ask.list_item", item=question.item_name, number=len(items) + 1)]
    if items and state.field_index == 0 and not state.item:
        lines.append(t("ask.list_so_far", count=len(items), item=question.item_name))
    lines.append(f"➡️ {field.label}")
    if field.example:
        example = field.example
        if field.kind == "integer":
            example = prompts.numeric_example(example)
        lines.append(t("ask.example", example=example))
    if state.field_index == 0 and not state.item and not items:
        lines.append(t("ask.list_none", item=question.item_name))
    return lines


def list_field_text(turn: TurnSurface, question: ListQuestion, raw: str) -> list[Outgoing]:
    """A typed field of the current list item."""
    field = question.fields[turn.state.field_index]
    try:
        value = parse_cell(field, raw)
    except InvalidAnswer as err:
        return [Reply(t("input.invalid", reason=err.message)), turn.ask()]
    return [*map(Reply, emoji_notes(field, raw)), *list_field_value(turn, question, value)]


def list_field_value(turn: TurnSurface, question: ListQuestion, value: Any) -> list[Outgoing]:
    """Stores a field of the item being typed; a complete item is saved."""
    state = turn.state
    field = question.fields[state.field_index]
    state.item[field.id] = value
    if state.field_index + 1 < len(question.fields):
        state.field_index += 1
        return [turn.ask()]
    items = [*(turn.values.get(question.id) or []), dict(state.item)]
    turn.store_answer(question, items)
    ack = t(
        "list.saved",
        item=question.item_name,
        number=len(items),
        value=format_item(question, state.item),
    )
    state.item = {}
    state.field_index = 0
    if len(items) >= question.max_items:
        return turn.advance(ack)
    state.mode = "more_items"
    return [Reply(ack), ask_more_items(turn)]


def list_action(turn: TurnSurface, question: ListQuestion, action: str) -> list[Outgoing]:
    """Skips an optional field, or ends a list that has items (the caller stores an
    empty list)."""
    if action == "skip":
        field = question.fields[turn.state.field_index]
        if field.required:
            return [Reply(t("input.cannot_skip")), turn.ask()]
        return list_field_value(turn, question, None)
    if turn.state.item:
        return [Reply(t("list.finish_item")), turn.ask()]
    return more_items_action(turn, "more:n")


def ask_more_items(turn: TurnSurface) -> Reply:
    """ "Add another?" after a list item."""
    turn.state.next_step()
    question = turn.question
    assert isinstance(question, ListQuestion)
    return Reply(
        t("list.more", item=question.item_name),
        [
            [
                Button(turn.code("more:y"), f"1. {t('answer.yes')}"),
                Button(turn.code("more:n"), f"2. {t('answer.no')}"),
            ]
        ],
    )


def more_items_action(turn: TurnSurface, action: str) -> list[Outgoing]:
    """Another item, or the end of the list."""
    if action == "more:y":
        turn.state.mode = "question"
        return [turn.ask()]
    if action in ("more:n", "done"):
        turn.state.mode = "question"
        failures = turn.new_failures(turn.question.id)
        if failures:
            return [open_checks(turn, failures)]
        return turn.advance()
    return [Reply(t("input.stale_button")), ask_more_items(turn)]

"""The conversation's state machine: what a button, a command's action or typed text
means in each mode, and what is repeated when the member asks where they are."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.conversation import reports
from bot.conversation.desk import Desk
from bot.conversation.resume import continue_work
from bot.conversation.steps import checks, items, menu, question, review, table
from bot.conversation.steps.draft import ACTIONS as DRAFT_ACTIONS
from bot.conversation.steps.draft import DraftStep
from bot.core.replies import Outgoing, Reply
from bot.core.text import yes_or_no
from bot.questionnaire.answers import clean_text
from bot.texts import t

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface

log = logging.getLogger(__name__)


def current(turn: TurnSurface, *, quiet_menu: bool = False) -> list[Outgoing]:
    """Repeats what the member is being asked now."""
    mode = turn.state.mode
    try:
        if mode == "question":
            return [question.ask(turn)]
        if mode == "confirm_row":
            return [table.row_echo(turn)]
        if mode == "more_items":
            return [items.ask_more_items(turn)]
        if mode == "check":
            return [checks.check_prompt(turn)]
        if mode == "review":
            return review.show_review(turn)
    except LookupError:
        log.warning("conversation of member %s pointed at a missing item", turn.member.id)
    return [] if quiet_menu else menu.show_menu(turn)


def on_action(turn: TurnSurface, action: str, *, pressed: bool = False) -> list[Outgoing]:
    """Performs a navigation or answer action named by a button or a command."""
    mode = turn.state.mode
    if action == "menu":
        return menu.show_menu(turn)
    if action in DRAFT_ACTIONS:
        return DraftStep(turn).action(action)
    if action == "resume":
        return continue_work(turn)
    if action.startswith("s:"):
        return menu.open_section(turn, action[2:])
    if action.startswith(reports.SWITCH):
        return reports.switch(turn, action.removeprefix(reports.SWITCH))
    if action == "review":
        return review.show_review(turn) if turn.state.section_id else menu.show_menu(turn)
    if mode == "question":
        return question.question_action(turn, action, pressed=pressed)
    if action == "done" and not pressed and mode in ("confirm_row", "check"):
        return [Reply(t("input.done_not_here")), *current(turn)]
    if mode == "confirm_row":
        return table.confirm_row_action(turn, action)
    if mode == "more_items":
        return items.more_items_action(turn, action)
    if mode == "check":
        return checks.check_action(turn, action)
    if mode == "review":
        return review.review_action(turn, action)
    return [Reply(t("input.nothing_to_do")), *menu.show_menu(turn)]


def on_text(turn: TurnSurface, raw: str) -> list[Outgoing]:
    """Typed text: an answer, a choice by number, or a word like "đúng"."""
    mode = turn.state.mode
    if mode == "question":
        return question.answer_text(turn, raw)
    if mode == "confirm_row":
        return table.confirm_row_text(turn, raw)
    if mode == "more_items":
        return _pick(turn, raw, ["more:y", "more:n"], lambda a: items.more_items_action(turn, a))
    if mode == "check":
        chosen = checks.check_text(turn, raw)
        return chosen if chosen is not None else question.answer_text(turn, raw)
    if mode == "review":
        return review.review_text(turn, raw)
    if mode == "desk":
        return Desk(turn).text(raw)
    return menu.menu_text(turn, raw)


def _pick(
    turn: TurnSurface, raw: str, actions: list[str], handler: Callable[[str], list[Outgoing]]
) -> list[Outgoing]:
    """A typed number or yes/no word standing for one of two buttons."""
    answer = yes_or_no(clean_text(raw))
    if answer is not None:
        return handler(actions[0] if answer else actions[1])
    return [Reply(t("input.pick_button")), *current(turn)]

"""Where `/tiep` continues: the question being asked, else the one a member was last asked
(kept in the stored conversation, so a restart or `/start` does not lose it), else the
first open question of the report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.replies import Outgoing, Reply
from bot.questionnaire import index as flow
from bot.questionnaire.schema import Question, Section
from bot.texts import t

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface

# Modes in which the member is in the middle of answering: /tiep repeats what is asked.
_ANSWERING = ("question", "confirm_row", "more_items", "check")


def continue_work(turn: TurnSurface) -> list[Outgoing]:
    """`/tiep`: back to the question in hand, or the next open one where the member was."""
    state = turn.state
    if state.mode in _ANSWERING and state.section_id:
        return turn.current()
    section = turn.template_section(state.section_id or "")
    if section is not None and turn.may_work(section.id):
        # From the review, the first open question of its section; from the menu (after a
        # restart too), the first open one from where the member was last asked.
        start = state.last_question_id if state.mode != "review" else None
        question = open_from(turn, section, start)
        if question is not None:
            state.from_review = False
            return turn.go_to(question)
    for section in turn.template.sections:
        if turn.may_work(section.id) and turn.first_open(section) is not None:
            return turn.open_section(section.id)
    return [Reply(t("menu.all_answered")), *turn.show_menu()]


def open_from(turn: TurnSurface, section: Section, question_id: str | None) -> Question | None:
    """The first open question of a section at or after `question_id`, else any open one."""
    relevant = [s.question for s in flow.relevant_slots(section, turn.values)]
    open_ = [
        q
        for q in relevant
        if q.id not in turn.skipped and not flow.is_complete(q, turn.values.get(q.id))
    ]
    ids = [q.id for q in relevant]
    if question_id in ids:
        start = ids.index(question_id)
        later = [q for q in open_ if ids.index(q.id) >= start]
        if later:
            return later[0]
    return open_[0] if open_ else None

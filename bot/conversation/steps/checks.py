"""Failed checks after an answer: fix the answer, or keep it as it is (recorded)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import fold
from bot.questionnaire.answers import clean_text
from bot.questionnaire.evaluation import CheckFailure
from bot.questionnaire.schema import TableQuestion
from bot.texts import t

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface

# Words only: where a number is an answer (a corrected figure), a typed number is always
# the answer, never a shortcut for a button.
_FIX_WORDS = {"sua", "sua lai"}
_KEEP_WORDS = {"giu", "giu nguyen"}


def open_checks(turn: TurnSurface, failures: list[CheckFailure]) -> Reply:
    """Shows failed checks and waits for "fix" or "keep"."""
    turn.state.mode = "check"
    turn.state.check_keys = [f.key for f in failures]
    return check_prompt(turn)


def check_prompt(turn: TurnSurface) -> Reply:
    """The failed checks with the numbers involved: fix or keep."""
    turn.state.next_step()
    messages = [f.message for f in turn.evaluation().failures if f.key in turn.state.check_keys]
    lines = [t("check.title"), *(f"• {m}" for m in messages), t("check.choose")]
    buttons = [
        [
            Button(turn.code("fix"), t("button.fix")),
            Button(turn.code("accept"), t("button.accept"), "/giu"),
        ]
    ]
    return Reply("\n".join(lines), buttons)


def check_text(turn: TurnSurface, raw: str) -> list[Outgoing] | None:
    """At a failed check, "sửa"/"giữ nguyên" choose; anything else (None) is a corrected
    answer to the question asked again."""
    word = fold(clean_text(raw))
    if word in _FIX_WORDS:
        return check_action(turn, "fix")
    if word in _KEEP_WORDS:
        return check_action(turn, "accept")
    turn.state.mode = "question"
    turn.state.check_keys = []
    if isinstance(turn.question, TableQuestion):
        turn.state.row_index = 0
    return None


def check_action(turn: TurnSurface, action: str) -> list[Outgoing]:
    """Fix: ask the question again. Keep: record the exception and move on."""
    if action == "fix":
        turn.state.check_keys = []
        return turn.go_to(turn.question)
    if action in ("accept", "keep"):
        turn.confirm_checks(turn.state.check_keys)
        turn.state.check_keys = []
        turn.state.mode = "question"
        return turn.advance(t("check.kept"))
    return [Reply(t("input.stale_button")), check_prompt(turn)]

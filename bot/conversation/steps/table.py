"""Table rows, one typed line each: saved at once when the figures hold, else read back
with what they compute and the checks they fail, waiting for "đúng" or a new row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.conversation import prompts
from bot.conversation.steps.checks import open_checks
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import fold
from bot.questionnaire.answers import (
    InvalidAnswer,
    clean_text,
    format_row,
    parse_table_row,
)
from bot.questionnaire.evaluate import evaluate_table
from bot.questionnaire.schema import TableQuestion
from bot.texts import t

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface

# Words only: in a one-column table a typed number is always the row, never a button.
_CONFIRM_WORDS = {"dung", "ok", "co", "dung roi", "u", "yes", "y"}
_REDO_WORDS = {"nhap lai", "sai", "khong"}


def table_row_text(turn: TurnSurface, table: TableQuestion, raw: str) -> list[Outgoing]:
    """A typed table row: saved at once when its figures hold, read back with what it
    computes; a row that fails a check is echoed and waits for "đúng" or a new row."""
    try:
        row = parse_table_row(table, raw)
    except InvalidAnswer as err:
        return [Reply(t("input.invalid", reason=err.message)), turn.ask()]
    state = turn.state
    state.pending_row = row
    state.pending_blank = row is None
    computed, problems = row_figures(turn, table)
    if not problems:
        # One message per row on a phone: the read-back comes with the next row's
        # prompt, and /lai goes back to fix it.
        lines = [
            t(
                "row.saved_values",
                row=prompts.row_name(table.rows[state.row_index].label),
                values=format_row(table, row),
            )
        ]
        if computed:
            lines.append(t("row.computed", values=" · ".join(computed)))
        if state.row_index == 0 and (glossary := prompts.abbreviations(turn.template, table)):
            lines.append(glossary)
        lines.append(t("row.fix_hint"))
        # A blank row was not evaluated: its checks are looked at as it is stored.
        checked = row is not None
        return confirm_row_action(turn, "ok", ack="\n".join(lines), checked=checked)
    state.mode = "confirm_row"
    return [row_echo(turn)]


def row_figures(turn: TurnSurface, table: TableQuestion) -> tuple[list[str], list[str]]:
    """What the typed row computes, and the messages of the checks it fails."""
    if turn.state.pending_row is None:
        return [], []
    row = table.rows[turn.state.row_index]
    values = {**turn.values, table.id: _with_pending(turn, table)}
    evaluation = evaluate_table(turn.template, table, values) or turn.evaluations.evaluate(
        turn.template, turn.period_id, values
    )
    prefix = f"{table.id}.{row.id}."
    computed = [
        f"{c.label} {shown}"
        for c in table.computed
        if (shown := evaluation.text(prefix + c.id)) is not None
    ]
    problems = [f.message for f in evaluation.failures if f.key.startswith(prefix)]
    return computed, problems


def _with_pending(turn: TurnSurface, table: TableQuestion) -> dict[str, Any]:
    current = dict(turn.values.get(table.id) or {})
    current[table.rows[turn.state.row_index].id] = turn.state.pending_row
    return current


def row_echo(turn: TurnSurface) -> Reply:
    """The typed row read back with what it computes, and any failed check."""
    turn.state.next_step()
    table = turn.question
    assert isinstance(table, TableQuestion)
    row = table.rows[turn.state.row_index]
    name = prompts.row_name(row.label, capital=True)
    lines = [t("row.echo", row=name, values=format_row(table, turn.state.pending_row))]
    computed, problems = row_figures(turn, table)
    if computed:
        lines.append(t("row.computed", values=" · ".join(computed)))
    lines += [t("row.problem", message=message) for message in problems]
    lines.append(t("row.confirm"))
    buttons = [
        [
            Button(turn.code("ok"), t("button.row_ok")),
            Button(turn.code("redo"), t("button.row_redo")),
        ]
    ]
    return Reply("\n".join(lines), buttons)


def confirm_row_text(turn: TurnSurface, raw: str) -> list[Outgoing]:
    """At a row confirmation, "đúng" confirms; a new row replaces the typed one."""
    word = fold(clean_text(raw))
    if word in _CONFIRM_WORDS:
        return confirm_row_action(turn, "ok")
    if word in _REDO_WORDS:
        return confirm_row_action(turn, "redo")
    turn.state.mode = "question"
    table = turn.question
    assert isinstance(table, TableQuestion)
    return table_row_text(turn, table, raw)


def confirm_row_action(
    turn: TurnSurface, action: str, *, ack: str | None = None, checked: bool = False
) -> list[Outgoing]:
    """Stores a confirmed row and asks the next one; or asks the row again. `checked`: the
    row was just evaluated as it is stored and fails none of its own checks."""
    table = turn.question
    assert isinstance(table, TableQuestion)
    state = turn.state
    if action == "back":
        action = "redo"
    if action == "redo":
        state.mode = "question"
        state.pending_row = None
        return [turn.ask()]
    if action != "ok":
        return [Reply(t("input.stale_button")), row_echo(turn)]
    row = table.rows[state.row_index]
    value = _with_pending(turn, table)
    turn.store_answer(table, value)
    if not checked:
        # Only the row's own checks matter here: the table alone is evaluated when it can be.
        evaluation = evaluate_table(turn.template, table, turn.values) or turn.evaluation()
        prefix = f"{table.id}.{row.id}."
        confirmed_now = [f.key for f in evaluation.failures if f.key.startswith(prefix)]
        if confirmed_now:
            # Confirming the echo that showed the problem keeps the row as it is.
            turn.confirm_checks(confirmed_now)
    ack = ack or t("row.saved", row=prompts.row_name(row.label))
    state.pending_row = None
    state.pending_blank = False
    state.mode = "question"
    if state.row_index + 1 < len(table.rows):
        state.row_index += 1
        reply = turn.ask()
        return [Reply(f"{ack}\n\n{reply.text}", reply.buttons)]
    failures = turn.new_failures(table.id)
    if failures:
        return [Reply(ack), open_checks(turn, failures)]
    return turn.advance(ack)

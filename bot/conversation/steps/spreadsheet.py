"""A spreadsheet sent in chat while a table question is open: a preview of what it fills,
then, once confirmed, the table stored as confirmed typed rows are."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.conversation.events import Attachment, ButtonPress, Incoming, Text
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import yes_or_no
from bot.importing.answers import SPREADSHEET_SOURCE
from bot.importing.spreadsheet import MAX_BYTES, ImportFileError
from bot.importing.table import plan_import, preview_text
from bot.questionnaire.answers import clean_text
from bot.questionnaire.schema import TableQuestion
from bot.texts import t

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface

SUFFIXES = (".xlsx", ".csv")
# Besides yes and no: "điền" fills, "hủy" and "bỏ qua" cancel.
_FILL = frozenset({"dien"})
_CANCEL = frozenset({"huy", "bo qua"})


def is_spreadsheet(event: Incoming) -> bool:
    """A document whose name says .xlsx or .csv."""
    return isinstance(event, Attachment) and (event.file_name or "").lower().endswith(SUFFIXES)


def handle(turn: TurnSurface, event: Incoming) -> list[Outgoing] | None:
    """The replies when this step takes the event; None to let the engine go on."""
    if is_spreadsheet(event):
        assert isinstance(event, Attachment)
        return _received(turn, event)
    if turn.state.pending_import is None:
        return None
    if isinstance(event, ButtonPress):
        step, _, action = event.code.partition(":")
        if step == str(turn.state.step) and action in ("imp:ok", "imp:no"):
            return _fill(turn) if action == "imp:ok" else _cancel(turn)
    if isinstance(event, Text):
        answer = yes_or_no(clean_text(event.text), yes=_FILL, no=_CANCEL)
        if answer is not None:
            return _fill(turn) if answer else _cancel(turn)
    # Anything else leaves the preview: the file is forgotten, nothing stored.
    turn.state.pending_import = None
    return None


def _received(turn: TurnSurface, event: Attachment) -> list[Outgoing]:
    file_name = event.file_name or ""
    question = turn.question if turn.state.mode in ("question", "confirm_row") else None
    if not isinstance(question, TableQuestion):
        return [Reply(t("importing.not_a_table_now", file=file_name)), *turn.current()]
    if event.data is None:
        # The channel did not download it: larger than it fetches.
        limit = f"{MAX_BYTES // (1024 * 1024)} MB"
        return [Reply(t("importing.too_big_bytes", file=file_name, limit=limit)), turn.ask()]
    try:
        plan = plan_import(
            turn.session,
            period=turn.period,
            template=turn.template,
            question_id=question.id,
            file_name=file_name,
            data=event.data,
        )
    except ImportFileError as err:
        return [Reply(err.message), turn.ask()]
    turn.state.mode = "question"
    turn.state.pending_row = None
    turn.state.pending_import = {
        "question_id": question.id,
        "file": file_name,
        "value": plan.value,
        "checks": [f.key for f in plan.failures],
    }
    return [_preview(turn, preview_text(plan))]


def _preview(turn: TurnSurface, text: str) -> Reply:
    turn.state.next_step()
    buttons = [
        [
            Button(turn.code("imp:ok"), t("button.import_ok")),
            Button(turn.code("imp:no"), t("button.import_cancel")),
        ]
    ]
    return Reply(f"{text}\n\n{t('importing.confirm')}", buttons)


def _fill(turn: TurnSurface) -> list[Outgoing]:
    pending: dict[str, Any] = turn.state.pending_import or {}
    turn.state.pending_import = None
    question = turn.question
    if not isinstance(question, TableQuestion) or question.id != pending.get("question_id"):
        return [Reply(t("input.stale_button")), *turn.current()]
    turn.store_answer(question, pending["value"], source=f"{SPREADSHEET_SOURCE}:{pending['file']}")
    # The preview showed these failed checks: confirming it keeps them, as for a typed row.
    kept = [f.key for f in turn.evaluation().failures if f.key in set(pending["checks"])]
    if kept:
        turn.confirm_checks(kept)
    ack = t("importing.done", table=question.label or question.prompt, file=pending["file"])
    return turn.advance(ack)


def _cancel(turn: TurnSurface) -> list[Outgoing]:
    pending = turn.state.pending_import or {}
    turn.state.pending_import = None
    return [Reply(t("importing.cancelled", file=pending.get("file", ""))), *turn.current()]

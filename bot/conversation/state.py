"""Where a member is in a conversation; stored as JSON in the database between events."""

from __future__ import annotations

import json
import math
import operator
import threading
from typing import Any, Literal

from pydantic import BaseModel, Field, field_serializer
from pydantic_core import PydanticSerializationError

from bot.conversation.desk.flows import AnyFlow, DeskFlow, Idle

Mode = Literal["menu", "question", "confirm_row", "more_items", "check", "review", "desk"]


class State(BaseModel):
    """The conversation cursor: section, question, and any half-typed input."""

    mode: Mode = "menu"
    section_id: str | None = None
    question_id: str | None = None
    # The question last asked, kept through the menu and restarts: where /tiep continues.
    last_question_id: str | None = None
    # The member chose this report among several open ones (/baocao): it stays theirs.
    period_chosen: bool = False
    # Set when a question was opened from the review: finishing it returns there.
    from_review: bool = False
    # Tables: the row being asked and a typed row waiting for confirmation.
    row_index: int = 0
    pending_row: dict[str, Any] | None = None
    pending_blank: bool = False
    # Lists: the item being typed, field by field.
    item: dict[str, Any] = Field(default_factory=dict)
    field_index: int = 0
    # Multiple choice: options ticked so far.
    selected: list[str] = Field(default_factory=list)
    # Failed checks shown to the user, waiting for "fix" or "keep".
    check_keys: list[str] = Field(default_factory=list)
    # A spreadsheet's table previewed in chat, waiting for confirmation (steps/spreadsheet.py).
    pending_import: dict[str, Any] | None = None
    # The director's desk dialogue (opening a period, assigning, returning a section).
    desk: AnyFlow = Field(default_factory=Idle)
    # Increments with every prompt; buttons carry it so a stale press is recognised.
    step: int = 0

    @field_serializer("desk", mode="plain")
    def _desk_stored(self, desk: DeskFlow) -> dict[str, Any]:
        """The dialogue's stored keys, asked of it at once: pydantic would otherwise try
        the dialogues of the union one by one (every event stores the state)."""
        return desk.stored()

    def next_step(self) -> int:
        """Starts a new prompt: the buttons of earlier ones become stale. Returns its step."""
        self.step += 1
        return self.step

    def clear_input(self) -> None:
        """Forgets any half-typed input (not the stored answers)."""
        # Mostly there is none: each assignment goes through pydantic's __setattr__.
        if self.row_index:
            self.row_index = 0
        if self.pending_row is not None:
            self.pending_row = None
        if self.pending_blank:
            self.pending_blank = False
        if self.item:
            self.item = {}
        if self.field_index:
            self.field_index = 0
        if self.selected:
            self.selected = []
        if self.check_keys:
            self.check_keys = []
        if self.pending_import is not None:
            self.pending_import = None


def dumped(state: State) -> str:
    """The state as the JSON text to store, made in one step."""
    try:
        return state.model_dump_json()
    except PydanticSerializationError:
        # Text UTF-8 cannot hold (a lone surrogate): escaped, as the json module does.
        return json.dumps(state.model_dump(mode="json"))


def taken(text: str | None) -> State:
    """The state stored as `text` (a conversation row's JSON text; None: a fresh state), now
    the caller's own to change.

    The state a turn stored last is kept with its text (`keep`): when the row still holds
    that very text, read in the event's own transaction, it is handed over instead of
    decoded and validated again. It is taken out while a turn owns it, so a turn that fails
    halfway leaves nothing half-changed behind. A text another process wrote, or a write
    that was rolled back, is simply not found and is read as before.
    """
    if text is None:
        return State()
    kept = _KEPT.pop(text, None)
    if kept is not None:
        return kept
    return State.model_validate(json.loads(text) or {})


def keep(text: str, state: State) -> None:
    """Keeps `state`, just stored as `text` and not to be changed any more, for the next
    turn that reads that text (`taken`); only a state that reading `text` would give back
    exactly (see `_exact`)."""
    if not _exact(state):
        return
    with _LOCK:
        if len(_KEPT) >= _MAX_KEPT:
            del _KEPT[next(iter(_KEPT))]  # the oldest
        _KEPT[text] = state


# States stored last, by their text (one per member that answered lately, at most a few
# hundred bytes each), and how many at most.
_KEPT: dict[str, State] = {}
_MAX_KEPT = 2000
_LOCK = threading.Lock()
_PLAIN = frozenset({str, int, bool, type(None)})


def _exact(state: State) -> bool:
    """Whether reading the state's JSON text gives it back as it is: every value JSON's own
    (no Decimal, date or tuple, which come back as text or a list; no NaN, which is stored
    as null), and no desk dialogue but an idle one with its choices stored (a dialogue is
    recognised again by the keys it stored)."""
    desk = state.desk
    if type(desk) is not Idle or (desk.choices and "choices" not in desk.model_fields_set):
        return False
    fields = state.__dict__
    # The plain fields at C speed (this runs at every event), the containers walked.
    return (
        _PLAIN.issuperset(map(type, _plain_fields(fields)))
        and all(map(_json_value, _container_fields(fields)))
        and _json_value(desk.choices)
    )


# The state's fields that hold a dict or a list; every other one but the desk holds a plain
# value (str, int, bool or None).
_CONTAINERS = ("pending_row", "item", "selected", "check_keys", "pending_import")
_container_fields = operator.itemgetter(*_CONTAINERS)
_plain_fields = operator.itemgetter(
    *(name for name in State.model_fields if name not in {*_CONTAINERS, "desk"})
)


def _json_value(value: Any) -> bool:
    """Whether JSON gives `value` back as it is (`_exact`)."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is list:
        return all(_json_value(item) for item in value)
    if kind is dict:
        return all(type(key) is str and _json_value(item) for key, item in value.items())
    return False

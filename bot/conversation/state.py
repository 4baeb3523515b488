"""Where a member is in a conversation; stored as JSON in the database between events."""

from __future__ import annotations

import json
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

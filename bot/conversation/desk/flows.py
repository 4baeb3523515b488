"""What a desk dialogue remembers between events: one model per dialogue.

Kept in the conversation state as the same JSON object the desk stored before it was typed
(only the keys a dialogue set), so a state saved earlier still loads: a dialogue is
recognised by its keys.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_serializer,
)


class DeskFlow(BaseModel):
    """A desk dialogue's memory; every dialogue may number its buttons."""

    model_config = ConfigDict(extra="ignore")
    tag: ClassVar[str] = "idle"

    # The buttons shown last, by the number that may be typed instead: number -> "d:..." action.
    choices: dict[str, str] = Field(default_factory=dict)

    @model_serializer(mode="plain")
    def stored(self) -> dict[str, Any]:
        """Only the keys the dialogue set (and what it waits for), as they were stored."""
        # Picked from the fields rather than from a dump of them all: pydantic calls back
        # into Python once instead of twice, and every event stores the state.
        values, chosen = self.__dict__, self.model_fields_set
        return {
            key: values[key]
            for key in type(self).model_fields
            if key in chosen or (key == "wait" and values[key] is not None)
        }


class Idle(DeskFlow):
    """Buttons shown (a list, a card, a confirmation); nothing typed is awaited."""


class OpenPeriod(DeskFlow):
    """/moky: the report kind, the school year, the term, what child units send, the deadline."""

    tag: ClassVar[str] = "open_period"
    kind: str = ""
    year: str | None = None
    # None for a whole-year report; whether it was chosen yet is `term_chosen`.
    term: int | None = None
    collect: str | None = None
    wait: Literal["deadline"] | None = None

    @property
    def term_chosen(self) -> bool:
        return "term" in self.model_fields_set


class AssignSection(DeskFlow):
    """/giao: the section whose people are being ticked."""

    tag: ClassVar[str] = "assign"
    section: str = ""


class ReturnSection(DeskFlow):
    """/tralai: the section being sent back, waiting for the comment."""

    tag: ClassVar[str] = "return"
    section: str = ""
    wait: Literal["comment"] = "comment"


class UnitSetting(DeskFlow):
    """/donvi: the setting whose new value is typed."""

    tag: ClassVar[str] = "unit"
    field: str = ""
    wait: Literal["unit"] = "unit"


class NewDeadline(DeskFlow):
    """/moky on an open report: its new deadline is typed."""

    tag: ClassVar[str] = "new_deadline"
    wait: Literal["new_deadline"] = "new_deadline"


class ChildName(DeskFlow):
    """/donvicon: the name of a new child unit is typed."""

    tag: ClassVar[str] = "child_name"
    wait: Literal["child_name"] = "child_name"


class Adjustment(DeskFlow):
    """/dieuchinh: a consolidated figure, its value and a note are typed."""

    tag: ClassVar[str] = "adjustment"
    wait: Literal["adjustment"] = "adjustment"


# What each dialogue that waits for typed text stores as "wait".
_BY_WAIT = {
    "comment": ReturnSection.tag,
    "unit": UnitSetting.tag,
    "new_deadline": NewDeadline.tag,
    "child_name": ChildName.tag,
    "adjustment": Adjustment.tag,
}


def _tag_of(value: Any) -> str:
    """The dialogue of a stored object (by its keys) or of a model."""
    # The stored dict first: a check against a model class is a slow ABC check.
    if isinstance(value, dict):
        data = value
    elif isinstance(value, DeskFlow):
        return value.tag
    else:
        data = {}
    wait = data.get("wait")
    if wait in _BY_WAIT:
        return _BY_WAIT[wait]
    if "kind" in data and wait in (None, "deadline"):
        return OpenPeriod.tag
    if "section" in data and wait is None:
        return AssignSection.tag
    return Idle.tag


AnyFlow = Annotated[
    Annotated[Idle, Tag(Idle.tag)]
    | Annotated[OpenPeriod, Tag(OpenPeriod.tag)]
    | Annotated[AssignSection, Tag(AssignSection.tag)]
    | Annotated[ReturnSection, Tag(ReturnSection.tag)]
    | Annotated[UnitSetting, Tag(UnitSetting.tag)]
    | Annotated[NewDeadline, Tag(NewDeadline.tag)]
    | Annotated[ChildName, Tag(ChildName.tag)]
    | Annotated[Adjustment, Tag(Adjustment.tag)],
    Discriminator(_tag_of),
]

"""Walking a top section's questions: order, relevance and position ("Phần 3.2 • Câu 4/9")."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any

from bot.questionnaire.derived import derived
from bot.questionnaire.schema import (
    Condition,
    ListQuestion,
    Question,
    Section,
    TableQuestion,
    Template,
)


@dataclass(frozen=True)
class Slot:
    """A question with the sub-section it belongs to."""

    section: Section
    question: Question


@dataclass(frozen=True)
class _Index:
    """A template's lookups by id: top sections, slots, and the top section of each question."""

    tops: dict[str, Section]
    slots: tuple[Slot, ...]
    by_question: dict[str, Slot]
    owner: dict[str, Section]


def _slots(section: Section) -> tuple[Slot, ...]:
    return derived(section, "slots", lambda: _walk(section))


def _walk(section: Section) -> tuple[Slot, ...]:
    out = [Slot(section, q) for q in section.questions]
    for sub in section.sections:
        out.extend(_slots(sub))
    return tuple(out)


def _index(template: Template) -> _Index:
    return derived(template, "index", lambda: _build_index(template))


def _build_index(template: Template) -> _Index:
    by_question: dict[str, Slot] = {}
    owner: dict[str, Section] = {}
    every: list[Slot] = []
    for section in template.sections:
        for slot in _slots(section):
            every.append(slot)
            by_question.setdefault(slot.question.id, slot)
            owner.setdefault(slot.question.id, section)
    tops: dict[str, Section] = {}
    for section in template.sections:
        tops.setdefault(section.id, section)
    return _Index(tops, tuple(every), by_question, owner)


def top_section(template: Template, section_id: str) -> Section | None:
    """The top section with that id."""
    return _index(template).tops.get(section_id)


def top_section_ids(template: Template) -> tuple[str, ...]:
    """The ids of the template's top sections in order (every event asks for them)."""
    return derived(template, "top_section_ids", lambda: tuple(s.id for s in template.sections))


def slots(section: Section) -> list[Slot]:
    """Every question of a top section and its sub-sections, in asking order."""
    return list(_slots(section))


def all_slots(template: Template) -> list[Slot]:
    """Every question of the template in order."""
    return list(_index(template).slots)


def find_slot(template: Template, question_id: str) -> Slot | None:
    """The slot of a question id."""
    return _index(template).by_question.get(question_id)


def owner_section(template: Template, question_id: str) -> Section | None:
    """The top section a question belongs to."""
    return _index(template).owner.get(question_id)


def is_relevant(question: Question, values: Mapping[str, Any]) -> bool:
    """Whether the question's condition holds for the answers so far."""
    condition = question.when
    if condition is None:
        return True
    value = values.get(condition.question)
    if condition.answered is not None:
        return (value is not None) == condition.answered
    if condition.one_of is not None:
        return value in condition.one_of
    return value == condition.equals


def is_complete(question: Question, value: Any) -> bool:
    """Whether a stored value answers the question fully (every table row given)."""
    if value is None:
        return False
    if isinstance(question, TableQuestion):
        return all(row.id in value for row in question.rows)
    if isinstance(question, ListQuestion):
        return isinstance(value, list)
    return True


def relevant_slots(section: Section, values: Mapping[str, Any]) -> list[Slot]:
    """The questions of a top section that apply given the answers so far."""
    return [
        s for s in _slots(section) if s.question.when is None or is_relevant(s.question, values)
    ]


@dataclass(frozen=True)
class _Counted:
    """What `section_counts` reads of one question: its id, its condition, and what a
    complete answer holds (every row id of a table; a list for a list; anything else)."""

    question: Question
    id: str
    when: Condition | None
    rows: frozenset[str] | None
    is_list: bool


def _counted(section: Section) -> tuple[_Counted, ...]:
    def build() -> tuple[_Counted, ...]:
        return tuple(
            _Counted(
                q,
                q.id,
                q.when,
                frozenset(r.id for r in q.rows) if isinstance(q, TableQuestion) else None,
                isinstance(q, ListQuestion),
            )
            for q in (slot.question for slot in _slots(section))
        )

    return derived(section, "counted", build)


def section_counts(
    section: Section, values: Mapping[str, Any], skipped: Container[str]
) -> tuple[int, int]:
    """(answered or skipped, total) relevant questions of a top section."""
    done = total = 0
    # Every section of every menu: one plain pass over what `is_complete` reads, kept.
    for counted in _counted(section):
        if counted.when is not None and not is_relevant(counted.question, values):
            continue
        total += 1
        value = values.get(counted.id)
        if value is None:
            complete = False
        elif counted.rows is not None:
            complete = (
                counted.rows.issubset(value)
                if isinstance(value, dict)
                else is_complete(counted.question, value)
            )
        else:
            complete = isinstance(value, list) if counted.is_list else True
        if complete or counted.id in skipped:
            done += 1
    return done, total


def position(
    section: Section, question_id: str, values: Mapping[str, Any]
) -> tuple[str, int, int]:
    """(sub-section number, index, count) of a question among its sub-section's relevant ones."""
    slot = _slot_of(section).get(question_id)
    if slot is None:
        raise StopIteration(question_id)  # as the walk over the slots it stands for did
    index = count = 0
    for sibling in slot.section.questions:
        if sibling.when is None or is_relevant(sibling, values):
            count += 1
            if not index and sibling.id == question_id:
                index = count
    return slot.section.number, index or 1, max(count, 1)


def slot_index(section: Section, question_id: str) -> int:
    """Where a question is among `slots(section)`; ValueError when it is not there."""

    def build() -> dict[str, int]:
        found: dict[str, int] = {}
        for index, slot in enumerate(_slots(section)):
            found.setdefault(slot.question.id, index)
        return found

    index = derived(section, "slot_index", build).get(question_id)
    if index is None:
        raise ValueError(question_id)  # as `list.index` of the slots' ids did
    return index


def _slot_of(section: Section) -> dict[str, Slot]:
    """The first slot of each question id in a top section (asked on every prompt)."""

    def build() -> dict[str, Slot]:
        found: dict[str, Slot] = {}
        for slot in _slots(section):
            found.setdefault(slot.question.id, slot)
        return found

    return derived(section, "slot_of", build)

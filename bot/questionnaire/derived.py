"""What is computed from a loaded template's shape, kept on the template object itself.

The caches of baocao and when each is emptied, in one place:

- derived from a template (`derived` below: the question index and slots, the top
  sections' ids, what the menu's counts read of each question, the inferred checks, the
  evaluation plan with the tables worked out alone, the evaluated fragments of tables worked
  out on their own, the abbreviations a table's prompt explains, a question's hint and
  example lines (a date's per school year), a table's fixed prompt lines, the review's and
  the menu's names of questions and sections): a template never
  changes after it is loaded, so a value lives exactly as long as its template object and is
  never invalidated by hand; an edited file is loaded as a new template object, which starts empty;
- loaded templates (`bot.questionnaire.loader`): each file is looked at again at most every
  `RELOAD_SECONDS`, and read again when it changed;
- evaluations of a period's answers (`bot.conversation.evaluation_cache`): reused while the
  answers an evaluation read are the same values;
- read once per process (`functools.cache`): the message catalogue (`bot.texts`), the
  settings (`bot.core.settings.get_settings`, cleared by tests that change the environment)
  and the sector calendar (`bot.reminders.deadlines.sector_dates`): they change with a
  release or a restart, not while the bot runs;
- memos of pure functions (`functools.lru_cache`, bounded): an older template version by its
  stored text (`loader.template_version`), a stored answer's JSON text
  (`bot.store.hot_path._decoded`), a formatted number (`bot.core.numbers._vietnamese`):
  the result depends on the arguments alone, so nothing is ever invalidated.

A new cache is one of these kinds, and is listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

Value = TypeVar("Value")


class DerivedValues(dict[str, tuple[object, Any]]):
    """The values computed from one object, by key, each with the object it was computed
    from. Never part of the object's equality: two equal templates are equal whatever each
    has computed so far."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DerivedValues)

    def __ne__(self, other: object) -> bool:
        return not isinstance(other, DerivedValues)

    __hash__ = None


class Derivable(Protocol):
    """A schema object (a template or a section) with its store of derived values: pydantic's
    private attributes, whose `_derived` is a `DerivedValues` (`schema.Shaped`)."""

    __pydantic_private__: dict[str, Any] | None


def derived(owner: Derivable, key: str, compute: Callable[[], Value]) -> Value:
    """`compute()` once per owner object; later calls return the kept value.

    The owner is kept beside the value and checked by identity: a copy of a template
    (which shares the private store) computes its own.
    """
    # Read straight from pydantic's private attributes: about ten times an event.
    store: DerivedValues = owner.__pydantic_private__["_derived"]  # type: ignore[index]
    found = store.get(key)
    if found is not None and found[0] is owner:
        value: Value = found[1]
        return value
    value = compute()
    store[key] = (owner, value)
    return value

"""Tables worked out on their own in an evaluation, and remembered on their template.

A typed row changes one table; the others are reused. A table is a fragment when its cells
and checks read nothing but its own answer, or only the self-contained tables it looks up
(keyed then by their answers as well as its own).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.questionnaire.derived import derived
from bot.questionnaire.evaluation import CheckFailure
from bot.questionnaire.inferred_check import InferredCheck
from bot.questionnaire.schema import TableQuestion, Template


@dataclass(frozen=True)
class TableFragment:
    """What one table worked out on its own adds to an evaluation: its cells and failed
    checks."""

    numbers: dict[str, Decimal | None]
    kinds: dict[str, str]
    failures: tuple[CheckFailure, ...]


# A template's fragments by (table, answer), kept on the template (`derived`) for the tables
# of the reports being written. About 7 kB each for the annual report's tables: at most some
# 7 MB a report kind, for about a hundred reports written at the same time (eight tables
# each, with room for their last changes).
FRAGMENTS_LOCK = threading.Lock()
FRAGMENTS_KEPT = 1024


def kept_fragments(template: Template) -> OrderedDict[tuple[str, str], TableFragment]:
    """The template's fragments by (table, its answers as JSON), oldest first."""
    return derived(template, "table_fragments", OrderedDict)


def own_checks_only(table: TableQuestion, inferred: list[InferredCheck]) -> bool:
    """Whether a table's inferred checks read nothing but its own cells."""
    prefix = f"{table.id}."
    return all(
        ref.startswith(prefix)
        for check in inferred
        if check.table == table.id
        for ref in check.references()
    )


def lookup_sources(table: TableQuestion) -> tuple[str, ...]:
    """The tables a table's computed columns look up, in the order first looked up."""
    sources = (c.source.split(".")[0] for c in table.computed if c.kind == "lookup" and c.source)
    return tuple(dict.fromkeys(sources))


def fragment_sources(
    tables: tuple[TableQuestion, ...], inferred: list[InferredCheck]
) -> dict[str, tuple[str, ...]]:
    """The tables worked out as fragments, each with the tables it looks up (none for a
    self-contained table; a table that looks up only self-contained ones is a fragment too,
    keyed by its sources' answers as well as its own)."""
    alone = {
        table.id
        for table in tables
        if not lookup_sources(table) and own_checks_only(table, inferred)
    }
    found: dict[str, tuple[str, ...]] = dict.fromkeys(alone, ())
    for table in tables:
        sources = lookup_sources(table)
        if (
            sources
            and table.id not in sources
            and all(source in alone for source in sources)
            and own_checks_only(table, inferred)
        ):
            found[table.id] = sources
    return found


def last_fragments(template: Template) -> dict[str, tuple[tuple[Any, ...], TableFragment]]:
    """The last fragment of each table, with the answer objects it was worked out from
    (the table's, then those of the tables it looks up): an answer not changed since is the
    very same object (see `bot.store.hot_path._decoded`; answers are replaced, never
    changed in place), found without encoding it."""
    return derived(template, "last_table_fragments", dict)


def tables_alone(
    tables: tuple[TableQuestion, ...],
    inferred: tuple[InferredCheck, ...],
    fragments: dict[str, tuple[str, ...]],
    rates: tuple[str, ...],
) -> dict[str, tuple[str, ...]]:
    """The tables a typed row is read back from alone (worked out on their own, and no check
    elsewhere vouches for one of their rates), each with the typed rates among its cells."""
    alone: dict[str, tuple[str, ...]] = {}
    for table in tables:
        prefix = f"{table.id}."
        outside = (c.stated or "" for c in inferred if c.table != table.id)
        if table.id in fragments and not any(stated.startswith(prefix) for stated in outside):
            alone[table.id] = tuple(ref for ref in rates if ref.startswith(prefix))
    return alone

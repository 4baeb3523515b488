"""What an evaluation works out of a template's shape: everything (the full evaluation), or
only what the checks that can fail on one question read (`scope`).

Both are worked out once per template and kept on it (`derived`), and the evaluator runs
either with the same code (`bot.questionnaire.evaluate`): the failed checks that name a
question are the same whichever is run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.questionnaire.derived import derived
from bot.questionnaire.infer import inferred_checks
from bot.questionnaire.inferred_check import InferredCheck
from bot.questionnaire.plausible import typed_rates
from bot.questionnaire.schema import (
    NUMERIC_KINDS,
    Check,
    Figure,
    Question,
    TableQuestion,
    Template,
)
from bot.questionnaire.table_fragments import fragment_sources, lookup_sources, tables_alone


@dataclass(frozen=True)
class Scope:
    """What one run of the evaluator works out, each in the order the full run takes."""

    numeric: tuple[Question, ...]
    # The tables whose cells are worked out; those that look others up come last.
    computed_order: tuple[TableQuestion, ...]
    figures: tuple[Figure, ...]
    # Per table, in the template's order: whether its own checks run (a table worked out
    # on its own brings its failures with its cells), and its inferred checks that run.
    table_checks: tuple[tuple[TableQuestion, bool, tuple[InferredCheck, ...]], ...]
    # Inferred checks of no table, then the template's declared checks.
    inferred: tuple[InferredCheck, ...]
    checks: tuple[Check, ...]
    typed_rates: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """What an evaluation needs of a template's shape, worked out once per template."""

    questions: dict[str, Question]
    figures: dict[str, Figure]
    tables: tuple[TableQuestion, ...]
    inferred: tuple[InferredCheck, ...]
    # Each table's own inferred checks, by its id.
    inferred_of: dict[str, tuple[InferredCheck, ...]]
    # Tables worked out on their own, with the tables they look up (`fragment_sources`).
    fragments: dict[str, tuple[str, ...]]
    alone: dict[str, tuple[str, ...]]
    everything: Scope


def plan(template: Template) -> Plan:
    """The template's plan, worked out once and kept on the template (`derived`)."""
    return derived(template, "evaluation_plan", lambda: _make_plan(template))


def _make_plan(template: Template) -> Plan:
    questions = {q.id: q for section in template.iter_sections() for q in section.questions}
    tables = tuple(q for q in questions.values() if isinstance(q, TableQuestion))
    inferred = tuple(inferred_checks(template))
    fragments = fragment_sources(tables, list(inferred))
    rates = tuple(typed_rates(template))
    inferred_of = {table.id: tuple(c for c in inferred if c.table == table.id) for table in tables}
    everything = Scope(
        numeric=tuple(q for q in questions.values() if q.kind in NUMERIC_KINDS),
        computed_order=tuple(
            sorted(tables, key=lambda q: any(c.kind == "lookup" for c in q.computed))
        ),
        figures=tuple(template.figures),
        table_checks=tuple((table, True, inferred_of[table.id]) for table in tables),
        inferred=tuple(c for c in inferred if c.table is None),
        checks=tuple(template.checks),
        typed_rates=rates,
    )
    return Plan(
        questions=questions,
        figures={f.id: f for f in template.figures},
        tables=tables,
        inferred=inferred,
        inferred_of=inferred_of,
        fragments=fragments,
        alone=tables_alone(tables, inferred, fragments, rates),
        everything=everything,
    )


def questions_behind(figures: dict[str, Figure], refs: Iterable[str]) -> frozenset[str]:
    """The question ids a set of references reads, through figures: the questions a failed
    check names."""
    return frozenset(_followed(figures, refs)[1])


def _followed(figures: dict[str, Figure], refs: Iterable[str]) -> tuple[set[str], set[str]]:
    """The figures a set of references reads, through figures, and the questions."""
    followed: set[str] = set()
    heads: set[str] = set()
    pending = list(refs)
    while pending:
        ref = pending.pop()
        if ref in figures:
            if ref not in followed:
                followed.add(ref)
                pending.extend(figures[ref].references())
        else:
            heads.add(ref.split(".")[0])
    return followed, heads


def scope(template: Template, question_id: str) -> Scope:
    """What the checks that can fail naming a question read, and those checks; worked out
    once per question of a template."""
    kept: dict[str, Scope] = derived(template, "evaluation_scopes", dict)
    found = kept.get(question_id)
    if found is None:
        found = kept[question_id] = _scope(plan(template), question_id)
    return found


def _scope(plan: Plan, question_id: str) -> Scope:
    everything = plan.everything

    def names(refs: Iterable[str]) -> bool:
        return question_id in questions_behind(plan.figures, refs)

    table_checks: list[tuple[TableQuestion, bool, tuple[InferredCheck, ...]]] = []
    for table, _, its in everything.table_checks:
        own = table.id == question_id
        involved = tuple(c for c in its if names(c.references()))
        if own or involved:
            table_checks.append((table, own, involved))
    inferred = tuple(c for c in everything.inferred if names(c.references()))
    checks = tuple(c for c in everything.checks if names(c.references()))
    rates = tuple(ref for ref in everything.typed_rates if names([ref]))
    # The values read: the checks' operands, and for a typed rate the count and total of
    # any rate check that may vouch for it (`plausible.small_rates`).
    refs: list[str] = [*rates]
    for inferred_check in (
        *inferred,
        *(c for _, _, its in table_checks for c in its),
        *(c for c in plan.inferred if c.kind == "rate_matches" and c.stated in rates),
    ):
        refs += inferred_check.references()
    for check in checks:
        refs += check.references()
    figures, heads = _followed(plan.figures, refs)
    heads |= {table.id for table, _, _ in table_checks}
    # A table's computed cells read the tables it looks up.
    tables = {head for head in heads if isinstance(plan.questions.get(head), TableQuestion)}
    pending = list(tables)
    while pending:
        looking = plan.questions[pending.pop()]
        assert isinstance(looking, TableQuestion)
        for source in lookup_sources(looking):
            if source not in tables and isinstance(plan.questions.get(source), TableQuestion):
                tables.add(source)
                pending.append(source)
    return Scope(
        numeric=tuple(q for q in everything.numeric if q.id in heads),
        computed_order=tuple(t for t in everything.computed_order if t.id in tables),
        figures=tuple(f for f in everything.figures if f.id in figures),
        table_checks=tuple(table_checks),
        inferred=inferred,
        checks=checks,
        typed_rates=rates,
    )

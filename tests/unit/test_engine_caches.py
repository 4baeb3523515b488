"""The engine's caches give what computing afresh gives: evaluations and template lookups."""

from __future__ import annotations

import copy
import random
from typing import Any

from bot.conversation.engine import DEMO_TEMPLATE, EvaluationCache
from bot.questionnaire import index as flow
from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.evaluation import Evaluation
from bot.questionnaire.infer import inferred_checks
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, load_template, sample_answers_path
from bot.questionnaire.schema import TableQuestion, Template
from bot.report.answers_file import load_answers_file


def _sample() -> tuple[Any, dict[str, Any]]:
    answers = load_answers_file(
        sample_answers_path(DEMO_TEMPLATE, DEFAULT_TEMPLATES_DIR), root=DEFAULT_TEMPLATES_DIR
    )
    return answers.template, dict(answers.values)


def _same_evaluation(a: Evaluation, b: Evaluation) -> bool:
    return (
        a.numbers == b.numbers
        and a.kinds == b.kinds
        and a.figures == b.figures
        and [(f.key, f.message, f.question_ids) for f in a.failures]
        == [(f.key, f.message, f.question_ids) for f in b.failures]
    )


def test_an_answer_evaluation_does_not_read_is_reused() -> None:
    template, values = _sample()
    cache = EvaluationCache()
    first = cache.evaluate(template, 1, values)
    text_ids = [
        slot.question.id
        for slot in flow.all_slots(template)
        if slot.question.kind == "text" and slot.question.id in values
    ]
    assert text_ids
    changed = {**values, text_ids[0]: "Một đoạn khác hẳn."}
    assert cache.evaluate(template, 1, changed) is first
    # Another period never shares an entry.
    assert cache.evaluate(template, 2, changed) is not first


def test_a_changed_number_is_evaluated_afresh() -> None:
    template, values = _sample()
    cache = EvaluationCache()
    first = cache.evaluate(template, 1, values)
    table = next(
        s.question
        for s in flow.all_slots(template)
        if isinstance(s.question, TableQuestion) and s.question.id in values
    )
    rows = dict(values[table.id])
    row_id = next(r.id for r in table.rows if rows.get(r.id))
    column = table.columns[0].id
    rows[row_id] = {**rows[row_id], column: (rows[row_id].get(column) or 0) + 7}
    changed = {**values, table.id: rows}
    second = cache.evaluate(template, 1, changed)
    assert second is not first
    assert _same_evaluation(second, evaluate(template, changed))
    # The first answers are still remembered, and 7 versus 7.0 is not the same answer.
    assert cache.evaluate(template, 1, values) is first
    as_float = {**rows, row_id: {**rows[row_id], column: float(rows[row_id][column])}}
    assert cache.evaluate(template, 1, {**values, table.id: as_float}) is not second


def test_cached_evaluations_match_fresh_ones_over_random_edits() -> None:
    template, full = _sample()
    cache = EvaluationCache(per_period=2)
    ids = sorted(full)
    chooser = random.Random(3)
    values: dict[str, Any] = {}
    for _ in range(150):
        key = chooser.choice(ids)
        if chooser.random() < 0.25:
            values.pop(key, None)
        else:
            values[key] = full[key]
        snapshot = dict(values)
        cached = cache.evaluate(template, 7, snapshot)
        assert _same_evaluation(cached, evaluate(template, snapshot))


def test_template_lookups_match_a_walk_of_the_template() -> None:
    template = load_template(DEMO_TEMPLATE)

    def walk(section: Any) -> list[flow.Slot]:
        out = [flow.Slot(section, q) for q in section.questions]
        for sub in section.sections:
            out.extend(walk(sub))
        return out

    every = [slot for section in template.sections for slot in walk(section)]
    assert flow.all_slots(template) == every
    for section in template.sections:
        assert flow.slots(section) == walk(section)
        assert flow.top_section(template, section.id) is section
        for slot in walk(section):
            assert flow.find_slot(template, slot.question.id) == slot
            assert flow.owner_section(template, slot.question.id) is section
    assert flow.find_slot(template, "no-such-question") is None
    assert flow.top_section(template, "no-such-section") is None
    # Callers get their own lists.
    flow.all_slots(template).clear()
    assert flow.all_slots(template) == every


def test_what_is_derived_from_a_template_lives_on_that_template_object() -> None:
    template = load_template(DEMO_TEMPLATE)
    checks = inferred_checks(template)
    assert len(flow.all_slots(template)) > len(flow.slots(template.sections[0]))
    # A copy with fewer sections shares the private store but computes its own values.
    copy = template.model_copy(update={"sections": template.sections[:1]})
    assert flow.all_slots(copy) == flow.slots(template.sections[0])
    assert flow.top_section(copy, template.sections[-1].id) is None
    assert flow.top_section(template, template.sections[-1].id) is template.sections[-1]
    assert inferred_checks(template) == checks
    # What each has computed is no part of equality: sections read again equal the first.
    again = Template.model_validate(template.model_dump(by_alias=True, exclude_unset=True))
    assert template.sections[0].derived_values and not again.sections[0].derived_values
    assert again.sections == template.sections


def test_a_table_answer_replaced_by_another_is_worked_out_afresh() -> None:
    template, values = _sample()
    tables = [
        s.question
        for s in flow.all_slots(template)
        if isinstance(s.question, TableQuestion)
        and s.question.id in values
        and any(c.kind == "integer" for c in s.question.columns)
    ]
    assert len(tables) >= 5
    # Every table of counts in turn: as it was, with one count changed (a new answer object, as a
    # stored change is), and back; each time the same as over a copy nobody evaluated.
    for table in tables:
        rows = values[table.id]
        row_id = next(r.id for r in table.rows if rows.get(r.id))
        column = next(c.id for c in table.columns if c.kind == "integer")
        cell = f"{table.id}.{row_id}.{column}"
        before = evaluate(template, values).numbers[cell]
        edited = {**rows, row_id: {**rows[row_id], column: (rows[row_id].get(column) or 0) + 5}}
        changed = {**values, table.id: edited}
        after = evaluate(template, changed)
        assert after.numbers[cell] == (before or 0) + 5
        assert _same_evaluation(after, evaluate(template, copy.deepcopy(changed)))
        assert evaluate(template, values).numbers[cell] == before

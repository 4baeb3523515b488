"""The failed checks naming one question, worked out alone (`failures_naming`: only the
checks that can name it and what they read), are exactly those the whole evaluation names
it in: checked on every shipped report kind with numbers changed at random."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.questionnaire.evaluate import evaluate, failures_naming
from bot.questionnaire.evaluation import CheckFailure
from bot.questionnaire.evaluation_plan import scope
from bot.questionnaire.loader import load_template, sample_answers_path
from bot.questionnaire.schema import NUMERIC_KINDS, Question, TableQuestion, Template
from bot.report.answers_file import load_answers_file
from tests.support.scrambled import KINDS, scrambled


def _numeric(template: Template) -> list[Question]:
    """The questions whose numbers checks read: numeric questions and tables."""
    return [
        q
        for s in template.iter_sections()
        for q in s.questions
        if q.kind in NUMERIC_KINDS or isinstance(q, TableQuestion)
    ]


def _named(failures: list[CheckFailure], question_id: str) -> list[CheckFailure]:
    return [f for f in failures if question_id in f.question_ids]


def _same_for_every_question(template: Template, answers: dict[str, Any]) -> int:
    """Compares both ways for every question; the number of failures the whole finds."""
    whole = evaluate(template, answers).failures
    # Another template object: nothing remembered of earlier evaluations.
    fresh = template.model_copy(deep=True)
    for question in (q for s in template.iter_sections() for q in s.questions):
        expected = _named(whole, question.id)
        assert failures_naming(template, answers, question.id) == expected, question.id
        assert failures_naming(fresh, answers, question.id) == expected, question.id
    return len(whole)


_values = st.one_of(
    st.none(),
    st.integers(0, 700),
    st.sampled_from([0.5, 1.5, 91.8, 100.0, 250, -3]),
)
_changes = st.lists(
    st.tuples(st.integers(0, 80), st.integers(0, 50), st.integers(0, 50), _values),
    min_size=1,
    max_size=8,
)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=25, deadline=None)
@given(changes=_changes)
def test_failures_naming_a_question_are_those_of_the_whole_evaluation(
    kind: str, changes: list[tuple[int, int, int, Any]]
) -> None:
    loaded = load_answers_file(sample_answers_path(kind), template_id=kind)
    template, answers = loaded.template, dict(loaded.values)
    questions = _numeric(template)
    for question_index, row_index, column_index, value in changes:
        question = questions[question_index % len(questions)]
        if isinstance(question, TableQuestion):
            row = question.rows[row_index % len(question.rows)]
            column = question.columns[column_index % len(question.columns)]
            rows = dict(answers.get(question.id) or {})
            rows[row.id] = {**(rows.get(row.id) or {}), column.id: value}
            answers = {**answers, question.id: rows}
        elif value is None:
            answers = {k: v for k, v in answers.items() if k != question.id}
        else:
            answers = {**answers, question.id: value}
        _same_for_every_question(template, answers)


@pytest.mark.parametrize("kind", KINDS)
def test_scrambled_reports_fail_checks_named_alike_both_ways(kind: str) -> None:
    template = load_template(kind)
    answers = load_answers_file(sample_answers_path(kind)).values
    chance = random.Random(kind)
    found = 0
    for _ in range(15):
        found += _same_for_every_question(
            template, {k: scrambled(v, chance) for k, v in answers.items()}
        )
    assert found, "the scrambled figures should fail some check"


def test_a_table_no_figure_reads_is_worked_out_alone() -> None:
    """Confirming the last row of a table that no figure or check elsewhere reads works
    out that table only, not the report's other tables and figures."""
    template = load_template("bao-cao-tong-ket-nam-hoc-gdnn-gdtx")
    certificates = scope(template, "certificates")
    assert [t.id for t in certificates.computed_order] == ["certificates"]
    assert not certificates.figures and not certificates.checks
    conduct = scope(template, "conduct")
    # The declared check comparing conduct's and academic's totals reads both tables, and
    # the figure on conduct's total; nothing reads the dropout figures.
    assert {t.id for t in conduct.computed_order} >= {"conduct", "academic"}
    assert [c.id for c in conduct.checks] == ["conduct_and_academic_same_total"]
    assert "dropout_rate" not in {f.id for f in conduct.figures}

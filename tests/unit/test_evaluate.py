"""Figures and checks of the annual report kind, computed from the seed's answers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.questionnaire.evaluate import evaluate, evaluate_table
from bot.questionnaire.loader import sample_answers_path
from bot.report.answers_file import load_answers_file

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"


@pytest.fixture
def answers() -> dict[str, Any]:
    return dict(load_answers_file(sample_answers_path(KIND), template_id=KIND).values)


@pytest.fixture
def template() -> Any:
    return load_answers_file(sample_answers_path(KIND), template_id=KIND).template


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        ("dropout_rate", "8,97%"),
        ("previous_dropout_rate", "16,33%"),
        ("dropout_change", "giảm 7,36 điểm phần trăm"),
        ("academic.total.avg_up", "494"),
        ("academic.total.avg_up_rate", "91,82%"),
        ("academic.thpt.change", "tăng 1,95 điểm phần trăm"),
        ("conduct.total.avg_up", "525"),
        ("conduct.total.avg_up_rate", "100%"),
        ("conduct.total.change", "không thay đổi"),
        ("learning_titles.families.rate", "68,79%"),
        ("learning_titles.clans.rate", "80,56%"),
        ("certificates.it_basic.rate", "98,35%"),
    ],
)
def test_the_seed_figures(template: Any, answers: dict[str, Any], ref: str, text: str) -> None:
    assert evaluate(template, answers).text(ref) == text


def test_the_seed_answers_pass_every_check(template: Any, answers: dict[str, Any]) -> None:
    assert evaluate(template, answers).failures == []


def test_an_enrolment_that_moved_too_much_is_questioned(
    template: Any, answers: dict[str, Any]
) -> None:
    answers["enrolled"] = 59
    failures = evaluate(template, answers).failures
    moved = [f for f in failures if f.key == "enrolment_moved"]
    assert len(moved) == 1
    assert "năm trước 637, năm nay 59" in moved[0].message
    assert moved[0].question_ids == {"enrolled", "previous_enrolled"}


def test_a_conduct_row_that_does_not_add_up_names_its_numbers(
    template: Any, answers: dict[str, Any]
) -> None:
    answers["conduct"] = {
        **answers["conduct"],
        "thpt": {**answers["conduct"]["thpt"], "unclassified": 10},
    }
    messages = [f.message for f in evaluate(template, answers).failures]
    assert any("535" in m and "538" in m for m in messages), messages


def test_missing_operands_compute_nothing(template: Any, answers: dict[str, Any]) -> None:
    del answers["previous_enrolled"]
    evaluation = evaluate(template, answers)
    assert evaluation.text("previous_dropout_rate") is None
    assert evaluation.text("dropout_change") is None
    assert not [f for f in evaluation.failures if f.key == "enrolment_moved"]


def _distribution_template(balanced: bool) -> Any:
    from bot.questionnaire.schema import Template

    rates = [
        {
            "id": f"{c}_rate",
            "label": f"% {c}",
            "kind": "rate",
            "part": c,
            "total": ["total"],
            "balanced": balanced,
        }
        for c in ("a", "b", "c")
    ]
    return Template.model_validate(
        {
            "schema_version": 1,
            "id": "distribution",
            "name": "Phân bố",
            "sections": [
                {
                    "id": "s",
                    "number": "1",
                    "title": "Phân bố",
                    "questions": [
                        {
                            "id": "grades",
                            "kind": "table",
                            "prompt": "Xếp loại",
                            "rows": [{"id": "all", "label": "Toàn trường"}],
                            "columns": [{"id": c, "label": c} for c in ("total", "a", "b", "c")],
                            "computed": rates,
                        }
                    ],
                }
            ],
            "document": {"summary": "x", "number_suffix": "BC", "file_name": "x"},
        }
    )


@pytest.mark.parametrize(("balanced", "shown"), [(False, "33,33%"), (True, "33,34%")])
def test_rates_of_a_distribution_can_be_balanced_to_100(balanced: bool, shown: str) -> None:
    template = _distribution_template(balanced)
    cells = {"all": {"total": 3, "a": 1, "b": 1, "c": 1}}
    evaluation = evaluate(template, {"grades": cells})
    assert evaluation.text("grades.all.a_rate") == shown
    total = sum(evaluation.numbers[f"grades.all.{c}_rate"] or 0 for c in ("a", "b", "c"))
    assert (total == 100) is balanced


def test_rates_are_not_balanced_when_the_parts_do_not_fill_the_total() -> None:
    evaluation = evaluate(
        _distribution_template(True), {"grades": {"all": {"total": 4, "a": 1, "b": 1, "c": 1}}}
    )
    assert evaluation.text("grades.all.a_rate") == "25%"


# A change to one cell of one table: (table index, row index, column index, new value).
_cell_changes = st.lists(
    st.tuples(
        st.integers(0, 50),
        st.integers(0, 50),
        st.integers(0, 50),
        st.one_of(st.none(), st.integers(0, 700), st.sampled_from([1.5, 91.8, 100.0])),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(changes=_cell_changes)
def test_reused_tables_give_the_evaluation_a_fresh_template_gives(
    changes: list[tuple[int, int, int, Any]],
) -> None:
    """Tables remembered from earlier evaluations change nothing in the result."""
    loaded = load_answers_file(sample_answers_path(KIND), template_id=KIND)
    template, answers = loaded.template, dict(loaded.values)
    tables = [q for s in template.iter_sections() for q in s.questions if q.kind == "table"]
    evaluate(template, answers)  # every table of the seed remembered
    for table_index, row_index, column_index, value in changes:
        table = tables[table_index % len(tables)]
        row = table.rows[row_index % len(table.rows)]
        column = table.columns[column_index % len(table.columns)]
        rows = dict(answers.get(table.id) or {})
        rows[row.id] = {**(rows.get(row.id) or {}), column.id: value}
        answers = {**answers, table.id: rows}
        fresh = template.model_copy(deep=True)  # another object: nothing remembered for it
        assert evaluate(template, answers) == evaluate(fresh, answers)


def test_a_table_that_looks_up_another_follows_a_change_of_that_table_only(
    template: Any, answers: dict[str, Any]
) -> None:
    """academic's "previous rate" looks up academic_previous: changing only the table it
    looks up (academic's own answer the very same object) changes what academic shows."""
    first = evaluate(template, answers)
    assert first.text("academic.thpt.previous_rate") == "89,87%"
    changed = {**answers, "academic_previous": {**answers["academic_previous"]}}
    changed["academic_previous"]["thpt"] = {"rate": "75.5"}
    assert changed["academic"] is answers["academic"]
    again = evaluate(template, changed)
    assert again.text("academic.thpt.previous_rate") == "75,50%"
    assert again == evaluate(template.model_copy(deep=True), changed)
    assert evaluate(template, answers) == first


def _table_part(evaluation: Any, table_id: str) -> tuple[Any, ...]:
    """What an evaluation says of one table: its cells (with their texts) and failures."""
    prefix = f"{table_id}."
    cells = {ref: (value, evaluation.text(ref)) for ref, value in evaluation.numbers.items()}
    return (
        {ref: cell for ref, cell in cells.items() if ref.startswith(prefix)},
        [
            (f.key, f.message, f.question_ids)
            for f in evaluation.failures
            if f.key.startswith(prefix)
        ],
    )


@settings(max_examples=40, deadline=None)
@given(
    changes=st.lists(
        st.tuples(
            st.integers(0, 50),
            st.integers(0, 50),
            st.integers(0, 50),
            st.one_of(st.none(), st.integers(0, 700), st.sampled_from([0.5, 1.5, 91.8, 100.0])),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_table_evaluated_alone_says_what_the_whole_evaluation_says_of_it(
    changes: list[tuple[int, int, int, Any]],
) -> None:
    """A typed row is read back from its table alone (`evaluate_table`): the same cells,
    texts and failed checks (a small typed rate included) as evaluating the whole report."""
    loaded = load_answers_file(sample_answers_path(KIND), template_id=KIND)
    template, answers = loaded.template, dict(loaded.values)
    tables = [q for s in template.iter_sections() for q in s.questions if q.kind == "table"]
    alone = 0
    for table_index, row_index, column_index, value in changes:
        table = tables[table_index % len(tables)]
        row = table.rows[row_index % len(table.rows)]
        column = table.columns[column_index % len(table.columns)]
        rows = dict(answers.get(table.id) or {})
        rows[row.id] = {**(rows.get(row.id) or {}), column.id: value}
        answers = {**answers, table.id: rows}
        whole = evaluate(template, answers)
        for each in tables:
            part = evaluate_table(template, each, answers)
            if part is not None:
                alone += 1
                assert _table_part(part, each.id) == _table_part(whole, each.id)
    assert alone  # most tables of the annual report are evaluated alone

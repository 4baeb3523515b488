"""A question outside `checked_questions` is never named by a failed check, so answering
it needs no evaluation: checked against every shipped template with figures scrambled
until checks fail."""

from __future__ import annotations

import random

import pytest

from bot.questionnaire.check_scope import checked_questions
from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.loader import load_template, sample_answers_path
from bot.report.answers_file import load_answers_file
from tests.support.scrambled import KINDS, scrambled


@pytest.mark.parametrize("kind", KINDS)
def test_failed_checks_name_only_checked_questions(kind: str) -> None:
    template = load_template(kind)
    answers = load_answers_file(sample_answers_path(kind)).values
    checked = checked_questions(template)
    chance = random.Random(kind)
    named: set[str] = set()
    for _ in range(40):
        values = {k: scrambled(v, chance) for k, v in answers.items()}
        for failure in evaluate(template, values).failures:
            named |= failure.question_ids
    assert named, "the scrambled figures should fail some check"
    assert named <= checked, named - checked


def test_text_answers_are_not_checked_and_numbers_read_by_checks_are() -> None:
    template = load_template("bao-cao-kiem-diem-hoi-nghi-vien-chuc")
    checked = checked_questions(template)
    kinds = {q.id: q.kind for s in template.iter_sections() for q in s.questions}
    assert all(kinds[q] == "integer" for q in checked)
    assert any(kind == "text" for q, kind in kinds.items() if q not in checked)

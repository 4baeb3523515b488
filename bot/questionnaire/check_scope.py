"""Which questions a failed check can ever involve: the others need no evaluation after
they are answered (a text, a choice or a date is read by no check)."""

from __future__ import annotations

from bot.questionnaire.derived import derived
from bot.questionnaire.infer import inferred_checks
from bot.questionnaire.plausible import typed_rates
from bot.questionnaire.schema import TableQuestion, Template


def checked_questions(template: Template) -> frozenset[str]:
    """The ids of the questions a check failure of the template may name, worked out once
    per template (`derived`)."""
    return derived(template, "checked_questions", lambda: _checked_questions(template))


def _checked_questions(template: Template) -> frozenset[str]:
    # The same references the evaluation fails on, followed through figures as
    # `evaluate._Evaluator._questions_behind` does; a table fails on its own id too.
    figures = {f.id: f for f in template.figures}
    pending = [ref for check in template.checks for ref in check.references()]
    pending += [ref for check in inferred_checks(template) for ref in check.references()]
    pending += typed_rates(template)
    found = {
        question.id
        for section in template.iter_sections()
        for question in section.questions
        if isinstance(question, TableQuestion)
    }
    followed: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in figures:
            if ref not in followed:
                followed.add(ref)
                pending.extend(figures[ref].references())
        else:
            found.add(ref.split(".")[0])
    return frozenset(found)

"""Which questions a failed check can ever involve: the others need no evaluation after
they are answered (a text, a choice or a date is read by no check)."""

from __future__ import annotations

from bot.questionnaire.derived import derived
from bot.questionnaire.evaluation_plan import plan, questions_behind
from bot.questionnaire.schema import Template


def checked_questions(template: Template) -> frozenset[str]:
    """The ids of the questions a check failure of the template may name, worked out once
    per template (`derived`)."""
    return derived(template, "checked_questions", lambda: _checked_questions(template))


def _checked_questions(template: Template) -> frozenset[str]:
    # The references the evaluation fails on, followed through figures as a failure's
    # question ids are; a table fails on its own id too.
    found = plan(template)
    refs = [ref for check in template.checks for ref in check.references()]
    refs += [ref for check in found.inferred for ref in check.references()]
    refs += found.everything.typed_rates
    tables = frozenset(table.id for table in found.tables)
    return tables | questions_behind(found.figures, refs)

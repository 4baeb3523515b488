"""The headline figures of a report in chat: its rates and changes (the template's figures
and each table's total row), shown when a section is finished and in /tiendo."""

from __future__ import annotations

from bot.questionnaire import index as flow
from bot.questionnaire.evaluation import Evaluation
from bot.questionnaire.schema import Figure, Section, TableQuestion, Template
from bot.texts import t

_KINDS = ("rate", "change")


def _questions_of(
    template: Template, figure: Figure, seen: frozenset[str] = frozenset()
) -> set[str]:
    """The question ids a figure reads, through the figures it reads."""
    by_id = {f.id: f for f in template.figures}
    found: set[str] = set()
    for ref in figure.references():
        head = ref.split(".", 1)[0]
        if head in by_id and head not in seen:
            found |= _questions_of(template, by_id[head], seen | {figure.id})
        elif head not in by_id:
            found.add(head)
    return found


def section_headlines(template: Template, evaluation: Evaluation, section: Section) -> list[str]:
    """ "Label: value" of the rates and changes a top section's answers give."""
    ids = {slot.question.id for slot in flow.slots(section)}
    lines: list[str] = []
    for slot in flow.slots(section):
        table = slot.question
        if not isinstance(table, TableQuestion) or table.total_row is None:
            continue
        for column in table.computed:
            text = evaluation.text(f"{table.id}.{table.total_row.id}.{column.id}")
            if column.kind in _KINDS and text is not None:
                name = column.label if not column.group else f"{column.label} «{column.group}»"
                where = f"{table.label or table.prompt} – {table.total_row.label}"
                lines.append(t("headline.line", label=f"{where}: {name}", value=text))
    for figure in template.figures:
        result = evaluation.figures.get(figure.id)
        if figure.kind not in _KINDS or result is None or result.text is None:
            continue
        if _questions_of(template, figure) & ids:
            lines.append(t("headline.line", label=figure.label, value=result.text))
    return lines


def headline_block(
    template: Template, evaluation: Evaluation, sections: list[Section]
) -> str | None:
    """The headline figures of some sections under a title, or None when there are none."""
    lines = [line for s in sections for line in section_headlines(template, evaluation, s)]
    return "\n".join([t("headline.title"), *lines]) if lines else None

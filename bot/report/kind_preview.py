"""`baocao templates preview`: a report kind's questionnaire as a .docx for reviewers.

Not a draft report: the document lists what the bot will ask, section by section (each
question with its kind, whether it is required, its hint and example, the condition it is
asked under, its choices, a table's rows and columns, a list's fields), then the figures
it computes and the checks it runs, so a director can review a kind without reading YAML.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from docx import Document
from docx.document import Document as DocumentObject
from docx.shared import Pt

from bot.questionnaire.infer import inferred_checks
from bot.questionnaire.inferred_check import InferredCheck
from bot.questionnaire.schema import (
    Check,
    ChoiceQuestion,
    ListQuestion,
    MultiChoiceQuestion,
    Question,
    Section,
    TableQuestion,
    Template,
    TextQuestion,
)
from bot.texts import t


def preview_docx(template: Template) -> bytes:
    """The .docx listing a kind's sections, questions, figures and checks."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    document.add_heading(t("templates.preview.title", name=template.name), level=0)
    facts = t("templates.preview.facts", id=template.id, version=template.version)
    document.add_paragraph(facts)
    if template.description:
        document.add_paragraph(template.description)
    for section in template.sections:
        _section(document, section, level=1)
    _figures(document, template)
    _checks(document, template)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _section(document: DocumentObject, section: Section, level: int) -> None:
    document.add_heading(f"{section.number}. {section.title}", level=min(level, 4))
    document.add_paragraph().add_run(
        t("templates.preview.section_id", id=section.id)
    ).italic = True
    if section.intro:
        document.add_paragraph(section.intro)
    for question in section.questions:
        _question(document, question)
    for child in section.sections:
        _section(document, child, level + 1)


def _question(document: DocumentObject, question: Question) -> None:
    paragraph = document.add_paragraph(style="List Number")
    paragraph.add_run(question.prompt).bold = True
    kind = t(f"templates.preview.kind.{question.kind}")
    if isinstance(question, TextQuestion) and not question.long:
        kind = t("templates.preview.kind.short_text")
    need = t("templates.preview.required" if question.required else "templates.preview.optional")
    paragraph.add_run(" " + t("templates.preview.meta", kind=kind, id=question.id, need=need))
    details = [
        t("templates.preview.label", text=question.label) if question.label else None,
        t("templates.preview.hint", text=question.hint) if question.hint else None,
        t("templates.preview.example", text=question.example) if question.example else None,
        _condition(question),
    ]
    if isinstance(question, ChoiceQuestion | MultiChoiceQuestion):
        options = "; ".join(option.label for option in question.options)
        details.append(t("templates.preview.options", options=options))
    if isinstance(question, ListQuestion):
        fields = "; ".join(field.label for field in question.fields)
        details.append(t("templates.preview.fields", item=question.item_name, fields=fields))
    for detail in details:
        if detail:
            document.add_paragraph(detail, style="List Bullet")
    if isinstance(question, TableQuestion):
        _table(document, question)


def _condition(question: Question) -> str | None:
    condition = question.when
    if condition is None:
        return None
    if condition.answered is not None:
        return t("templates.preview.when_answered", question=condition.question)
    values = [condition.equals] if condition.equals is not None else condition.one_of or []
    shown = ", ".join(_value(value) for value in values)
    return t("templates.preview.when", question=condition.question, values=shown)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return t("templates.preview.answer_yes" if value else "templates.preview.answer_no")
    return str(value)


def _table(document: DocumentObject, question: TableQuestion) -> None:
    """The table as the bot asks it: its rows down, answered then computed columns across."""
    computed = [f"{c.label} {t('templates.preview.computed')}" for c in question.computed]
    header = [question.first_column_label, *(c.label for c in question.columns), *computed]
    rows = [row.label for row in question.rows]
    if question.total_row:
        rows.append(f"{question.total_row.label} {t('templates.preview.computed')}")
    table = document.add_table(rows=len(rows) + 1, cols=len(header))
    table.style = "Table Grid"
    _fill(table.rows[0].cells, header)
    for cells, label in zip((r.cells for r in table.rows[1:]), rows, strict=True):
        cells[0].text = label
    for check in question.checks:
        operands = " + ".join(check.parts) if check.parts else check.part or ""
        relation = t(
            f"templates.preview.table_check.{check.kind}", part=operands, total=check.total
        )
        document.add_paragraph(relation, style="List Bullet")


def _fill(cells: Iterable[object], texts: Iterable[str]) -> None:
    for cell, text in zip(cells, texts, strict=True):
        cell.text = text  # type: ignore[attr-defined]


def _figures(document: DocumentObject, template: Template) -> None:
    if not template.figures:
        return
    document.add_heading(t("templates.preview.figures"), level=1)
    for figure in template.figures:
        operands = ", ".join(figure.references())
        text = t("templates.preview.figure", label=figure.label, id=figure.id, operands=operands)
        document.add_paragraph(text, style="List Bullet")


def _checks(document: DocumentObject, template: Template) -> None:
    checks: list[Check | InferredCheck] = [*template.checks, *inferred_checks(template)]
    if not checks:
        return
    document.add_heading(t("templates.preview.checks"), level=1)
    for check in checks:
        key = check.id if isinstance(check, Check) else check.key
        message = check.message if isinstance(check, Check) else None
        text = message or t(
            f"templates.preview.check.{check.kind}",
            parts=" + ".join(check.parts),
            part=check.part,
            total=check.total,
            current=check.current,
            previous=check.previous,
            stated=getattr(check, "stated", None),
            denominator=" + ".join(getattr(check, "denominator", ())),
        )
        document.add_paragraph(f"{text} ({key})", style="List Bullet")

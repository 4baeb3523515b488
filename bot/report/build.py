"""Building a report's plain context from a template, its answers and computed figures.

Prose sentences are Jinja2 templates written by the report kind's authors; what users typed
only ever enters them as variable values, so it is shown literally and never evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jinja2.sandbox import SandboxedEnvironment
from slugify import slugify

from bot.core.clock import today
from bot.core.digits import is_ascii_digits
from bot.core.text import year_text
from bot.questionnaire import index as flow
from bot.questionnaire.answers import format_answer, format_number
from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.evaluation import Evaluation
from bot.questionnaire.schema import (
    LayoutItem,
    ListQuestion,
    Question,
    Section,
    TableQuestion,
    Template,
    TextQuestion,
)
from bot.report.blocks import (
    Block,
    Header,
    Heading,
    Paragraph,
    ReportContext,
    Run,
    Signer,
)
from bot.report.docx_writer import write_report
from bot.report.notes import early_notes
from bot.report.numbering import heading_number, roman
from bot.report.table_blocks import TableCells, list_block, table_block
from bot.texts import t
from models import Period, Unit

# Placeholders travel through Jinja output between private-use characters, which
# clean_text() strips from anything a user types, so users cannot forge one.
_OPEN, _CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile(f"{_OPEN}(.*?){_CLOSE}", re.DOTALL)
_jinja = SandboxedEnvironment(autoescape=False, keep_trailing_newline=False)


class IncompleteReportError(ValueError):
    """A clean version was asked of a report that still lacks answers."""


@dataclass(frozen=True)
class ReportFrame:
    """Who issues the report, for which year, dated when: what surrounds the answers."""

    unit_name: str
    parent_body: str
    place: str
    year: str
    report_date: date
    signer_title: str = field(default_factory=lambda: t("role.director"))
    signer_name: str = ""
    deputy_title: str | None = None
    deputy_name: str | None = None
    number: str | None = None
    recipients: list[str] | None = None
    # The unit's ký hiệu after the number; None: the report kind's.
    number_suffix: str | None = None
    # 1 or 2 for a semester report ("học kỳ I"), None for a year's.
    term: int | None = None
    address: str = ""
    phone: str = ""

    @property
    def term_number(self) -> str:
        """The term in Roman numerals as reports write it ("II"), empty without a term."""
        return roman(self.term) if self.term else ""

    @property
    def previous_year(self) -> str:
        """The school year before this one ("2019-2020" for "2020-2021")."""
        start, _, end = self.year.partition("-")
        if is_ascii_digits(start) and is_ascii_digits(end):
            return f"{int(start) - 1}-{int(end) - 1}"
        return ""

    @property
    def next_year(self) -> str:
        """The school year after this one ("2021-2022" for "2020-2021"): the one a report's
        "phương hướng, nhiệm vụ" plans for."""
        start, _, end = self.year.partition("-")
        if is_ascii_digits(start) and is_ascii_digits(end):
            return f"{int(start) + 1}-{int(end) + 1}"
        return ""


@dataclass
class Draft:
    """A rendered draft with what it still lacks."""

    file_name: str
    data: bytes
    context: ReportContext
    evaluation: Evaluation
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    missing_sections: list[str] = field(default_factory=list)

    @property
    def missing_count(self) -> int:
        """How many required answers are missing."""
        return len(self.missing)


def frame_for(unit: Unit, period: Period) -> ReportFrame:
    """The frame of a stored period; a unit whose signer signs for the head ("KT.") has
    the head's title first and its signer as the deputy."""
    on_behalf = bool(unit.on_behalf_of and unit.on_behalf_of.strip())
    return ReportFrame(
        unit_name=unit.name,
        parent_body=unit.parent_body,
        place=unit.place,
        year=period.year,
        report_date=period.report_date or today(),
        signer_title=(unit.on_behalf_of or "") if on_behalf else unit.signer_title,
        signer_name="" if on_behalf else unit.signer_name,
        deputy_title=unit.signer_title if on_behalf else None,
        deputy_name=unit.signer_name if on_behalf else None,
        number=period.document_number,
        recipients=unit.recipients,
        number_suffix=unit.number_prefix.strip() or None,
        term=period.term,
        address=unit.address,
        phone=unit.phone,
    )


def build_draft(
    *,
    template: Template,
    unit: Unit,
    period: Period,
    values: Mapping[str, Any],
    confirmed: set[str],
    clean: bool = False,
    notes: Sequence[str] = (),
) -> Draft:
    """The draft .docx of a stored period as it stands now (or its clean version);
    `notes` go to the draft's notes page (a consolidated report's, for instance)."""
    return render_draft(
        template, frame_for(unit, period), values, confirmed, clean=clean, notes=notes
    )


def render_draft(
    template: Template,
    frame: ReportFrame,
    values: Mapping[str, Any],
    confirmed: set[str],
    *,
    clean: bool = False,
    notes: Sequence[str] = (),
) -> Draft:
    """Builds the context and draws the .docx.

    The clean version ("bản sạch") is the one to sign: no "DỰ THẢO" mark and no notes
    page. It is only made once nothing is missing, so it has no placeholders either.
    """
    context, evaluation, missing_sections = build_context(template, frame, values, confirmed)
    context.notes.extend(notes)
    if clean:
        if context.missing:
            raise IncompleteReportError(len(context.missing))
        context.is_draft = False
    name = file_name(template, frame)
    return Draft(
        file_name=name.replace(".docx", "-ban-sach.docx") if clean else name,
        data=write_report(context),
        context=context,
        evaluation=evaluation,
        warnings=context.warnings,
        missing=context.missing,
        missing_sections=missing_sections,
    )


def date_line(place: str, day: date) -> str:
    """ "Phú Nhuận, ngày 05 tháng 02 năm 2021": day below 10 and months 1-2 take a zero."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return t("report.date_line", place=place, day=f"{day.day:02d}", month=month, year=day.year)


def file_name(template: Template, frame: ReportFrame) -> str:
    """A meaningful ASCII file name, e.g. Bao-cao-tong-ket-2020-2021-TT-GDNN-GDTX-Phu-Nhuan."""
    base = _jinja.from_string(template.document.file_name).render(**frame_variables(frame))
    unit = re.sub(r"^Trung tâm\b", "TT", frame.unit_name.strip(), flags=re.IGNORECASE)
    unit = re.sub(r"\b(quận|huyện|thị xã|thành phố|tỉnh)\b", " ", unit, flags=re.IGNORECASE)
    slug = slugify(f"{base} {unit}", lowercase=False, replacements=[["Đ", "D"], ["đ", "d"]])
    return f"{slug or 'bao-cao'}.docx"


def frame_variables(frame: ReportFrame) -> dict[str, str]:
    """What every prose text may use besides answers: year, unit, term, address ..."""
    return {
        "year": year_text(frame.year),
        "previous_year": year_text(frame.previous_year),
        "next_year": year_text(frame.next_year),
        "unit": frame.unit_name,
        "place": frame.place,
        "term": t("report.term", roman=frame.term_number) if frame.term else "",
        "term_number": frame.term_number,
        "address": frame.address,
        "phone": frame.phone,
    }


def build_context(
    template: Template, frame: ReportFrame, values: Mapping[str, Any], confirmed: set[str]
) -> tuple[ReportContext, Evaluation, list[str]]:
    """The plain context of a report, its evaluation, and the sections still incomplete."""
    evaluation = evaluate(template, values, confirmed)
    builder = _Builder(template, frame, values, evaluation)
    blocks: list[Block] = []
    heading = template.document.heading
    if heading:
        # An unnumbered top heading, drawn like the numbered ones (bold, ragged).
        blocks.append(Heading("", builder.render_plain(heading), 1))
    for section in template.sections:
        builder.section(section, 1, blocks)
    warnings = [
        f.message + (f" {t('review.kept')}" if f.confirmed else "") for f in evaluation.failures
    ]
    signer = (
        Signer(
            [t("report.kt", title=frame.signer_title.upper()), frame.deputy_title.upper()],
            frame.deputy_name or "",
        )
        if frame.deputy_title
        else Signer([frame.signer_title.upper()], frame.signer_name)
    )
    number = frame.number or "       "
    context = ReportContext(
        header=Header(
            parent_body=frame.parent_body.upper(),
            unit_name=frame.unit_name.upper(),
            number_line=t(
                "report.number_line",
                number=number,
                suffix=frame.number_suffix or template.document.number_suffix,
            ),
            place_date_line=date_line(frame.place, frame.report_date),
        ),
        title=template.document.title,
        summary=builder.render_plain(template.document.summary),
        blocks=blocks,
        recipients=frame.recipients or list(template.document.recipients),
        signer=signer,
        warnings=warnings,
        missing=builder.missing,
        notes=early_notes(frame.year, frame.report_date, frame.term),
    )
    return context, evaluation, builder.missing_sections


class _Builder:
    """Turns sections and their answers into blocks, noting what is missing."""

    def __init__(
        self,
        template: Template,
        frame: ReportFrame,
        values: Mapping[str, Any],
        evaluation: Evaluation,
    ) -> None:
        self.template = template
        self.frame = frame
        self.values = values
        self.evaluation = evaluation
        self.missing: list[str] = []
        self.missing_sections: list[str] = []
        self._top = ""
        self._top_label = ""

    # -- prose ------------------------------------------------------------------------------

    def variables(self) -> dict[str, Any]:
        """Every value prose may use: formatted answers, figures and table cells
        (`{{ conduct.total.avg_up_rate }}`), or placeholders."""
        out: dict[str, Any] = frame_variables(self.frame)
        if not self.frame.term:
            out["term"] = self.placeholder(t("report.term_label"))
        for slot in flow.all_slots(self.template):
            question = slot.question
            value = self.values.get(question.id)
            if isinstance(question, TableQuestion):
                out[question.id] = TableCells(question, self.evaluation, self.placeholder)
            elif value is None or isinstance(question, ListQuestion):
                out[question.id] = self.placeholder(question.label or question.prompt)
            elif question.kind in ("integer", "decimal", "percent"):
                out[question.id] = format_number(question.kind, value)
            else:
                out[question.id] = format_answer(question, value)
        for figure in self.evaluation.figures.values():
            out[figure.id] = figure.text or self.placeholder(figure.label)
        return out

    @staticmethod
    def placeholder(label: str) -> str:
        return f"{_OPEN}{t('report.placeholder', label=label)}{_CLOSE}"

    def render_runs(self, source: str) -> list[Run]:
        """A prose template rendered to runs, placeholders highlighted."""
        text = _jinja.from_string(source).render(**self.variables())
        runs: list[Run] = []
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            if match.start() > position:
                runs.append(Run(text[position : match.start()]))
            runs.append(Run(match.group(1), placeholder=True))
            position = match.end()
        if position < len(text):
            runs.append(Run(text[position:]))
        return runs

    def render_plain(self, source: str) -> str:
        """A short template (summary, heading) as plain text."""
        return "".join(run.text for run in self.render_runs(source))

    # -- sections ---------------------------------------------------------------------------

    def section(self, section: Section, level: int, blocks: list[Block]) -> None:
        number = heading_number(section.number, level, self.template.document.numbering)
        if level == 1:
            # A missing answer is listed in the draft's notes under the part as the document
            # numbers it ("Phần III"); chat names sections by their number, as its menus do.
            self._top, self._top_label = section.number, number.rstrip(".)")
        blocks.append(Heading(number, section.title, level))
        if section.intro:
            blocks.append(Paragraph(self.render_runs(section.intro)))
        layout = section.layout or [
            LayoutItem(question=q.id, bullet=section.bullets) for q in section.questions
        ]
        questions = {q.id: q for q in section.questions}
        for item in layout:
            if item.prose is not None:
                blocks.append(Paragraph(self.render_runs(item.prose), bullet=item.bullet))
            elif item.question in questions:
                self.question(questions[item.question], item.bullet, blocks)
        # Questions not placed by the layout are still checked for completeness.
        placed = {item.question for item in layout}
        for question in section.questions:
            if question.id not in placed:
                self.note_missing(question)
        for sub in section.sections:
            self.section(sub, level + 1, blocks)

    def note_missing(self, question: Question) -> bool:
        """Records a required, relevant, unanswered question; True when it is missing."""
        if not flow.is_relevant(question, self.values):
            return False
        value = self.values.get(question.id)
        if flow.is_complete(question, value):
            return False
        if question.required:
            self.missing.append(
                t(
                    "report.missing_item",
                    section=self._top_label,
                    label=question.label or question.prompt,
                )
            )
            if self._top not in self.missing_sections:
                self.missing_sections.append(self._top)
            return True
        return False

    def question(self, question: Question, bullet: bool, blocks: list[Block]) -> None:
        if not flow.is_relevant(question, self.values):
            return
        missing = self.note_missing(question)
        if not question.in_document:
            return
        value = self.values.get(question.id)
        if isinstance(question, TableQuestion | ListQuestion) and question.caption:
            blocks.append(Paragraph([Run(question.caption)], bullet=bullet))
        if isinstance(question, TableQuestion):
            blocks.append(table_block(question, self.values, self.evaluation))
            return
        if isinstance(question, ListQuestion):
            blocks.append(
                list_block(question, self.values)
                if value
                else Paragraph(
                    [Run(t("report.none"))]
                    if value == []
                    else [
                        Run(
                            t("report.placeholder_short")
                            if question.caption
                            else t("report.placeholder", label=question.label or question.prompt),
                            placeholder=True,
                        )
                    ]
                )
            )
            return
        if value is None and not missing:
            return  # an optional question skipped: nothing to say
        label = question.label
        if value is None:
            # After its label the gap needs no repeat of it: "Label: [Chưa có]".
            gap = (
                t("report.placeholder_short")
                if label
                else t("report.placeholder", label=question.prompt)
            )
            body = [Run(gap, placeholder=True)]
            lines: list[str] = []
        else:
            text = format_answer(question, value)
            if isinstance(question, TextQuestion) and question.line_bullets:
                self.bullet_lines(label, text, bullet, blocks)
                return
            first, *lines = text.split("\n") if isinstance(question, TextQuestion) else [text]
            body = [Run(first)]
        runs = [Run(f"{label}: "), *body] if label else body
        blocks.append(Paragraph(runs, bullet=bullet))
        blocks.extend(Paragraph([Run(line)]) for line in lines if line.strip())

    @staticmethod
    def bullet_lines(label: str | None, text: str, bullet: bool, blocks: list[Block]) -> None:
        """A multi-line answer as one "- " item per line, under its label if it has one;
        a dash or plus the user typed at a line's start is not doubled."""
        if label:
            blocks.append(Paragraph([Run(f"{label}:")], bullet=bullet))
        for line in text.split("\n"):
            item = line.strip().removeprefix("-").removeprefix("+").strip()
            if item:
                blocks.append(Paragraph([Run(item)], bullet=True))

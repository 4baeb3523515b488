"""Typed models of a report kind's questionnaire, validated from its YAML file.

A questionnaire is data: sections and sub-sections, questions of a fixed set of kinds,
computed figures and consistency checks. One engine walks any of them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from bot.questionnaire.derived import DerivedValues
from bot.texts import t

# The newest schema version. A template states the version it was written for and keeps
# meaning what it meant then: `_upgrade` fills in the defaults that changed since.
# 2: a text question is a narrative paragraph (`long: true`) unless it says `long: false`.
SCHEMA_VERSION = 2

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
# A reference to a numeric value: "question", "table.row.column" or "figure".
Reference = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){0,2}$")]


class Strict(BaseModel):
    """Base for every schema model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Shaped(Strict):
    """A section or a template: what is computed from its shape is kept with it
    (`bot.questionnaire.derived`)."""

    _derived: DerivedValues = PrivateAttr(default_factory=DerivedValues)

    @property
    def derived_values(self) -> DerivedValues:
        """The values kept by `bot.questionnaire.derived.derived` (read without pydantic's
        slow `__getattr__`: several times an answer)."""
        return self.__pydantic_private__["_derived"]  # type: ignore[index]


class Condition(Strict):
    """Ask a question only when an earlier answer says so."""

    question: Identifier
    equals: str | int | bool | None = None
    one_of: list[str | int | bool] | None = None
    answered: bool | None = None

    @model_validator(mode="after")
    def _exactly_one_test(self) -> Condition:
        tests = [self.equals is not None, self.one_of is not None, self.answered is not None]
        if sum(tests) != 1:
            raise ValueError("a condition needs exactly one of equals, one_of, answered")
        return self


class Option(Strict):
    """One choice of a single or multiple choice question."""

    id: Identifier
    label: str


class QuestionBase(Strict):
    """What every question has: an id, a prompt, help, and whether it must be answered."""

    id: Identifier
    prompt: str
    label: str | None = Field(
        default=None, description="How the answer is introduced in the document."
    )
    hint: str | None = None
    example: str | None = None
    required: bool = True
    when: Condition | None = None
    in_document: bool = Field(
        default=True, description="False for figures used only in prose or computations."
    )
    # Carry-over between periods of the same kind.
    carry: bool = Field(
        default=False, description="Offer last period's answer as the starting point."
    )
    previous_from: str | dict[str, str] | None = Field(
        default=None,
        description=(
            "Filled when a period opens from last period's value: a question or figure id, "
            "or for a table {column: 'ref with {row}'}, e.g. {rate: 'conduct.{row}.avg_up_rate'}."
        ),
    )


class TextQuestion(QuestionBase):
    """Free text: a narrative paragraph, or one short line with `long: false`."""

    kind: Literal["text"]
    long: bool = Field(default=True, description="False for one short line (name, address).")
    max_length: int | None = None
    line_bullets: bool = Field(
        default=False, description="Each line of the answer as a '- ' item in the document."
    )

    @property
    def length_limit(self) -> int:
        """The longest answer accepted."""
        if self.max_length is not None:
            return self.max_length
        return 6000 if self.long else 500


class IntegerQuestion(QuestionBase):
    """A whole number, a count by default (not negative)."""

    kind: Literal["integer"]
    min: int | None = 0
    max: int | None = None
    unit: str | None = Field(default=None, description="Shown after the number, e.g. 'HV'.")


class DecimalQuestion(QuestionBase):
    """A number that may have a fractional part."""

    kind: Literal["decimal"]
    min: Decimal | None = None
    max: Decimal | None = None
    unit: str | None = None


class PercentQuestion(QuestionBase):
    """A rate typed by the user, from 0 to 100 (computed rates are figures, not questions)."""

    kind: Literal["percent"]


class DateQuestion(QuestionBase):
    """A calendar date typed as dd/mm/yyyy."""

    kind: Literal["date"]


class ChoiceQuestion(QuestionBase):
    """Exactly one of the listed options."""

    kind: Literal["choice"]
    options: list[Option] = Field(min_length=2)


class MultiChoiceQuestion(QuestionBase):
    """Any number of the listed options."""

    kind: Literal["multi_choice"]
    options: list[Option] = Field(min_length=2)


class YesNoQuestion(QuestionBase):
    """Có / Không."""

    kind: Literal["yes_no"]


class TableRow(Strict):
    """A fixed row of a table question."""

    id: Identifier
    label: str
    role: Literal["total", "subset"] | None = Field(
        default=None,
        description="For inferred checks: 'total', a typed row that the other rows add up "
        "to; 'subset', a row inside the total row ('Trong đó: nữ'), not one of its parts.",
    )


class TableColumn(Strict):
    """A numeric column the user fills in."""

    id: Identifier
    label: str
    kind: Literal["integer", "decimal", "percent"] = "integer"
    min: Decimal | None = Decimal(0)
    max: Decimal | None = None
    group: str | None = Field(default=None, description="Merged header cell above the column.")
    role: Literal["total", "part", "unclassified", "subset", "other"] | None = Field(
        default=None,
        description="For inferred checks: the 'total' of the row, a 'part' of it, the "
        "'unclassified' part (không xếp loại, left out of rates), a 'subset' of the total "
        "that is not a part ('trong đó nữ'), or 'other' (no relation to the total).",
    )


class ComputedColumn(Strict):
    """A column the engine computes per row (and for the total row)."""

    id: Identifier
    label: str
    kind: Literal["sum", "rate", "change", "lookup"]
    of: list[Identifier] = Field(default_factory=list, description="sum: the columns added.")
    part: Identifier | None = Field(default=None, description="rate: the numerator column.")
    total: list[Identifier] = Field(
        default_factory=list, description="rate: the columns whose sum is the denominator."
    )
    current: Identifier | None = Field(default=None, description="change: this period's rate.")
    previous: Identifier | None = Field(default=None, description="change: last period's rate.")
    source: Reference | None = Field(
        default=None, description="lookup: 'table.column' read from the same row id."
    )
    balanced: bool = Field(
        default=False,
        description="rate: round with the other balanced rates of the row so they add up to "
        "exactly 100% (largest remainder), when their parts add up to the total.",
    )
    group: str | None = None


class TableCheck(Strict):
    """A check applied to every row of a table (and its total row)."""

    kind: Literal["sum_equals", "not_above"]
    parts: list[Identifier] = Field(default_factory=list)
    part: Identifier | None = None
    total: Identifier


class TotalRow(Strict):
    """A computed row that adds up the answered columns of every row."""

    id: Identifier = "total"
    label: str = Field(default_factory=lambda: t("report.total_row"))


class TableQuestion(QuestionBase):
    """Fixed rows × numeric columns; a row can be answered in one message."""

    kind: Literal["table"]
    rows: list[TableRow] = Field(min_length=1)
    columns: list[TableColumn] = Field(min_length=1)
    computed: list[ComputedColumn] = Field(default_factory=list)
    checks: list[TableCheck] = Field(default_factory=list)
    total_row: TotalRow | None = None
    first_column_label: str = Field(default="", description="Header of the row-label column.")
    transpose: bool = Field(
        default=False, description="Draw rows as columns in the document (subject tables)."
    )
    caption: str | None = Field(
        default=None, description="A line above the table in the document, e.g. 'Cấp trung tâm'."
    )
    infer_checks: bool = Field(
        default=True, description="False: derive no check from this table's structure."
    )
    pair_rates: bool = Field(
        default=False,
        description="Draw each rate beside the count it is the rate of, both under the "
        "count's label ('Tốt' over 'SL' and 'TL').",
    )


class ListField(Strict):
    """One field of a repeating list item."""

    id: Identifier
    label: str
    # "quantity": a count with an optional unit ("18 tiết"), kept as text with digits.
    kind: Literal["text", "integer", "quantity"] = "text"
    required: bool = True
    example: str | None = None


class ListQuestion(QuestionBase):
    """A repeating list of items, each with the same fields ("add another?")."""

    kind: Literal["list"]
    item_name: str = Field(description="What one item is called, e.g. 'cuộc thi'.")
    fields: list[ListField] = Field(min_length=1)
    max_items: int = 50
    caption: str | None = Field(
        default=None, description="A line above the table in the document, e.g. 'Cấp trung tâm'."
    )


Question = Annotated[
    TextQuestion
    | IntegerQuestion
    | DecimalQuestion
    | PercentQuestion
    | DateQuestion
    | ChoiceQuestion
    | MultiChoiceQuestion
    | YesNoQuestion
    | TableQuestion
    | ListQuestion,
    Field(discriminator="kind"),
]

NUMERIC_KINDS = frozenset({"integer", "decimal", "percent"})


class Figure(Strict):
    """A figure computed from answers: a rate, a sum of categories, or a change."""

    id: Identifier
    label: str
    kind: Literal["rate", "sum", "change"]
    part: Reference | None = None
    total: list[Reference] = Field(default_factory=list)
    of: list[Reference] = Field(default_factory=list)
    current: Reference | None = None
    previous: Reference | None = None

    @model_validator(mode="after")
    def _operands_match_kind(self) -> Figure:
        needed = {
            "rate": self.part is not None and bool(self.total),
            "sum": bool(self.of),
            "change": self.current is not None and self.previous is not None,
        }
        if not needed[self.kind]:
            raise ValueError(f"figure {self.id}: operands missing for kind {self.kind}")
        return self

    def references(self) -> list[str]:
        """Every value this figure reads."""
        refs = [*self.total, *self.of]
        refs += [r for r in (self.part, self.current, self.previous) if r is not None]
        return refs


class Check(Strict):
    """A consistency check over numeric answers and figures.

    sum_equals: `parts` add up to `total`; not_above: `part` is at most `total`;
    moved_within: `current` differs from `previous` (last period) by at most `max_share`
    of `previous`, so "Năm trước 637, năm nay 59" is questioned.
    """

    id: Identifier
    kind: Literal["sum_equals", "not_above", "moved_within"]
    parts: list[Reference] = Field(default_factory=list)
    part: Reference | None = None
    total: Reference | None = None
    current: Reference | None = None
    previous: Reference | None = None
    max_share: Decimal = Field(default=Decimal("0.5"), gt=0)
    message: str | None = Field(
        default=None,
        description="Overrides the generic wording; Jinja2 over the check's numbers: "
        "{{ total }}, {{ sum }} (of the parts), {{ part }}, {{ current }}, {{ previous }}.",
    )

    @model_validator(mode="after")
    def _operands_match_kind(self) -> Check:
        if self.kind == "sum_equals" and not (self.parts and self.total):
            raise ValueError(f"check {self.id}: sum_equals needs parts and total")
        if self.kind == "not_above" and not (self.part and self.total):
            raise ValueError(f"check {self.id}: not_above needs part and total")
        if self.kind == "moved_within" and not (self.current and self.previous):
            raise ValueError(f"check {self.id}: moved_within needs current and previous")
        return self

    def references(self) -> list[str]:
        """Every value this check reads."""
        optional = (self.part, self.total, self.current, self.previous)
        return [*self.parts, *(ref for ref in optional if ref)]


class LayoutItem(Strict):
    """One block of a section in the document: a question's answer or a prose sentence."""

    question: Identifier | None = None
    prose: str | None = Field(
        default=None, description="Jinja2 text over answers and figures (values, never code)."
    )
    bullet: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> LayoutItem:
        if (self.question is None) == (self.prose is None):
            raise ValueError("a layout item is either a question or a prose sentence")
        return self


class Section(Shaped):
    """A numbered section; its questions are asked in order, sub-sections after them."""

    id: Identifier
    number: str = Field(pattern=r"^\d+(\.\d+)*$")
    title: str
    intro: str | None = None
    questions: list[Question] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    layout: list[LayoutItem] | None = Field(
        default=None, description="Document order; default: each question in turn."
    )
    bullets: bool = Field(
        default=False, description="Default layout: each answer as a '- label: answer' bullet."
    )


class DocumentSpec(Strict):
    """What the report kind puts around its sections in the official layout."""

    title: str = Field(default_factory=lambda: t("report.default_title"))
    summary: str = Field(description="Jinja2 trích yếu, e.g. 'Tổng kết năm học {{ year }}'.")
    heading: str | None = Field(default=None, description="Line above section 1 (Jinja2).")
    number_suffix: str = Field(description="Ký hiệu after the number, e.g. 'BC-GDNN-GDTX'.")
    file_name: str = Field(description="Jinja2 base of the .docx file name (ASCII slug added).")
    recipients: list[str] = Field(default_factory=list)
    numbering: list[Literal["decimal", "roman", "arabic", "letter"]] = Field(
        default_factory=list,
        description="How headings are numbered, per level: 'roman' I., 'arabic' 1., "
        "'letter' a); 'decimal' (the default) the section's whole number, e.g. 3.2.1.",
    )


class Template(Shaped):
    """A report kind: its questionnaire, figures, checks and document frame."""

    schema_version: Literal[1, 2] = Field(
        description="The schema version the template was written for (newest: 2)."
    )
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    version: int = 1
    name: str
    description: str = ""
    unit_kinds: list[str] = Field(default_factory=list)
    period: Literal["year", "term", "quarter", "month"] = "year"
    rate_format: Literal["100%", "100,00%"] = Field(
        default="100%",
        description="How a whole rate is written: '100%' (other rates keep two decimals, "
        "'91,80%') or '100,00%' (always two decimals).",
    )
    sections: list[Section] = Field(min_length=1)
    figures: list[Figure] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    infer_checks: bool = Field(
        default=True, description="False: derive no check from the template's structure."
    )
    skip_checks: list[str] = Field(
        default_factory=list,
        description="Inferred checks not to run: a key ('not_above:dropouts:enrolled') or, "
        "for a table's rows, 'table.name' ('conduct.sum:total').",
    )
    document: DocumentSpec
    # The questionnaire text it was read from and its hash (set by the loader): the version
    # a period is opened with, kept in the database.
    _text: str = PrivateAttr(default="")
    _digest: str = PrivateAttr(default="")

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """A version 1 template's text questions without `long` are short lines, as then."""
        if isinstance(data, dict) and data.get("schema_version") == 1:
            return {**data, "sections": _short_texts(data.get("sections"))}
        return data

    def iter_sections(self) -> list[Section]:
        """Every section and sub-section, depth first, in document order."""
        out: list[Section] = []

        def walk(sections: list[Section]) -> None:
            for section in sections:
                out.append(section)
                walk(section.sections)

        walk(self.sections)
        return out

    def top_sections(self) -> list[Section]:
        """The numbered sections a member is assigned (1, 2, 3 ...)."""
        return list(self.sections)


def _short_texts(sections: Any) -> Any:
    """Sections whose text questions say `long: false` unless they say otherwise."""
    if not isinstance(sections, list):
        return sections
    out: list[Any] = []
    for section in sections:
        if isinstance(section, dict):
            questions = section.get("questions")
            if isinstance(questions, list):
                questions = [
                    {"long": False, **q} if isinstance(q, dict) and q.get("kind") == "text" else q
                    for q in questions
                ]
                section = {**section, "questions": questions}
            if "sections" in section:
                section = {**section, "sections": _short_texts(section["sections"])}
        out.append(section)
    return out


def schema_json() -> dict[str, Any]:
    """The JSON Schema of a template file, for editors and review."""
    return Template.model_json_schema()

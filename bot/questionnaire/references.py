"""Whether a report kind holds together: unique ids and references that resolve.

Pydantic checks each model on its own; this module checks what only the whole template can
tell: a figure reading a text question, a check naming a table column that does not exist,
prose using a variable nobody fills in, a condition on a question asked later. Problems are
worded in English for template authors; `loader.load_template` refuses a template with any.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from bot.questionnaire.check_message import CHECK_MESSAGE_VARIABLES
from bot.questionnaire.infer import inference_problems
from bot.questionnaire.schema import (
    NUMERIC_KINDS,
    ChoiceQuestion,
    ComputedColumn,
    Figure,
    ListQuestion,
    MultiChoiceQuestion,
    Question,
    Section,
    TableCheck,
    TableQuestion,
    Template,
    YesNoQuestion,
)

# Variables every prose template gets besides answers and figures (see report.build).
FRAME_VARIABLES = frozenset(
    {
        "year",
        "previous_year",
        "next_year",
        "unit",
        "place",
        "term",
        "term_number",
        "address",
        "phone",
    }
)
_jinja = SandboxedEnvironment()


class TemplateError(ValueError):
    """A report kind that does not hold together; `problems` lists every defect found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s) in the template:\n{listing}")


@dataclass(frozen=True)
class _Index:
    """A template's questions (in asking order), tables and figures, by id."""

    questions: dict[str, Question]
    order: dict[str, int]
    tables: dict[str, TableQuestion]
    figures: dict[str, Figure]

    @classmethod
    def of(cls, template: Template) -> _Index:
        questions = {q.id: q for s in template.iter_sections() for q in s.questions}
        return cls(
            questions=questions,
            order={qid: position for position, qid in enumerate(questions)},
            tables={k: q for k, q in questions.items() if isinstance(q, TableQuestion)},
            figures={f.id: f for f in template.figures},
        )


def validate_template(template: Template) -> list[str]:
    """Every problem of a template: duplicate ids and references that do not resolve."""
    index = _Index.of(template)
    return [
        *_duplicate_ids(template),
        *_section_numbers(template.sections, ""),
        *_figure_problems(template, index),
        *_check_problems(template, index),
        *(p for table in index.tables.values() for p in _table_problems(table, index)),
        *_condition_problems(index),
        *_layout_problems(template),
        *_prose_problems(template, index),
        *inference_problems(template),
    ]


# -- ids ------------------------------------------------------------------------------------


def _repeated(ids: Iterable[str]) -> list[str]:
    """The ids that occur more than once, in first-seen order."""
    counts = Counter(ids)
    return [i for i in counts if counts[i] > 1]


def _duplicate_ids(template: Template) -> Iterator[str]:
    """Ids repeated across the template, or within a table, list or choice question."""
    sections = template.iter_sections()
    named = [("section", s.id) for s in sections]
    named += [("question", q.id) for s in sections for q in s.questions]
    named += [("figure", f.id) for f in template.figures]
    named += [("check", c.id) for c in template.checks]
    for repeated in _repeated(i for _, i in named):
        kinds = ", ".join(kind for kind, i in named if i == repeated)
        yield f"id '{repeated}' is used more than once ({kinds})"
    for section in sections:
        for question in section.questions:
            yield from _inner_duplicates(question)


def _inner_duplicates(question: Question) -> Iterator[str]:
    """Row, column, field or option ids repeated inside one question."""
    groups: dict[str, list[str]] = {}
    if isinstance(question, TableQuestion):
        total = [question.total_row.id] if question.total_row else []
        groups["row"] = [r.id for r in question.rows] + total
        groups["column"] = [c.id for c in question.columns] + [c.id for c in question.computed]
    elif isinstance(question, ListQuestion):
        groups["field"] = [f.id for f in question.fields]
    elif isinstance(question, ChoiceQuestion | MultiChoiceQuestion):
        groups["option"] = [o.id for o in question.options]
    for what, ids in groups.items():
        for repeated in _repeated(ids):
            yield f"question {question.id}: {what} id '{repeated}' is used more than once"


def _section_numbers(sections: list[Section], parent: str) -> Iterator[str]:
    """Sub-section numbers extend their parent's ("3.2" under "3"), and none repeats."""
    for repeated in _repeated(s.number for s in sections):
        yield f"section number {repeated} is used more than once"
    for section in sections:
        if parent and not section.number.startswith(f"{parent}."):
            yield f"section {section.id}: number {section.number} is not under {parent}"
        yield from _section_numbers(section.sections, section.number)


# -- numeric references ---------------------------------------------------------------------


def _row_ids(table: TableQuestion) -> list[str]:
    """A table's row ids and its total row's."""
    total = [table.total_row.id] if table.total_row else []
    return [r.id for r in table.rows] + total


def _column_ids(table: TableQuestion) -> list[str]:
    """A table's answered and computed column ids."""
    return [c.id for c in table.columns] + [c.id for c in table.computed]


def _numeric_problem(ref: str, index: _Index, figures: Iterable[str]) -> str | None:
    """Why `ref` is not a number one can read ('question', 'figure' or 'table.row.column')."""
    parts = ref.split(".")
    if len(parts) == 3:
        return _cell_problem(ref, index)
    if len(parts) == 2:
        return f"'{ref}' is neither 'question' nor 'table.row.column'"
    if ref in figures:
        return None
    if ref in index.figures:
        return f"'{ref}' is a figure declared later; figures may only read earlier ones"
    question = index.questions.get(ref)
    if question is None:
        return f"'{ref}' is neither a question nor a figure"
    if question.kind not in NUMERIC_KINDS:
        return f"'{ref}' is a {question.kind} question, not a number"
    return None


def _cell_problem(ref: str, index: _Index) -> str | None:
    """Why a 'table.row.column' reference does not name a table cell."""
    table_id, row_id, column_id = ref.split(".")
    table = index.tables.get(table_id)
    if table is None:
        return f"'{ref}': '{table_id}' is not a table question"
    if row_id not in _row_ids(table):
        return f"'{ref}': table {table_id} has no row '{row_id}'"
    if column_id not in _column_ids(table):
        return f"'{ref}': table {table_id} has no column '{column_id}'"
    return None


def _figure_problems(template: Template, index: _Index) -> Iterator[str]:
    """Figures read numeric answers, table cells or figures declared before them."""
    earlier: list[str] = []
    for figure in template.figures:
        for ref in figure.references():
            problem = _numeric_problem(ref, index, earlier)
            if problem:
                yield f"figure {figure.id}: {problem}"
        earlier.append(figure.id)


def _check_problems(template: Template, index: _Index) -> Iterator[str]:
    """Checks read numeric answers, table cells or figures."""
    for check in template.checks:
        for ref in check.references():
            problem = _numeric_problem(ref, index, index.figures)
            if problem:
                yield f"check {check.id}: {problem}"


# -- tables ---------------------------------------------------------------------------------

_COMPUTED_OPERANDS = {
    "sum": ("of",),
    "rate": ("part", "total"),
    "change": ("current", "previous"),
    "lookup": ("source",),
}


def _table_problems(table: TableQuestion, index: _Index) -> Iterator[str]:
    """Computed columns and table checks name columns of their table."""
    where = f"table {table.id}"
    available = [c.id for c in table.columns]
    for column in table.computed:
        for problem in _computed_problems(column, available, table, index):
            yield f"{where}, computed column {column.id}: {problem}"
        available.append(column.id)
    for number, check in enumerate(table.checks, 1):
        for problem in _table_check_problems(check, _column_ids(table)):
            yield f"{where}, check {number}: {problem}"


def _computed_problems(
    column: ComputedColumn, available: list[str], table: TableQuestion, index: _Index
) -> Iterator[str]:
    """A computed column has its operands, each an answered or earlier computed column."""
    for needed in _COMPUTED_OPERANDS[column.kind]:
        if not getattr(column, needed):
            yield f"{column.kind} needs '{needed}'"
    if column.kind == "lookup":
        if column.source:
            yield from _lookup_problems(column.source, table, index)
        return
    operands = [*column.of, *column.total, column.part, column.current, column.previous]
    for operand in operands:
        if operand and operand not in available:
            yield f"'{operand}' is not an answered or earlier computed column"


def _lookup_problems(source: str, table: TableQuestion, index: _Index) -> Iterator[str]:
    """A lookup's 'table.column' names another table, one of its columns, and every row."""
    parts = source.split(".")
    if len(parts) != 2:
        yield f"source '{source}' should be 'table.column'"
        return
    source_id, column_id = parts
    other = index.tables.get(source_id)
    if other is None or other is table:
        yield f"source '{source}': '{source_id}' is not another table question"
        return
    if column_id not in _column_ids(other):
        yield f"source '{source}': table {source_id} has no column '{column_id}'"
    if any(c.kind == "lookup" for c in other.computed) and column_id not in {
        c.id for c in other.columns
    }:
        yield f"source '{source}': a computed column of a table that itself looks up"
    for row_id in _row_ids(table):
        if row_id not in _row_ids(other):
            yield f"source '{source}': table {source_id} has no row '{row_id}'"


def _table_check_problems(check: TableCheck, columns: list[str]) -> Iterator[str]:
    """A table check has its operands, each a column of the table."""
    if check.kind == "sum_equals" and not check.parts:
        yield "sum_equals needs 'parts'"
    if check.kind == "not_above" and not check.part:
        yield "not_above needs 'part'"
    for operand in [*check.parts, check.part, check.total]:
        if operand and operand not in columns:
            yield f"'{operand}' is not a column of the table"


# -- conditions and layout ------------------------------------------------------------------


def _condition_problems(index: _Index) -> Iterator[str]:
    """A condition reads a question asked earlier, with a value that question can have."""
    for question in index.questions.values():
        condition = question.when
        if condition is None:
            continue
        target = index.questions.get(condition.question)
        where = f"question {question.id}: condition on '{condition.question}'"
        if target is None:
            yield f"{where}: no such question"
        elif index.order[target.id] >= index.order[question.id]:
            yield f"{where}: that question is not asked before this one"
        else:
            yield from (f"{where}: {p}" for p in _condition_value_problems(target, condition))


def _condition_value_problems(target: Question, condition: Any) -> Iterator[str]:
    """Values a condition compares with that the target question can never store."""
    values = [condition.equals] if condition.equals is not None else condition.one_of or []
    if isinstance(target, ChoiceQuestion):
        allowed: set[Any] = {o.id for o in target.options}
    elif isinstance(target, YesNoQuestion):
        allowed = {True, False}
    else:
        return
    for value in values:
        if value not in allowed or isinstance(value, bool) != isinstance(target, YesNoQuestion):
            yield f"{value!r} is not a possible answer"


def _layout_problems(template: Template) -> Iterator[str]:
    """Layout items place questions of their own section, each once."""
    for section in template.iter_sections():
        placed = [item.question for item in section.layout or [] if item.question]
        own = {q.id for q in section.questions}
        for question_id in placed:
            if question_id not in own:
                yield f"section {section.id}: layout places '{question_id}', not its own question"
        for repeated in _repeated(placed):
            yield f"section {section.id}: layout places '{repeated}' more than once"


# -- prose ----------------------------------------------------------------------------------


def _prose_sources(template: Template) -> Iterator[tuple[str, str]]:
    """Every Jinja2 text filled with answers and figures, with where it is."""
    document = template.document
    yield "document summary", document.summary
    if document.heading:
        yield "document heading", document.heading
    for section in template.iter_sections():
        if section.intro:
            yield f"section {section.id} intro", section.intro
        for number, item in enumerate(section.layout or [], 1):
            if item.prose is not None:
                yield f"section {section.id} layout item {number}", item.prose


def _prose_problems(template: Template, index: _Index) -> Iterator[str]:
    """Prose uses only frame variables, one-value answers, table cells and figures."""
    shown = {q for q, v in index.questions.items() if not isinstance(v, ListQuestion)}
    known = FRAME_VARIABLES | shown | set(index.figures)
    for where, source in _prose_sources(template):
        yield from _unknown_variables(where, source, known, index)
        yield from _table_cell_problems(where, source, index)
    for check in template.checks:
        if check.message:
            where = f"check {check.id} message"
            yield from _unknown_variables(where, check.message, CHECK_MESSAGE_VARIABLES, index)
    # The file name is rendered with the frame only (report.build.file_name).
    yield from _unknown_variables(
        "document file_name", template.document.file_name, FRAME_VARIABLES, index
    )


def _unknown_variables(
    where: str, source: str, known: Iterable[str], index: _Index
) -> Iterator[str]:
    """The variables a Jinja2 text uses that it will not be given (or its syntax error)."""
    try:
        used = meta.find_undeclared_variables(_jinja.parse(source))
    except TemplateSyntaxError as err:
        yield f"{where}: Jinja2 syntax error: {err.message}"
        return
    for name in sorted(set(used) - set(known)):
        question = index.questions.get(name)
        if isinstance(question, TableQuestion | ListQuestion):
            yield f"{where}: '{name}' is a {question.kind} question, which prose cannot show"
        elif question is not None or name in index.figures:
            frame = ", ".join(sorted(FRAME_VARIABLES))
            yield f"{where}: '{name}' is not available here (only {frame})"
        else:
            yield f"{where}: unknown variable '{name}'"


def _table_cell_problems(where: str, source: str, index: _Index) -> Iterator[str]:
    """A table in prose is one of its cells, `table.row.column`, with ids that exist."""
    try:
        tree = _jinja.parse(source)
    except TemplateSyntaxError:
        return  # said by _unknown_variables
    for name in tree.find_all(nodes.Name):
        table = index.questions.get(name.name)
        if not isinstance(table, TableQuestion):
            continue
        path = _cell_path(name, tree)
        if len(path) != 2:
            yield (
                f"{where}: '{name.name}' is a table question, which prose shows one cell "
                f"at a time: {name.name}.row.column"
            )
        elif (problem := _cell_problem(".".join([name.name, *path]), index)) is not None:
            yield f"{where}: {problem}"


def _cell_path(name: nodes.Name, tree: nodes.Template) -> list[str]:
    """The attribute names read from `name`: ["total", "rate"] for `t.total.rate`."""
    reads: dict[int, nodes.Getattr | nodes.Getitem] = {}
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            reads[id(node.node)] = node
    path: list[str] = []
    outer = reads.get(id(name))
    while outer is not None:
        if isinstance(outer, nodes.Getattr):
            path.append(outer.attr)
        elif isinstance(outer.arg, nodes.Const):
            path.append(str(outer.arg.value))
        else:
            return [*path, "?", "?"]
        outer = reads.get(id(outer))
    return path


# -- answers --------------------------------------------------------------------------------


def validate_answers(template: Template, values: Mapping[str, Any]) -> list[str]:
    """Ids in stored answers that the template does not know: questions, rows, columns,
    list fields and choice options."""
    questions = _Index.of(template).questions
    problems: list[str] = []
    for question_id, value in values.items():
        question = questions.get(question_id)
        if question is None:
            problems.append(f"unknown question id '{question_id}'")
        else:
            problems.extend(f"{question_id}: {p}" for p in _unknown_value_ids(question, value))
    return problems


def _unknown(what: str, given: Iterable[Any], known: Iterable[str]) -> list[str]:
    allowed = set(known)
    return [f"unknown {what} '{item}'" for item in given if item not in allowed]


def _unknown_value_ids(question: Question, value: Any) -> list[str]:
    """The ids inside one stored answer that its question does not define."""
    if isinstance(question, TableQuestion) and isinstance(value, Mapping):
        columns = [c.id for c in question.columns]
        problems = _unknown("row", value, [r.id for r in question.rows])
        for row in value.values():
            if isinstance(row, Mapping):
                problems += _unknown("column", row, columns)
        return problems
    if isinstance(question, ListQuestion) and isinstance(value, list):
        fields = [f.id for f in question.fields]
        return [
            p
            for item in value
            if isinstance(item, Mapping)
            for p in _unknown("field", item, fields)
        ]
    options = [o.id for o in getattr(question, "options", [])]
    if isinstance(question, ChoiceQuestion):
        return _unknown("option", [value], options)
    if isinstance(question, MultiChoiceQuestion) and isinstance(value, list):
        return _unknown("option", value, options)
    return []

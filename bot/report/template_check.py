"""`baocao templates check`: every problem of a questionnaire file, in Vietnamese, located.

Each problem names the file, the line (and column) of the YAML node at fault and the nearest
question or section id, never pydantic's index path (`sections.0.questions.2`): the file is
composed with PyYAML to keep each node's position, pydantic's error locations are walked
down that node tree, and the whole-template problems of `references` are placed by the id
they name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.questionnaire import schema
from bot.questionnaire.loader import (
    DEFAULT_TEMPLATES_DIR,
    QUESTIONNAIRE_FILE,
    SAMPLE_ANSWERS_FILE,
    parse_yaml,
    shared_dir,
    template_dirs,
    yaml_loader,
)
from bot.questionnaire.references import validate_template
from bot.questionnaire.schema import Template
from bot.report.answers_file import AnswersFileError, load_answers_file
from bot.texts import t

# What the items of each list are called, to name the nearest one with an id.
_ITEM_KINDS = {
    "questions": "question",
    "sections": "section",
    "figures": "figure",
    "checks": "check",
    "rows": "row",
    "columns": "column",
    "computed": "column",
    "fields": "field",
    "options": "option",
}


@dataclass(frozen=True)
class Problem:
    """One defect of a questionnaire file, where it is and what it is (in Vietnamese)."""

    file: str
    line: int | None
    column: int | None
    where: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "where": self.where,
            "message": self.message,
        }

    def text(self) -> str:
        place = self.file if self.line is None else f"{self.file}:{self.line}"
        place += f":{self.column}" if self.line is not None and self.column is not None else ""
        return (
            f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"
        )


def questionnaire_files(path: Path) -> list[Path]:
    """The questionnaire files a path means: a file, a kind's folder, or a folder of kinds."""
    if path.is_file():
        return [path]
    if (path / QUESTIONNAIRE_FILE).is_file():
        return [path / QUESTIONNAIRE_FILE]
    return [folder / QUESTIONNAIRE_FILE for folder in template_dirs(path)]


def check_file(path: Path) -> list[Problem]:
    """Every problem of one questionnaire file (empty when it is a valid report kind)."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return [Problem(name, None, None, "", t("templates.check.unreadable", error=err))]
    try:
        shared = shared_dir(path.parent)
        root = yaml.compose(text, Loader=yaml_loader(shared))
        data = parse_yaml(text, shared)
    except yaml.MarkedYAMLError as err:
        return [_yaml_problem(name, err)]
    except yaml.YAMLError as err:
        return [Problem(name, None, None, "", t("templates.check.yaml.other", problem=err))]
    if not isinstance(root, MappingNode) or not isinstance(data, dict):
        return [Problem(name, 1, 1, "", t("templates.check.not_mapping"))]
    tree = _Tree(name, root)
    problems = list(tree.duplicate_keys(root))
    try:
        template = Template.model_validate(data)
    except ValidationError as err:
        return problems + [tree.pydantic_problem(error) for error in err.errors()]
    problems += [tree.reference_problem(p) for p in validate_template(template)]
    problems += _place_problems(path, template, tree)
    if not problems:
        problems += _sample_problems(path, template)
    return problems


def _sample_problems(path: Path, template: Template) -> list[Problem]:
    """The sample answers beside a valid kind still fit its questions (`baocao demo` plays
    them): the first answer that does not is reported, in the answers file's own words."""
    sample = path.parent / SAMPLE_ANSWERS_FILE
    if path.name != QUESTIONNAIRE_FILE or not sample.is_file() or path.parent.name != template.id:
        return []
    try:
        load_answers_file(sample, template_id=template.id, root=path.parent.parent)
    except AnswersFileError as err:
        # Its messages start with the file's name, which the problem shows already.
        return [Problem(str(sample), None, None, "", str(err).removeprefix(f"{sample}: "))]
    return []


# PyYAML's problems, by a phrase of its message, in the clerk's words.
_YAML_PHRASES = [
    ("quoted scalar", "quote"),
    ("'\\t'", "tab"),
    ("mapping values are not allowed", "colon"),
    ("expected <block end>", "indent"),
    ("could not find expected ':'", "no_colon"),
    ("found undefined alias", "other"),
]


def _yaml_problem(name: str, err: yaml.MarkedYAMLError) -> Problem:
    detail = " ".join(part for part in (err.context, err.problem) if part)
    phrase = next((key for text, key in _YAML_PHRASES if text in detail), "other")
    # An unclosed quote is reported where the file ends: its opening is what to fix.
    mark = err.context_mark if phrase == "quote" else err.problem_mark or err.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    message = t(f"templates.check.yaml.{phrase}", problem=detail)
    return Problem(name, line, column, "", message)


def _place_problems(path: Path, template: Template, tree: _Tree) -> list[Problem]:
    """A kind's folder is named after its id, and an outside kind cannot reuse a bundled id."""
    if path.name != QUESTIONNAIRE_FILE:
        return []
    line = tree.key_line(tree.root, "id")
    out: list[Problem] = []
    folder = path.resolve().parent
    if template.id != folder.name:
        message = t("templates.check.folder", id=template.id, folder=folder.name)
        out.append(Problem(tree.file, line, None, "", message))
    bundled = DEFAULT_TEMPLATES_DIR / template.id / QUESTIONNAIRE_FILE
    if folder.parent != DEFAULT_TEMPLATES_DIR and bundled.is_file():
        out.append(
            Problem(tree.file, line, None, "", t("templates.check.bundled", id=template.id))
        )
    return out


def _schema_keys() -> list[str]:
    """Every key a template may use, for 'did you mean' suggestions."""
    keys: set[str] = set()
    for value in vars(schema).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            keys.update(value.model_fields)
    return sorted(keys)


class _Tree:
    """A composed questionnaire with the positions of its nodes."""

    def __init__(self, file: str, root: MappingNode) -> None:
        self.file = file
        self.root = root
        self.ids: dict[str, list[tuple[str, MappingNode]]] = {}
        self.numbers: dict[str, list[MappingNode]] = {}
        self._index(root, "")

    def _index(self, node: Node, container: str) -> None:
        if isinstance(node, MappingNode):
            ident = self.scalar(node, "id")
            if ident is not None and container in _ITEM_KINDS:
                self.ids.setdefault(ident, []).append((_ITEM_KINDS[container], node))
            number = self.scalar(node, "number")
            if number is not None and container == "sections":
                self.numbers.setdefault(number, []).append(node)
            for key, value in node.value:
                self._index(value, str(key.value))
        elif isinstance(node, SequenceNode):
            for item in node.value:
                self._index(item, container)

    @staticmethod
    def scalar(node: MappingNode, key: str) -> str | None:
        for k, v in node.value:
            if k.value == key and isinstance(v, ScalarNode):
                return str(v.value)
        return None

    @staticmethod
    def key_line(node: MappingNode, key: str) -> int:
        for k, _ in node.value:
            if k.value == key:
                return int(k.start_mark.line) + 1
        return int(node.start_mark.line) + 1

    def duplicate_keys(self, node: Node) -> Iterator[Problem]:
        """Keys given twice in one mapping (YAML keeps the last one silently)."""
        if isinstance(node, MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if key.value in seen:
                    line = key.start_mark.line + 1
                    message = t("templates.check.duplicate_key", key=key.value)
                    yield Problem(self.file, line, key.start_mark.column + 1, "", message)
                seen.add(key.value)
                yield from self.duplicate_keys(value)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                yield from self.duplicate_keys(item)

    # -- pydantic -----------------------------------------------------------------------

    def pydantic_problem(self, error: Any) -> Problem:
        """A pydantic error at the YAML node its location leads to."""
        node: Node = self.root
        mark_node: Node = self.root
        owners: list[tuple[str, MappingNode]] = []
        container = ""
        holder: tuple[str, MappingNode] = ("", self.root)
        for part in error["loc"]:
            if isinstance(node, MappingNode) and isinstance(part, str):
                found = next(((k, v) for k, v in node.value if k.value == part), None)
                if found is None:
                    continue  # a union's tag, or the key that is missing
                holder = (container, node)
                mark_node, node, container = found[0], found[1], part
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    continue
                node = mark_node = node.value[part]
                if isinstance(node, MappingNode) and container in _ITEM_KINDS:
                    owners.append((_ITEM_KINDS[container], node))
        if error["type"] == "union_tag_invalid" and isinstance(node, MappingNode):
            mark_node = next((k for k, _ in node.value if k.value == "kind"), node)
        mark = mark_node.start_mark
        where = self._where(owners)
        message = _pydantic_message(error, _keys_at(*holder))
        return Problem(self.file, mark.line + 1, mark.column + 1, where, message)

    def _where(self, owners: list[tuple[str, MappingNode]]) -> str:
        """The nearest section or question by id, and the row/column/option inside it."""
        named = [(kind, self.scalar(node, "id")) for kind, node in owners]
        named = [(kind, ident) for kind, ident in named if ident]
        if not named:
            return ""
        outer = [n for n in named if n[0] in {"question", "section", "figure", "check"}]
        parts = [outer[-1]] if outer else []
        if named[-1] not in parts:
            parts.append(named[-1])
        return ", ".join(t(f"templates.check.kind.{kind}", id=ident) for kind, ident in parts)

    # -- references ---------------------------------------------------------------------

    def reference_problem(self, problem: str) -> Problem:
        """A whole-template problem placed at the item it names, worded in Vietnamese."""
        for pattern, handler in _SUBJECTS:
            match = pattern.match(problem)
            if match:
                return handler(self, match)
        return Problem(self.file, None, None, "", _detail(problem))

    def at_id(self, kind: str, ident: str, detail: str, *, last: bool = False) -> Problem:
        nodes = [(k, node) for k, node in self.ids.get(ident, []) if k == kind or kind == "any"]
        if not nodes:
            return Problem(
                self.file, None, None, t(f"templates.check.kind.{kind}", id=ident), detail
            )
        found, node = nodes[-1 if last else 0]
        where = t(f"templates.check.kind.{found}", id=ident)
        return Problem(self.file, node.start_mark.line + 1, None, where, detail)


_MODELS: dict[str, type[BaseModel]] = {
    "": Template,
    "sections": schema.Section,
    "figures": schema.Figure,
    "rows": schema.TableRow,
    "columns": schema.TableColumn,
    "computed": schema.ComputedColumn,
    "fields": schema.ListField,
    "options": schema.Option,
    "document": schema.DocumentSpec,
    "when": schema.Condition,
    "layout": schema.LayoutItem,
    "total_row": schema.TotalRow,
}
_QUESTIONS: dict[str, type[BaseModel]] = {
    get_args(model.model_fields["kind"].annotation)[0]: model
    for model in get_args(get_args(schema.Question)[0])
}


def _keys_at(container: str, node: MappingNode) -> list[str]:
    """The keys the mapping `node`, an item of `container`, may have (all when unsure)."""
    if container == "questions":
        model = _QUESTIONS.get(_Tree.scalar(node, "kind") or "")
    elif container == "checks":
        model = schema.Check if _Tree.scalar(node, "id") else schema.TableCheck
    else:
        model = _MODELS.get(container)
    return sorted(model.model_fields) if model else _schema_keys()


def _pydantic_message(error: Any, allowed: list[str]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    loc = [part for part in error["loc"] if isinstance(part, str)]
    key = loc[-1] if loc else ""
    given = error.get("input")
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
        hint = " " + t("templates.check.did_you_mean", key=close[0]) if close else ""
        keys = ", ".join(allowed)
        return t("templates.check.extra_key", key=key, hint=hint, keys=keys)
    if kind == "missing":
        return t("templates.check.missing", key=key)
    if kind == "union_tag_invalid":
        return t("templates.check.bad_kind", kind=ctx.get("tag"), allowed=ctx.get("expected_tags"))
    if kind == "union_tag_not_found":
        return t("templates.check.no_kind")
    if kind == "literal_error":
        return t("templates.check.literal", key=key, value=given, allowed=ctx.get("expected"))
    if kind == "string_pattern_mismatch":
        return t("templates.check.pattern", key=key, value=given)
    if kind in {"too_short", "string_too_long", "too_long"}:
        return t(f"templates.check.{kind}", key=key, **ctx)
    typed = {
        "int_parsing": "int",
        "int_type": "int",
        "int_from_float": "int",
        "bool_parsing": "bool",
        "bool_type": "bool",
        "string_type": "str",
        "list_type": "list",
        "dict_type": "dict",
        "model_type": "dict",
        "model_attributes_type": "dict",
        "decimal_parsing": "number",
        "decimal_type": "number",
    }
    if kind in typed:
        return t(f"templates.check.type.{typed[kind]}", key=key, value=given)
    message = str(error["msg"]).removeprefix("Value error, ")
    return t("templates.check.other", key=key, detail=message)


# -- the English problems of references.py, placed and translated ----------------------------

_PHRASES: list[tuple[str, str]] = [
    (r"(?P<what>row|column|field|option) id '(?P<id>[^']+)' is used more than once", "inner_dup"),
    (r"'(?P<ref>[^']+)' is neither a question nor a figure", "unknown_ref"),
    (r"'(?P<ref>[^']+)' is neither 'question' nor 'table\.row\.column'", "ref_shape"),
    (r"'(?P<ref>[^']+)' is a figure declared later.*", "later_figure"),
    (r"'(?P<ref>[^']+)' is a (?P<kind>\S+) question, not a number", "not_number"),
    (r"'(?P<ref>[^']+)': '(?P<table>[^']+)' is not a table question", "not_table"),
    (r"'(?P<ref>[^']+)': table (?P<table>\S+) has no row '(?P<row>[^']+)'", "no_row"),
    (r"'(?P<ref>[^']+)': table (?P<table>\S+) has no column '(?P<col>[^']+)'", "no_column"),
    (r"condition on '(?P<q>[^']+)': no such question", "cond_unknown"),
    (r"condition on '(?P<q>[^']+)': that question is not asked before.*", "cond_later"),
    (r"condition on '(?P<q>[^']+)': (?P<value>.+) is not a possible answer", "cond_value"),
    (r"layout places '(?P<q>[^']+)', not its own question", "layout_foreign"),
    (r"layout places '(?P<q>[^']+)' more than once", "layout_twice"),
    (r"number (?P<n>\S+) is not under (?P<parent>\S+)", "number_under"),
    (r"Jinja2 syntax error: (?P<error>.+)", "jinja"),
    (r"unknown variable '(?P<name>[^']+)'", "unknown_variable"),
    (r"'(?P<name>[^']+)' is a (?P<kind>\S+) question, which prose cannot show", "prose_table"),
    (r"'(?P<name>[^']+)' is not available here \(only (?P<frame>.+)\)", "frame_only"),
    (r"'(?P<col>[^']+)' is not an answered or earlier computed column", "operand"),
    (r"'(?P<col>[^']+)' is not a column of the table", "table_operand"),
    (r"(?P<kind>\S+) needs '(?P<needed>[^']+)'", "needs"),
]
_PHRASEBOOK = [(re.compile(f"^{pattern}$"), key) for pattern, key in _PHRASES]


def _detail(english: str) -> str:
    """A references problem's detail in Vietnamese (kept as is when no phrase fits)."""
    for pattern, key in _PHRASEBOOK:
        match = pattern.match(english)
        if match:
            return t(f"templates.check.ref.{key}", **match.groupdict())
    return t("templates.check.ref.other", detail=english)


def _duplicate(tree: _Tree, m: re.Match[str]) -> Problem:
    lines = [str(node.start_mark.line + 1) for _, node in tree.ids.get(m["id"], [])]
    joined = ", ".join(lines)
    if len(lines) > 1:
        joined = f"{', '.join(lines[:-1])} {t('templates.check.and')} {lines[-1]}"
    detail = t("templates.check.ref.duplicate_id", id=m["id"], lines=joined)
    return tree.at_id("any", m["id"], detail, last=True)


def _subject(kind: str) -> Any:
    def handler(tree: _Tree, m: re.Match[str]) -> Problem:
        return tree.at_id(kind, m["id"], _detail(m["rest"]))

    return handler


def _table_item(tree: _Tree, m: re.Match[str]) -> Problem:
    problem = tree.at_id("question", m["id"], _detail(m["rest"]))
    inner = m["col"] and t("templates.check.kind.column", id=m["col"])
    inner = inner or (m["n"] and t("templates.check.table_check", n=m["n"]))
    where = f"{problem.where}, {inner}" if inner else problem.where
    return Problem(problem.file, problem.line, None, where, problem.message)


def _section_number(tree: _Tree, m: re.Match[str]) -> Problem:
    nodes = tree.numbers.get(m["n"], [])
    line = nodes[-1].start_mark.line + 1 if nodes else None
    ident = tree.scalar(nodes[-1], "id") if nodes else None
    where = t("templates.check.kind.section", id=ident) if ident else ""
    return Problem(tree.file, line, None, where, t("templates.check.ref.number_twice", n=m["n"]))


def _top_key(key: str) -> Any:
    def handler(tree: _Tree, m: re.Match[str]) -> Problem:
        node = next((v for k, v in tree.root.value if k.value == key), tree.root)
        line = node.start_mark.line + 1
        return Problem(tree.file, line, None, m["where"], _detail(m["rest"]))

    return handler


_SUBJECTS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^id '(?P<id>[^']+)' is used more than once"), _duplicate),
    (re.compile(r"^section number (?P<n>\S+) is used more than once$"), _section_number),
    (re.compile(r"^question (?P<id>\S+): (?P<rest>.+)$"), _subject("question")),
    (
        re.compile(r"^section (?P<id>[^\s:]+)(?: intro| layout item \d+)?: (?P<rest>.+)$"),
        _subject("section"),
    ),
    (re.compile(r"^figure (?P<id>\S+): (?P<rest>.+)$"), _subject("figure")),
    (re.compile(r"^check (?P<id>\S+): (?P<rest>.+)$"), _subject("check")),
    (
        re.compile(
            r"^table (?P<id>[^,:\s]+)(?:, computed column (?P<col>\S+)|, check (?P<n>\d+))?: "
            r"(?P<rest>.+)$"
        ),
        _table_item,
    ),
    (re.compile(r"^(?P<where>document) \S+: (?P<rest>.+)$"), _top_key("document")),
    (re.compile(r"^(?P<where>skip_checks): (?P<rest>.+)$"), _top_key("skip_checks")),
]

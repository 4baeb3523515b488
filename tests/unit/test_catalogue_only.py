"""Vietnamese user text lives in the catalogue (`bot/texts/*.vi.yaml`) and the templates,
never as a literal in the code: every string literal of bot/, handlers/ and models/ with a
Vietnamese letter is one of the justified exceptions below (what a Vietnamese document or
person writes, read by the code; not text shown)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Any letter that plain ASCII lacks: the Latin-1 and Latin Extended ranges Vietnamese uses.
VIETNAMESE = re.compile(r"[À-ỹ]")

# Whole modules whose literals are words to read, not to show.
READING_DATA = {
    "bot/core/number_words.py": "numbers written in words, as people type them",
    "bot/core/text.py": "folding 'đ' to 'd' for matching typed words",
    "bot/questionnaire/dates.py": "dates typed in words ('ngày 15 tháng 4')",
    "bot/report/breaks.py": "where an official heading may be broken across lines",
    "bot/report/numbering.py": "the Vietnamese alphabet of list markers (a, b, c, d, đ, …)",
    "bot/figure_check/finders.py": "phrases of a report's prose that carry figures",
    "bot/figure_check/lines.py": "phrases of a report's prose that carry figures",
    "bot/figure_check/parts.py": "phrases of a report's prose that carry figures",
}
# Single literals, by module.
ALLOWED = {
    # Words of a unit's name shortened in the file name (ASCII slug).
    "bot/report/build.py": {r"^Trung tâm\b", r"\b(quận|huyện|thị xã|thành phố|tỉnh)\b", "Đ", "đ"},
    # The column default, equal to the server default that migration 0005 gave existing rows.
    "models/tables.py": {"Giám đốc"},
}
# Keyword arguments that document a field or an option in English (examples quoted).
DOCUMENTING = {"description", "help"}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _documenting(tree: ast.AST) -> set[int]:
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.keyword) and node.arg in DOCUMENTING
    }


def vietnamese_literals() -> list[str]:
    """`path:line: literal` for each string literal with Vietnamese letters not allowed."""
    found = []
    for package in ("bot", "handlers", "models"):
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name.startswith("models/migrations/") or name in READING_DATA:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skipped = _docstrings(tree) | _documenting(tree)
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in skipped
                    and VIETNAMESE.search(node.value)
                    and node.value not in ALLOWED.get(name, set())
                ):
                    found.append(f"{name}:{node.lineno}: {node.value!r}")
    return found


def test_no_vietnamese_text_outside_the_catalogue() -> None:
    assert vietnamese_literals() == []


def test_the_exceptions_are_still_there() -> None:
    """An exception nobody needs any more goes from the lists."""
    for name in READING_DATA:
        assert VIETNAMESE.search((ROOT / name).read_text(encoding="utf-8")), name
    for name, literals in ALLOWED.items():
        text = (ROOT / name).read_text(encoding="utf-8")
        assert all(repr(literal)[1:-1] in text or literal in text for literal in literals), name

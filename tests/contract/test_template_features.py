"""Template features a report kind can use, each on the mini-report changed to use it:
heading numbering per level, the rate format, shared fragments, checks worded with their
numbers, per-line bullets, and defaults that keep an existing kind drawing as before."""

from __future__ import annotations

import copy
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.questionnaire import loader
from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.loader import (
    QUESTIONNAIRE_FILE,
    SHARED_DIR,
    all_templates,
    load_template,
    read_yaml,
    template_from_text,
    template_version,
)
from bot.questionnaire.references import TemplateError
from bot.questionnaire.schema import Template
from bot.report.answers_file import load_answers_file
from bot.report.build import ReportFrame, render_draft
from bot.report.numbering import heading_number, letter, roman
from tests.conftest import FIXTURE_TEMPLATES
from tests.support.docx_helpers import open_docx, text_of

MINI = FIXTURE_TEMPLATES / "mini-report"
FRAME = ReportFrame(
    unit_name="Trung tâm GDNN-GDTX quận Phú Nhuận",
    parent_body="UBND quận Phú Nhuận",
    place="Phú Nhuận",
    year="2023-2024",
    report_date=date(2024, 6, 10),
)


def mini_data() -> dict[str, Any]:
    return copy.deepcopy(read_yaml(MINI / QUESTIONNAIRE_FILE))


def sample_values(template: Template) -> dict[str, Any]:
    return load_answers_file(
        MINI / "sample-answers.yaml", template_id="mini-report", root=FIXTURE_TEMPLATES
    ).values


def draft_text(data: dict[str, Any], values: dict[str, Any] | None = None) -> str:
    template = Template.model_validate(data)
    draft = render_draft(template, FRAME, values or sample_values(template), set())
    return text_of(open_docx(draft.data))


# -- numbering ------------------------------------------------------------------------------


def test_roman_and_vietnamese_letters() -> None:
    assert [roman(n) for n in (1, 2, 4, 9, 14, 40)] == ["I", "II", "IV", "IX", "XIV", "XL"]
    # "d)" is followed by "đ)", and there is no "f)".
    assert [letter(n) for n in range(1, 8)] == ["a", "b", "c", "d", "đ", "e", "g"]
    assert heading_number("3.2.5", 3, ["roman", "arabic", "letter"]) == "đ)"
    assert heading_number("3.2", 2, ["roman", "arabic"]) == "2."
    # A level past the list keeps the section's whole number.
    assert heading_number("3.2.1", 3, ["roman"]) == "3.2.1"


def test_headings_are_numbered_per_level_as_the_kind_says() -> None:
    data = mini_data()
    data["sections"][1]["sections"] = [{"id": "sub", "number": "2.1", "title": "Học lực"}]
    data["sections"][1]["sections"][0]["sections"] = [
        {"id": "subsub", "number": "2.1.1", "title": "Khối THPT"}
    ]
    default = draft_text(data)
    assert "1. Thông tin chung" in default and "2.1. Học lực" in default
    assert "2.1.1. Khối THPT" in default
    data["document"]["numbering"] = ["roman", "arabic", "letter"]
    styled = draft_text(data)
    assert "I. Thông tin chung" in styled and "II. Chất lượng" in styled
    assert "1. Học lực" in styled and "a) Khối THPT" in styled
    assert "2.1" not in styled


# -- rate format ----------------------------------------------------------------------------


def test_whole_rates_print_as_the_kind_says() -> None:
    data = mini_data()
    values = {"enrolled": 40, "dropouts": 40}
    assert evaluate(Template.model_validate(data), values).figures["dropout_rate"].text == "100%"
    data["rate_format"] = "100,00%"
    fixed = evaluate(Template.model_validate(data), {"enrolled": 40, "dropouts": 40})
    assert fixed.figures["dropout_rate"].text == "100,00%"
    # Other rates keep two decimals either way.
    other = evaluate(Template.model_validate(data), {"enrolled": 40, "dropouts": 3})
    assert other.figures["dropout_rate"].text == "7,50%"


# -- checks worded by the kind --------------------------------------------------------------


def test_a_check_message_shows_the_numbers_of_the_check() -> None:
    data = mini_data()
    data["checks"] = [
        {
            "id": "dropouts_within",
            "kind": "not_above",
            "part": "dropouts",
            "total": "enrolled",
            "message": "Số bỏ học ({{ part }}) lớn hơn số học viên ({{ total }}).",
        }
    ]
    template = Template.model_validate(data)
    failures = evaluate(template, {"enrolled": 1200, "dropouts": 1234}).failures
    assert [f.message for f in failures if f.key == "dropouts_within"] == [
        "Số bỏ học (1.234) lớn hơn số học viên (1.200)."
    ]


# -- per-line bullets -----------------------------------------------------------------------


def test_each_line_of_a_long_answer_can_be_an_item() -> None:
    data = mini_data()
    values = sample_values(Template.model_validate(data))
    values["summary"] = "Thuận lợi về cơ sở vật chất.\n- Khó khăn về tuyển sinh.\n\n"
    plain = draft_text(data, values)
    assert "\nKhó khăn về tuyển sinh." not in plain
    data["sections"][0]["questions"][0]["line_bullets"] = True
    items = draft_text(data, values)
    assert "- Tình hình chung:\n- Thuận lợi về cơ sở vật chất.\n- Khó khăn về tuyển sinh." in items
    assert "- - " not in items


# -- shared fragments -----------------------------------------------------------------------


def kinds_folder(tmp_path: Path) -> Path:
    """A folder of kinds holding the mini-report whose table columns are a shared fragment
    and whose yes/no question is completed from a merged one."""
    root = tmp_path / "kinds"
    shutil.copytree(MINI, root / "mini-report")
    (root / SHARED_DIR).mkdir()
    data = mini_data()
    academic = data["sections"][1]["questions"][0]
    (root / SHARED_DIR / "columns.yaml").write_text(
        yaml.safe_dump(academic["columns"], allow_unicode=True), encoding="utf-8"
    )
    (root / SHARED_DIR / "yes-no.yaml").write_text(
        "kind: yes_no\nprompt: Có tham gia cuộc thi nào không?\n", encoding="utf-8"
    )
    text = (MINI / QUESTIONNAIRE_FILE).read_text(encoding="utf-8")
    columns = text[text.index("        columns:\n") : text.index("        computed:\n")]
    text = text.replace(columns, "        columns: !include columns.yaml\n")
    yes_no = "      - id: has_events\n        kind: yes_no\n"
    text = text.replace(yes_no, "      - <<: !include yes-no.yaml\n        id: has_events\n")
    text = text.replace("        prompt: Có tham gia cuộc thi nào không?\n", "", 1)
    assert text.count("!include") == 2
    (root / "mini-report" / QUESTIONNAIRE_FILE).write_text(text, encoding="utf-8")
    return root


def test_a_kind_includes_shared_fragments(tmp_path: Path) -> None:
    root = kinds_folder(tmp_path)
    template = load_template("mini-report", root)
    original = template_from_text((MINI / QUESTIONNAIRE_FILE).read_text("utf-8"), "mini")
    assert template.model_dump() == original.model_dump()
    # The fragments folder is not a kind.
    assert [kind.id for kind in all_templates(root)] == ["mini-report"]
    # The version kept for a period is whole: it loads without the fragments, and a later
    # change to a fragment does not change it.
    kept = template._text
    assert "!include" not in kept
    (root / SHARED_DIR / "columns.yaml").write_text("[]", encoding="utf-8")
    assert template_version(kept, "mini-report").model_dump() == original.model_dump()


def test_a_missing_fragment_is_named_with_its_line(tmp_path: Path) -> None:
    root = kinds_folder(tmp_path)
    (root / SHARED_DIR / "columns.yaml").unlink()
    with pytest.raises(TemplateError, match=r"columns\.yaml"):
        load_template("mini-report", root)
    result = CliRunner().invoke(app, ["templates", "check", str(root / "mini-report")])
    assert result.exit_code == 2
    line = next(
        number
        for number, text in enumerate(
            (root / "mini-report" / QUESTIONNAIRE_FILE).read_text("utf-8").splitlines(), 1
        )
        if "!include columns.yaml" in text
    )
    assert f"questionnaire.yaml:{line}:" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["../mini-report/questionnaire.yaml", "/etc/passwd"])
def test_a_fragment_is_only_read_from_the_shared_folder(tmp_path: Path, name: str) -> None:
    text = (
        (MINI / QUESTIONNAIRE_FILE)
        .read_text("utf-8")
        .replace("period: year\n", f"period: !include {name}\n")
    )
    with pytest.raises(TemplateError, match="cannot include"):
        template_from_text(text, "x", tmp_path)


def test_an_edited_fragment_reloads_the_kinds_that_include_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "RELOAD_SECONDS", 0.0)
    root = kinds_folder(tmp_path)

    def prompt() -> str:
        template = load_template("mini-report", root)
        return next(q.prompt for q in template.sections[1].questions if q.id == "has_events")

    assert prompt() == "Có tham gia cuộc thi nào không?"
    (root / SHARED_DIR / "yes-no.yaml").write_text(
        "kind: yes_no\nprompt: Học viên có dự thi không?\n", encoding="utf-8"
    )
    assert prompt() == "Học viên có dự thi không?"

"""`baocao templates check | new | schema | preview` from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.core.settings import get_settings
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, template_dirs
from tests.conftest import FIXTURE_TEMPLATES

runner = CliRunner()
MINI = FIXTURE_TEMPLATES / "mini-report" / "questionnaire.yaml"
SOURCE = "bao-cao-kiem-diem-hoi-nghi-vien-chuc"


def baocao(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty BAOCAO_TEMPLATES_DIR."""
    root = tmp_path / "mau-bao-cao"
    monkeypatch.setenv("BAOCAO_TEMPLATES_DIR", str(root))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


def broken(tmp_path: Path, old: str, new: str) -> Path:
    """The mini report with `old` replaced by `new`, in a folder of its name."""
    text = MINI.read_text(encoding="utf-8")
    assert old in text
    folder = tmp_path / "mini-report"
    folder.mkdir()
    path = folder / "questionnaire.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def line_of(path: Path, fragment: str) -> int:
    """The 1-based number of the last line of `path` holding `fragment`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return max(number for number, line in enumerate(lines, 1) if fragment in line)


# -- check ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [folder.name for folder in template_dirs()])
def test_every_bundled_kind_checks_clean(kind: str) -> None:
    result = baocao("templates", "check", str(DEFAULT_TEMPLATES_DIR / kind))
    assert result.exit_code == 0, result.output
    assert "hợp lệ" in result.stdout


def test_the_bundled_folder_checks_clean_as_json() -> None:
    result = baocao("templates", "check", str(DEFAULT_TEMPLATES_DIR), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["valid"] and len(payload["files"]) == len(template_dirs())


# (what is broken, text replaced, replacement, line holding, nearest id, words of the message)
BROKEN = [
    (
        "misspelt key",
        "        long: true\n",
        "        lenght: true\n",
        "lenght: true",
        "câu hỏi summary",
        "khóa “lenght” không dùng được ở đây",
    ),
    (
        "wrong kind",
        "      - id: enrolled\n        kind: integer",
        "      - id: enrolled\n        kind: integr",
        "kind: integr",
        "câu hỏi enrolled",
        "loại câu hỏi “integr” không có",
    ),
    (
        "duplicate id",
        "      - id: dropouts\n",
        "      - id: note\n",
        "- id: note",
        "câu hỏi note",
        "mã “note” dùng hơn một lần (dòng 21 và 25)",
    ),
    (
        "unknown reference",
        "part: dropouts, total: [enrolled]",
        "part: dropout, total: [enrolled]",
        "id: dropout_rate",
        "chỉ số dropout_rate",
        "“dropout” không phải câu hỏi hay chỉ số",
    ),
    (
        "unknown condition",
        "when: {question: has_events",
        "when: {question: has_event",
        "- id: events",
        "câu hỏi events",
        "“has_event” không có trong mẫu",
    ),
    (
        "broken YAML",
        "        prompt: Số học viên bỏ học?",
        "        prompt: [Số học viên bỏ học?",
        "prompt: [Số học viên bỏ học?",
        "",
        "YAML sai cú pháp",
    ),
    (
        "wrong indentation",
        "        prompt: Số học viên bỏ học?",
        "         prompt: Số học viên bỏ học?",
        "prompt: Số học viên bỏ học?",
        "",
        "thụt lề",
    ),
    (
        "wrong type",
        "        required: false\n        label: Ghi chú",
        "        required: không\n        label: Ghi chú",
        "required: không",
        "câu hỏi note",
        "phải là true hoặc false",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "at", "where", "words"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_a_broken_copy_names_file_line_and_question(
    tmp_path: Path, old: str, new: str, at: str, where: str, words: str
) -> None:
    path = broken(tmp_path, old, new)
    result = baocao("templates", "check", str(path))
    assert result.exit_code == 2, result.output
    line = line_of(path, at)
    found = [row for row in result.stdout.splitlines() if words in row]
    assert found, result.stdout
    assert f"{path}:{line}:" in found[0]
    assert where in found[0]
    assert "Traceback" not in result.output
    assert "sections.0" not in result.output and "questions." not in result.output


def test_every_problem_is_listed_as_json(tmp_path: Path) -> None:
    text = MINI.read_text(encoding="utf-8")
    text = text.replace("        long: true\n", "        lenght: true\n")
    text = text.replace(
        "kind: integer\n        prompt: Số học viên bỏ học?",
        "kind: integr\n        prompt: Số học viên bỏ học?",
    )
    folder = tmp_path / "mini-report"
    folder.mkdir()
    (folder / "questionnaire.yaml").write_text(text, encoding="utf-8")
    result = baocao("templates", "check", str(folder), "--json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["files"][0]["problems"]
    assert {(p["where"], p["line"]) for p in problems} == {
        ("câu hỏi summary", line_of(folder / "questionnaire.yaml", "lenght")),
        ("câu hỏi dropouts", line_of(folder / "questionnaire.yaml", "kind: integr")),
    }


def test_a_misspelt_key_is_offered_the_keys_of_its_place(tmp_path: Path) -> None:
    path = broken(tmp_path, "        first_column_label: KHỐI", "        first_colum_label: KHỐI")
    result = baocao("templates", "check", str(path))
    assert result.exit_code == 2
    assert "có phải ý bạn là “first_column_label”?" in result.stdout
    assert "Các khóa dùng được: caption, carry, checks, columns, computed" in result.stdout


def test_sample_answers_that_no_longer_fit_are_reported(tmp_path: Path) -> None:
    # The question 'dropouts' is renamed 'leavers' everywhere but in the sample answers.
    path = broken(tmp_path, "      - id: dropouts\n", "      - id: leavers\n")
    text = path.read_text(encoding="utf-8")
    text = text.replace("part: dropouts", "part: leavers").replace(
        "{{ dropouts }}", "{{ leavers }}"
    )
    path.write_text(text, encoding="utf-8")
    sample = FIXTURE_TEMPLATES / "mini-report" / "sample-answers.yaml"
    (path.parent / "sample-answers.yaml").write_text(
        sample.read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = baocao("templates", "check", str(path.parent))
    assert result.exit_code == 2, result.output
    assert "sample-answers.yaml" in result.stdout and "dropouts" in result.stdout


def test_a_kind_whose_id_is_not_its_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "bao-cao-khac"
    folder.mkdir()
    (folder / "questionnaire.yaml").write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    result = baocao("templates", "check", str(folder))
    assert result.exit_code == 2
    assert "trùng tên thư mục" in result.stdout


def test_an_outside_copy_of_a_bundled_id_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / SOURCE
    folder.mkdir()
    text = (DEFAULT_TEMPLATES_DIR / SOURCE / "questionnaire.yaml").read_text(encoding="utf-8")
    (folder / "questionnaire.yaml").write_text(text, encoding="utf-8")
    result = baocao("templates", "check", str(folder))
    assert result.exit_code == 2
    assert "đã là một loại báo cáo có sẵn" in result.stdout


def test_a_missing_path_is_told_plainly(tmp_path: Path) -> None:
    result = baocao("templates", "check", str(tmp_path / "khong-co"))
    assert result.exit_code == 2
    assert "Không tìm thấy" in result.output and "Traceback" not in result.output


# -- new, schema, preview -------------------------------------------------------------------


def test_new_writes_a_commented_copy_that_checks_clean_and_drafts(outside: Path) -> None:
    result = baocao("templates", "new", "bao-cao-thu", "--from", SOURCE)
    assert result.exit_code == 0, result.output
    path = outside / "bao-cao-thu" / "questionnaire.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../template.schema.json")
    assert "# Loại câu hỏi: text (đoạn văn" in text
    assert "\nid: bao-cao-thu\n" in text
    assert json.loads((outside / "template.schema.json").read_text(encoding="utf-8"))["properties"]
    assert baocao("templates", "check", str(path.parent)).exit_code == 0
    listed = json.loads(baocao("templates", "--json").stdout)
    assert "bao-cao-thu" in [kind["id"] for kind in listed]
    demo = baocao("demo", "--template", "bao-cao-thu", "--out", str(outside / "thu.docx"))
    assert demo.exit_code == 0, demo.output
    assert docx.Document(str(outside / "thu.docx")).paragraphs


def test_new_refuses_an_existing_id_and_a_missing_folder(
    outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = baocao("templates", "new", SOURCE, "--from", SOURCE)
    assert taken.exit_code == 2 and "Đã có loại báo cáo" in taken.output
    monkeypatch.delenv("BAOCAO_TEMPLATES_DIR")
    get_settings.cache_clear()
    nowhere = baocao("templates", "new", "bao-cao-thu", "--from", SOURCE)
    assert nowhere.exit_code == 2 and "BAOCAO_TEMPLATES_DIR" in nowhere.output
    wrong = baocao("templates", "new", "Báo cáo", "--from", SOURCE, "--dir", str(outside))
    elsewhere = baocao("templates", "new", "bao-cao-thu", "--from", SOURCE, "--dir", str(outside))
    assert elsewhere.exit_code == 0 and "BAOCAO_TEMPLATES_DIR" in elsewhere.output
    assert wrong.exit_code == 2 and "không dùng được" in wrong.output


def test_schema_is_the_json_schema_of_a_template() -> None:
    result = baocao("templates", "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert set(schema["required"]) >= {"schema_version", "id", "name", "sections", "document"}
    assert schema["$defs"]["TextQuestion"]["properties"]["long"]["default"] is True


def test_preview_writes_the_questionnaire_for_reviewers(tmp_path: Path) -> None:
    out = tmp_path / "bang-hoi.docx"
    result = baocao(
        "templates", "preview", "bao-cao-tong-ket-nam-hoc-gdnn-gdtx", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Bảng hỏi: Báo cáo tổng kết năm học (Trung tâm GDNN-GDTX)" in text
    assert "1. Thực hiện các cuộc vận động và phong trào thi đua" in text
    assert "đoạn văn, mã directive_05, bắt buộc" in text
    assert "Kiểm tra số liệu" in text
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert document.tables and len(cells) > 10


def test_preview_of_an_unknown_kind_is_told_plainly(tmp_path: Path) -> None:
    result = baocao("templates", "preview", "khong-co", "--out", str(tmp_path / "x.docx"))
    assert result.exit_code == 2 and "Không có loại báo cáo" in result.output

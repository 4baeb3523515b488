"""The `baocao` commands: demo, check, render and templates, from the command line."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.core.settings import Settings
from bot.questionnaire.loader import sample_answers_path, template_dirs
from tests.support.docx_helpers import (
    CONVERSION_TIMEOUT,
    docx_to_pdf,
    open_docx,
    paragraph_with,
    pdf_text,
    run_with,
    text_of,
)

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
SAMPLE = sample_answers_path(KIND)
UNIT = "Trung tâm GDNN-GDTX quận Phú Nhuận"
# The seed's figures as the engine computes them: 53/591, 104/637, 494/538, 91,82 - 89,87.
SEED_FIGURES = ["8,97%", "16,33%", "91,82%", "Tăng 1,95 điểm phần trăm"]

runner = CliRunner()


def baocao(*args: str) -> Result:
    """Runs a `baocao` command in this process."""
    return runner.invoke(app, list(args))


def sample_data() -> dict[str, Any]:
    """The bundled sample answers as plain data, a fresh copy to change."""
    return copy.deepcopy(yaml.safe_load(SAMPLE.read_text(encoding="utf-8")))


def answers_file(
    folder: Path, change: Callable[[dict[str, Any]], None], name: str = "answers.yaml"
) -> Path:
    """The sample answers changed by `change`, written to a file."""
    data = sample_data()
    change(data)
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def check_json(answers: Path) -> dict[str, Any]:
    result = baocao("check", "--template", KIND, "--answers", str(answers), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- demo, through the installed console script ---------------------------------------------


@pytest.fixture(scope="module")
def demo_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The draft written by a real `baocao demo --out x.docx` process."""
    folder = tmp_path_factory.mktemp("demo")
    script = Path(sys.executable).with_name("baocao")
    assert script.is_file(), f"the console script is not installed at {script}"
    done = subprocess.run(
        [str(script), "demo", "--out", "x.docx"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=CONVERSION_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "x.docx" in done.stdout
    return folder / "x.docx"


@pytest.mark.slow
def test_demo_writes_a_draft_with_the_seed_figures(demo_docx: Path) -> None:
    text = text_of(open_docx(demo_docx.read_bytes()))
    for figure in SEED_FIGURES:
        assert figure in text
    assert "53/591" in text and "104/637" in text


@pytest.mark.slow
def test_demo_draft_opens_in_libreoffice_with_the_seed_figures(demo_docx: Path) -> None:
    pdf = docx_to_pdf(demo_docx, demo_docx.parent)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdf)
    for figure in SEED_FIGURES:
        # "điểm phần trăm" may wrap inside the change's narrow cell.
        assert figure.removesuffix(" điểm phần trăm") in text
    reading_order = " ".join(pdf_text(pdf, layout=False).split())
    assert UNIT.upper() in reading_order


# -- check ----------------------------------------------------------------------------------


def test_check_json_gives_the_seed_figures_and_no_warning() -> None:
    payload = check_json(SAMPLE)
    figures = payload["figures"]
    assert figures["dropout_rate"]["text"] == "8,97%"
    assert figures["previous_dropout_rate"]["text"] == "16,33%"
    assert figures["academic.total.avg_up_rate"]["text"] == "91,82%"
    assert figures["academic.thpt.avg_up_rate"]["text"] == "91,82%"
    assert figures["academic.total.change"]["text"] == "tăng 1,95 điểm phần trăm"
    assert figures["dropout_rate"]["value"] == "8.97"
    assert payload["warnings"] == []
    assert payload["template"] == KIND


DISTRICT = "bao-cao-nhiem-vu-nam-hoc-phong-gddt"


def test_the_district_report_computes_its_totals_and_rates_from_the_seed_counts(
    tmp_path: Path,
) -> None:
    path = sample_answers_path(DISTRICT)
    result = baocao("check", "--template", DISTRICT, "--answers", str(path), "--json")
    assert result.exit_code == 0, result.output
    figures = {key: f["text"] for key, f in json.loads(result.stdout)["figures"].items()}
    # Public + non-public, never typed: the seed's 79 schools and 856 teachers do not add up.
    assert figures["preschool.schools.total"] == "34"
    assert figures["primary.pupils.total"] == "17.334"
    assert figures["preschool.teachers.total"] == "853"
    assert (figures["total_schools"], figures["public_schools"]) == ("67", "43")
    assert figures["graduation_rate"] == "99,73%"
    # The seed wrote 52.1% for 1704/3335.
    assert figures["vocational_good_rate"] == "51,09%"
    assert figures["vocational_average_up_rate"] == "98,14%"
    assert figures["prize_winners"] == "43"
    # More prize winners than contestants is questioned.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["answers"]["contest_participants"] = 40
    changed = tmp_path / "district.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = baocao("check", "--template", DISTRICT, "--answers", str(changed), "--json")
    warnings = json.loads(result.stdout)["warnings"]
    assert [w["key"] for w in warnings] == ["prizes_within_participants"]
    assert "43" in warnings[0]["message"] and "40" in warnings[0]["message"]


def test_the_staff_conference_review_computes_its_rates_from_the_seed_counts() -> None:
    kind = "bao-cao-kiem-diem-hoi-nghi-vien-chuc"
    path = sample_answers_path(kind)
    result = baocao("check", "--template", kind, "--answers", str(path), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    figures = {key: f["text"] for key, f in payload["figures"].items()}
    assert figures["total_staff"] == "56"
    # The seed wrote 88.9% for 32 of its 36 permanent staff.
    assert (figures["advanced_rate"], figures["unranked_rate"]) == ("88,89%", "11,11%")
    assert figures["it_certified_rate"] == "99,61%"
    assert payload["warnings"] == []


def test_check_text_lists_the_figures() -> None:
    result = baocao("check", "--template", KIND, "--answers", str(SAMPLE))
    assert result.exit_code == 0, result.output
    assert "Tỉ lệ bỏ học năm nay: 8,97%" in result.stdout
    assert "cảnh báo" in result.stdout.lower()


def _inconsistent(data: dict[str, Any]) -> None:
    data["answers"]["conduct"]["thpt"] = [538, 0, 0, 77, 448, 12]  # parts add up to 537
    data["answers"]["dropouts"] = 600  # more than the 591 enrolled


def test_check_warns_in_vietnamese_naming_the_numbers(tmp_path: Path) -> None:
    warnings = [
        w["message"] for w in check_json(answers_file(tmp_path, _inconsistent))["warnings"]
    ]
    dropouts = [w for w in warnings if "600" in w]
    assert len(dropouts) == 1
    assert "Số học viên nghỉ bỏ học" in dropouts[0] and "591" in dropouts[0]
    assert "lớn hơn" in dropouts[0]
    conduct = [w for w in warnings if "537" in w and "538" in w]
    assert any("THPT" in w for w in conduct)
    assert all("hạnh kiểm" in w for w in conduct)


def test_check_with_warnings_still_succeeds_in_text(tmp_path: Path) -> None:
    answers = answers_file(tmp_path, _inconsistent)
    result = baocao("check", "--template", KIND, "--answers", str(answers))
    assert result.exit_code == 0
    assert "⚠️" in result.stdout and "600" in result.stdout


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["answers"].update(enroled=591), "không có câu hỏi mã “enroled”"),
        (lambda d: d["answers"].update(enrolled="5x91"), "enrolled:"),
        (lambda d: d["answers"]["academic"].update(thpt=[538, 3, 41]), "academic:"),
        (lambda d: d.pop("answers"), "“answers”"),
        (lambda d: d.update(period={"date": "31/02/2026"}), "ngày “31/02/2026” không hợp lệ"),
        (lambda d: d.update(template="khac"), "tệp viết cho loại báo cáo “khac”"),
        # An answer put beside "answers:" instead of under it would be lost without a word.
        (lambda d: d.update(enrolled=591), "không có khóa “enrolled” ở cấp ngoài cùng"),
        (lambda d: d["unit"].update(signer="Lan"), "không có khóa “signer” ở unit"),
        (lambda d: d.update(period="2020-2021"), "phần “period” phải gồm"),
    ],
    ids=[
        "unknown id",
        "letters in a number",
        "short table row",
        "no answers",
        "impossible date",
        "other kind",
        "answer outside answers",
        "misspelt unit key",
        "period not a mapping",
    ],
)
def test_a_broken_answers_file_exits_2_with_a_clear_message(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], named: str
) -> None:
    answers = answers_file(tmp_path, change)
    for command in ("check", "render"):
        extra = ["--out", str(tmp_path / "x.docx")] if command == "render" else []
        result = baocao(command, "--template", KIND, "--answers", str(answers), *extra)
        assert result.exit_code == 2
        assert named in result.stderr
        assert str(answers) in result.stderr
        assert "Traceback" not in result.output
    assert not (tmp_path / "x.docx").exists()


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"answers: [1, 2\n", "không đọc được tệp YAML (dòng 2, cột 1)"),
        ("answers: {}\nunit: {name: Trung tâm}\n".encode("utf-16"), "mã UTF-8"),
    ],
    ids=["broken YAML", "UTF-16"],
)
def test_an_unreadable_answers_file_exits_2_in_vietnamese(
    tmp_path: Path, content: bytes, named: str
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(content)
    result = baocao("check", "--template", KIND, "--answers", str(answers))
    assert result.exit_code == 2
    assert named in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_report_kind_exits_2_naming_it(tmp_path: Path) -> None:
    answers = answers_file(tmp_path, lambda d: d.pop("template", None))
    result = baocao("check", "--template", "khong-co", "--answers", str(answers))
    assert result.exit_code == 2
    assert "Không có loại báo cáo “khong-co”" in result.stderr


def test_the_report_date_may_be_written_the_vietnamese_way(tmp_path: Path) -> None:
    answers = answers_file(
        tmp_path, lambda d: d.update(period={**d["period"], "date": "5/6/2026"})
    )
    out = tmp_path / "x.docx"
    result = baocao("render", "--template", KIND, "--answers", str(answers), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Đã ghi {out}: còn thiếu ")
    assert "ngày 05 tháng 6 năm 2026" in text_of(open_docx(out.read_bytes()))


def test_letters_in_a_number_are_explained_in_vietnamese(tmp_path: Path) -> None:
    answers = answers_file(tmp_path, lambda d: d["answers"].update(enrolled="5x91"))
    result = baocao("check", "--template", KIND, "--answers", str(answers))
    message = result.stderr.split("enrolled:", 1)[1].strip()
    assert "5x91" in message
    assert any(letter in message for letter in "ốửạàảãể"), message


# -- render ---------------------------------------------------------------------------------


def render(tmp_path: Path, answers: Path) -> Any:
    out = tmp_path / "out" / "draft.docx"
    result = baocao("render", "--template", KIND, "--answers", str(answers), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout
    return open_docx(out.read_bytes())


def test_render_writes_the_answers_and_figures(tmp_path: Path) -> None:
    text = text_of(render(tmp_path, SAMPLE))
    answers = sample_data()["answers"]
    assert answers["remedial_work"][:60] in text
    assert "Hội thi Đầu bếp trẻ" in text
    assert "29/04/2021" in text
    for figure in SEED_FIGURES:
        assert figure in text
    # The closing sections of a real annual report, with next year named.
    for heading in (
        "8. Tồn tại, hạn chế và nguyên nhân",
        "9. Phương hướng, nhiệm vụ năm học tới",
        "10. Đề xuất, kiến nghị",
    ):
        assert heading in text
    assert "Năm học 2021 - 2022, trung tâm tập trung thực hiện" in text
    assert "- Duy trì sĩ số, giảm tỉ lệ học viên nghỉ bỏ học dưới 7%." in text


def test_render_highlights_what_a_partial_file_lacks(tmp_path: Path) -> None:
    def keep_few(data: dict[str, Any]) -> None:
        data["answers"] = {k: data["answers"][k] for k in ("enrolled", "dropouts", "directive_05")}

    document = render(tmp_path, answers_file(tmp_path, keep_few))
    text = text_of(document)
    assert sample_data()["answers"]["directive_05"][:60] in text
    assert "53/591" in text and "8,97%" in text
    placeholder = run_with(document, "[Chưa có]")
    # The gap follows its label, which is not repeated inside it.
    assert "04 tháng 12 năm 2019 của Thủ tướng Chính phủ: [Chưa có]" in text
    assert placeholder.font.highlight_color is not None
    assert run_with(document, "8,97%").font.highlight_color is None


TRICKY = "Mẫu {{ 7*7 }} và {% if %} cùng <b>đậm</b> & \x07chuông\x1b[31m đỏ."


def test_user_text_is_rendered_literally(tmp_path: Path) -> None:
    def tricky(data: dict[str, Any]) -> None:
        data["answers"]["directive_31"] = TRICKY
        data["answers"]["community_materials"] = "{{ unit }} {%raw%}<w:p/>"
        data["unit"]["name"] = "Trung tâm {{ 7*7 }} <b>&"
        data["period"]["year"] = "{{ 7*7 }}"

    document = render(tmp_path, answers_file(tmp_path, tricky))
    answer = paragraph_with(document, "Mẫu {{").text
    assert "Mẫu {{ 7*7 }} và {% if %} cùng <b>đậm</b> & chuông[31m đỏ." in answer
    assert "49" not in answer
    assert "{{ unit }} {%raw%}<w:p/>" in paragraph_with(document, "{%raw%}").text
    text = text_of(document)
    assert "TRUNG TÂM {{ 7*7 }} <B>&" in text
    assert "Tổng kết năm học {{ 7*7 }}" in text
    assert "\x07" not in text and "\x1b" not in text


# -- templates ------------------------------------------------------------------------------


def test_templates_json_lists_every_kind() -> None:
    result = baocao("templates", "--json")
    assert result.exit_code == 0, result.output
    kinds = json.loads(result.stdout)
    assert [k["id"] for k in kinds] == [folder.name for folder in template_dirs()]
    ours = next(k for k in kinds if k["id"] == KIND)
    assert ours["name"] == "Báo cáo tổng kết năm học (Trung tâm GDNN-GDTX)"
    # 1-7 as the seed, then shortcomings, next year's tasks, proposals.
    assert ours["sections"] == 10
    assert len(kinds) >= 4 and "bao-cao-so-ket-hoc-ky-gdnn-gdtx" in [k["id"] for k in kinds]


def test_templates_text_names_the_kind() -> None:
    result = baocao("templates")
    assert result.exit_code == 0
    assert KIND in result.stdout


def test_the_default_data_folder_is_the_projects_data_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`make run` keeps its database in <project>/data, wherever the settings module lives."""
    monkeypatch.delenv("BAOCAO_DATA_DIR", raising=False)
    project = Path(__file__).resolve().parents[2]
    assert Settings(_env_file=None).data_dir == project / "data"

"""The semester summary of a centre, from the command line: its figures, its two terms from
one template, and the template features it brought (numbering per level, rates beside their
counts, table cells and the term in prose, per-line bullets, checks worded with numbers)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from docx.table import Table as DocxTable
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.questionnaire.loader import sample_answers_path
from bot.report.docx_parts import text_width
from bot.report.layout import WIDE_TABLE_CELL_MARGIN, WIDE_TABLE_COLUMNS, WIDE_TABLE_SIZE
from tests.support.docx_helpers import open_docx, paragraph_with, text_of

KIND = "bao-cao-so-ket-hoc-ky-gdnn-gdtx"
SAMPLE = sample_answers_path(KIND)

runner = CliRunner()


def baocao(*args: str) -> Result:
    return runner.invoke(app, list(args))


def sample_data() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load(SAMPLE.read_text(encoding="utf-8")))


def written(folder: Path, data: dict[str, Any]) -> Path:
    path = folder / "answers.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def check(answers: Path) -> dict[str, Any]:
    result = baocao("check", "--template", KIND, "--answers", str(answers), "--json")
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def render(folder: Path, answers: Path) -> Any:
    out = folder / "draft.docx"
    result = baocao("render", "--template", KIND, "--answers", str(answers), "--out", str(out))
    assert result.exit_code == 0, result.output
    return open_docx(out.read_bytes())


def test_check_json_gives_the_semester_figures_from_the_sample_counts() -> None:
    payload = check(SAMPLE)
    figures = {key: figure["text"] for key, figure in payload["figures"].items()}
    # Staff total: 3 managers + 18 permanent + 4 contract teachers + 7 employees (visiting
    # teachers are not the centre's staff); teachers 18 + 4.
    assert (figures["total_staff"], figures["teachers"]) == ("32", "22")
    # Conduct from Trung bình (Đạt) up in grade 12: 130 + 20 + 7 = 157 of 160 = 98.125%,
    # rounded half up (half-even would print 98,12%).
    assert figures["conduct.grade_12.avg_up"] == "157"
    assert figures["conduct.grade_12.avg_up_rate"] == "98,13%"
    # Whole centre: 463 of 473 and 417 of 473.
    assert figures["conduct.total.avg_up_rate"] == "97,89%"
    assert figures["academic.total.avg_up"] == "417"
    assert figures["academic.total.avg_up_rate"] == "88,16%"
    # Each category's rate beside its count: 368 Tốt of 473.
    assert figures["conduct.total.excellent_rate"] == "77,80%"
    # A whole rate prints as "100%" by default: 0 Chưa đạt of 160 in grade 10 conduct.
    assert figures["conduct.grade_10.weak_rate"] == "0%"
    # The six balanced rates of a row add up to exactly 100%.
    row = ["excellent", "good", "average", "weak", "unclassified"]
    values = [payload["figures"][f"conduct.grade_12.{c}_rate"]["value"] for c in row]
    assert sum(float(v) for v in values) == 100
    assert payload["warnings"] == []
    assert payload["template"] == KIND


def test_one_template_drafts_semester_one_and_two(tmp_path: Path) -> None:
    first = text_of(render(tmp_path, SAMPLE))
    assert "Sơ kết học kỳ I năm học 2023 - 2024" in first
    assert "Trong học kỳ I năm học 2023 - 2024, trung tâm" in first
    data = sample_data()
    data["period"]["term"] = "II"
    second = text_of(render(tmp_path, written(tmp_path, data)))
    assert "Sơ kết học kỳ II năm học 2023 - 2024" in second
    assert "Trong học kỳ II năm học 2023 - 2024, trung tâm" in second
    assert "Sơ kết học kỳ I năm" not in second


def test_a_term_other_than_one_or_two_is_refused(tmp_path: Path) -> None:
    data = sample_data()
    data["period"]["term"] = 3
    result = baocao("check", "--template", KIND, "--answers", str(written(tmp_path, data)))
    assert result.exit_code != 0
    assert "học kỳ “3” không hợp lệ" in result.output


def test_the_draft_has_the_official_numbering_address_and_table_cells_in_prose(
    tmp_path: Path,
) -> None:
    document = render(tmp_path, SAMPLE)
    text = text_of(document)
    for heading in ("I. ĐẶC ĐIỂM TÌNH HÌNH", "1. Đội ngũ cán bộ", "III. KẾT QUẢ XẾP LOẠI"):
        assert heading in text
    assert "1.1." not in text and "3.2." not in text
    assert "địa chỉ: 124 Hoàng Văn Thụ, phường 9, quận Phú Nhuận, điện thoại: (028) 3844" in text
    # Table cells read in prose: the enrolment table's total row.
    assert "trung tâm có 12 lớp với 473 học viên" in text
    assert "toàn trung tâm là 97,89% (463/473 học viên)" in text
    # Multi-line answers: one "- " item per line.
    assert "- Đội ngũ cán bộ, giáo viên đủ về số lượng" in text
    assert paragraph_with(document, "Thuận lợi:").text.strip() == "Thuận lợi:"


def test_rates_stand_beside_their_counts_under_one_header(tmp_path: Path) -> None:
    document = render(tmp_path, SAMPLE)
    conduct = next(
        table
        for table in document.tables
        if "Tốt" in [c.text for c in table.rows[0].cells]
        and "Khối 10" in table.columns[0].cells[2].text
    )
    top = [cell.text for cell in conduct.rows[0].cells]
    under = [cell.text for cell in conduct.rows[1].cells]
    # "Tốt" is merged over its count and rate.
    index = top.index("Tốt")
    assert top[index + 1] == "Tốt"
    assert (under[index], under[index + 1]) == ("SL", "TL")
    total = [cell.text for cell in conduct.rows[-1].cells]
    assert (total[index], total[index + 1]) == ("368", "77,80%")
    assert isinstance(conduct, DocxTable)


def test_a_failed_check_says_its_own_numbers(tmp_path: Path) -> None:
    data = sample_data()
    data["answers"]["academic"]["grade_10"] = [163, 14, 55, 70, 20, 4]
    warnings = check(written(tmp_path, data))["warnings"]
    own = next(w for w in warnings if w["key"] == "conduct_and_academic_same_total")
    assert own["message"] == (
        "Tổng số học viên xếp loại rèn luyện (473) khác tổng số học viên xếp loại học tập"
        " (474): hai bảng phải tính trên cùng số học viên."
    )


def test_what_is_missing_is_named_by_the_document_numbering(tmp_path: Path) -> None:
    data = sample_data()
    del data["answers"]["academic_assessment"]
    payload = check(written(tmp_path, data))
    # Chat's menus name sections by number; the draft's notes as the document numbers them.
    assert payload["missing_sections"] == ["3"]
    out = tmp_path / "draft.docx"
    result = baocao(
        "render", "--template", KIND, "--answers", str(written(tmp_path, data)), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "Phần III: Nhận xét" in text_of(open_docx(out.read_bytes()))


def test_a_short_row_label_is_not_broken_in_a_wide_table(tmp_path: Path) -> None:
    document = render(tmp_path, SAMPLE)
    wide = [table for table in document.tables if len(table.columns) > WIDE_TABLE_COLUMNS]
    assert len(wide) == 2  # conduct and academic, 15 columns each
    for table in wide:
        first = table._tbl.tblGrid.gridCol_lst[0].w
        needed = text_width("Khối 10", WIDE_TABLE_SIZE) + 2 * WIDE_TABLE_CELL_MARGIN
        assert first >= needed


def test_only_a_semester_two_summary_dated_before_the_year_ends_is_flagged_early(
    tmp_path: Path,
) -> None:
    # Semester I is summed up around its own end in January: nothing to flag.
    assert "kết thúc (31/05/2024)" not in text_of(render(tmp_path, SAMPLE))
    data = sample_data()
    data["period"].update(term=2, date="2024-05-20")
    assert "kết thúc (31/05/2024)" in text_of(render(tmp_path, written(tmp_path, data)))


def test_the_demo_plays_the_semester_summary_to_a_complete_draft(tmp_path: Path) -> None:
    out = tmp_path / "so-ket.docx"
    result = baocao("demo", "--template", KIND, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "năm học 2023 - 2024, học kỳ I." in result.output
    assert "Đã đủ các câu trả lời bắt buộc." in result.output
    text = text_of(open_docx(out.read_bytes()))
    assert "Sơ kết học kỳ I năm học 2023 - 2024" in text
    assert "124 Hoàng Văn Thụ" in text

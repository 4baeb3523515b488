"""`baocao export`: a unit's periods, answers and audit trail in an Excel workbook."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import func, select
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.core.clock import VIETNAM
from bot.core.settings import get_settings
from bot.data.export import AUDIT_SHEET, UNIT_SHEET, sheet_name
from bot.questionnaire.loader import sample_answers_path
from bot.report.answers_file import load_answers_file
from bot.store import queries as store
from bot.store.database import Database
from models import Answer, AnswerChange

pytestmark = pytest.mark.dialect

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
UNIT_NAME = "Trung tâm GDNN-GDTX quận Phú Nhuận"
DIRECTOR = "Nguyễn Thị Hạnh"
TEACHER = "Trần Văn Bình"
FORMULA = '=HYPERLINK("http://evil.example","Bấm vào đây")'
# What else a spreadsheet would take for the start of a formula.
FORMULA_LIKE = {
    "community_materials": "+84 909 123 456",
    "clubs": "-5 học viên tham gia câu lạc bộ",
    "library": "@SUM(1+1)",
}

runner = CliRunner()


@dataclass(frozen=True)
class Seeded:
    unit_id: int
    other_unit_id: int
    first: int
    second: int
    answers: int
    changes: int
    sample: dict[str, Any]


@pytest.fixture
def cli_env(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`baocao` commands run against the test's database."""
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("BAOCAO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def seeded(database: Database) -> Seeded:
    """A unit with two periods: the sample answers by a teacher, then edits by the director."""
    loaded = load_answers_file(sample_answers_path(KIND))
    with database.session() as session:
        unit = store.create_unit(session, name=UNIT_NAME, place="Phú Nhuận")
        director = store.add_member(session, unit=unit, display_name=DIRECTOR, role="director")
        teacher = store.add_member(session, unit=unit, display_name=TEACHER, role="staff")
        first = store.open_period(
            session,
            unit=unit,
            template_id=KIND,
            template_version=loaded.template.version,
            year="2025-2026",
            deadline=date(2026, 6, 10),
        )
        second = store.open_period(
            session,
            unit=unit,
            template_id=KIND,
            template_version=loaded.template.version,
            year="2026-2027",
            term=1,
            deadline=date(2027, 1, 15),
        )
        assert first.id is not None and second.id is not None
        for question_id, value in loaded.values.items():
            store.save_answer(
                session,
                period_id=first.id,
                question_id=question_id,
                value=value,
                member_id=teacher.id,
            )
        store.save_answer(
            session,
            period_id=first.id,
            question_id="directive_05",
            value=FORMULA,
            member_id=director.id,
        )
        for question_id, text in FORMULA_LIKE.items():
            store.save_answer(
                session,
                period_id=first.id,
                question_id=question_id,
                value=text,
                member_id=director.id,
            )
        store.save_answer(
            session, period_id=second.id, question_id="enrolled", value=600, member_id=teacher.id
        )
        store.save_answer(
            session,
            period_id=second.id,
            question_id="dropouts",
            value=None,
            member_id=teacher.id,
            skipped=True,
        )
        other = store.create_unit(session, name="Trường THPT khác", place="Quận 3")
        other_period = store.open_period(
            session, unit=other, template_id=KIND, template_version=1, year="2025-2026"
        )
        store.save_answer(
            session,
            period_id=other_period.id,  # type: ignore[arg-type]
            question_id="enrolled",
            value=1,
            member_id=None,
        )
        mine = [first.id, second.id]
        answers = session.exec(
            select(func.count()).select_from(Answer).where(Answer.period_id.in_(mine))  # type: ignore[attr-defined]
        ).one()
        changes = session.exec(
            select(func.count()).select_from(AnswerChange).where(AnswerChange.period_id.in_(mine))  # type: ignore[attr-defined]
        ).one()
        assert unit.id is not None and other.id is not None
        return Seeded(
            unit_id=unit.id,
            other_unit_id=other.id,
            first=first.id,
            second=second.id,
            answers=answers,
            changes=changes,
            sample=loaded.values,
        )


def baocao(*args: str) -> Result:
    return runner.invoke(app, list(args))


def export_json(*args: str) -> dict[str, Any]:
    result = baocao("export", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows_of(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def question_row(sheet: Worksheet, question_id: str) -> int:
    """The row number of a question on a section sheet (its id is in column B)."""
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=2).value == question_id:
            return row
    raise AssertionError(f"{question_id} not on {sheet.title}")


def sheet_for(workbook: Any, prefix: str) -> Worksheet:
    names = [name for name in workbook.sheetnames if name.startswith(prefix)]
    assert len(names) == 1, (prefix, workbook.sheetnames)
    return workbook[names[0]]


# -- the workbook ----------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
def test_export_json_lists_the_sheets_and_counts(seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "xuất" / "đơn vị.xlsx"
    payload = export_json("--unit", str(seeded.unit_id), "--out", str(out))

    assert payload["file"] == str(out)
    assert payload["periods"] == [seeded.first, seeded.second]
    assert payload["answers"] == seeded.answers
    assert payload["changes"] == seeded.changes
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == payload["sheets"]
    assert workbook.sheetnames[0] == UNIT_SHEET
    assert workbook.sheetnames[-1] == AUDIT_SHEET
    # Ten top sections for each of the two periods, named after the period and section.
    sections = workbook.sheetnames[1:-1]
    assert len(sections) == 20
    assert sections[0].startswith(f"Kỳ {seeded.first} – 1. Thực hiện")
    assert sections[10].startswith(f"Kỳ {seeded.second} – 1. Thực hiện")
    for name in workbook.sheetnames:
        assert len(name) <= 31
        assert not re.search(r"[\[\]:*?/\\]", name)
    assert len({name.casefold() for name in workbook.sheetnames}) == len(workbook.sheetnames)
    # No half-written temporary file is left beside the workbook.
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]


@pytest.mark.usefixtures("cli_env")
def test_unit_sheet_lists_the_unit_and_its_periods(seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    export_json("--unit", str(seeded.unit_id), "--out", str(out))
    sheet = openpyxl.load_workbook(out)[UNIT_SHEET]
    rows = rows_of(sheet)

    facts = {row[0]: row[1] for row in rows if row[0] and row[1] is not None}
    assert facts["Tên đơn vị"] == UNIT_NAME
    assert facts["Địa danh"] == "Phú Nhuận"
    header = next(i for i, row in enumerate(rows) if row[0] == "Mã kỳ")
    assert rows[header][:8] == (
        "Mã kỳ",
        "Loại báo cáo",
        "Mã loại báo cáo",
        "Phiên bản",
        "Năm học",
        "Học kỳ",
        "Hạn nộp",
        "Trạng thái",
    )
    first, second = rows[header + 1], rows[header + 2]
    assert first[0] == seeded.first
    assert first[1].startswith("Báo cáo tổng kết năm học")
    assert first[2] == KIND
    assert (first[4], first[5], first[7]) == ("2025-2026", None, "Đang mở")
    # A real date cell (openpyxl reads dates back as midnight datetimes).
    assert isinstance(first[6], datetime) and first[6].date() == date(2026, 6, 10)
    assert (second[0], second[4], second[5]) == (seeded.second, "2026-2027", 1)
    assert second[8] == 2
    # Nothing of the other unit.
    assert all("Trường THPT khác" not in str(cell) for row in rows for cell in row)


@pytest.mark.usefixtures("cli_env")
def test_section_sheets_hold_text_numbers_authors_and_times(
    seeded: Seeded, database: Database, tmp_path: Path
) -> None:
    out = tmp_path / "x.xlsx"
    export_json("--unit", str(seeded.unit_id), "--out", str(out), "--period", str(seeded.first))
    workbook = openpyxl.load_workbook(out)
    # One period: sheets are named after the section alone.
    assert workbook.sheetnames[1] == "1. Thực hiện các cuộc vận…"
    assert workbook.sheetnames[7] == "7. Các nhiệm vụ khác"

    first = sheet_for(workbook, "1. ")
    assert [c.value for c in first[1]] == [
        "Mục",
        "Mã câu hỏi",
        "Câu hỏi",
        "Trả lời",
        "Người trả lời",
        "Thời gian (giờ Việt Nam)",
        "Số liệu",
    ]
    # A paragraph of Vietnamese comes back exactly, with its author.
    row = question_row(first, "directive_31")
    assert first.cell(row=row, column=4).value == seeded.sample["directive_31"]
    assert first.cell(row=row, column=5).value == TEACHER

    third = sheet_for(workbook, "3. ")
    row = question_row(third, "enrolled")
    assert third.cell(row=row, column=1).value == "3.1"
    assert third.cell(row=row, column=4).value == "591 HV"
    assert third.cell(row=row, column=7).value == 591
    assert third.cell(row=row, column=7).data_type == "n"
    # The time is Vietnam's wall-clock time of the stored (aware) moment.
    with database.session() as session:
        answers = store.answers_of(session, period_id=seeded.first)
    stored = answers["enrolled"].updated_at
    written = third.cell(row=row, column=6).value
    assert isinstance(written, datetime) and written.tzinfo is None
    expected = stored.astimezone(VIETNAM).replace(tzinfo=None)
    assert abs(written - expected) < timedelta(milliseconds=2)

    # A table is expanded below its question: row labels, then one number per column.
    row = question_row(third, "academic")
    assert third.cell(row=row, column=4).value.startswith("THCS: để trống; THPT: TS HV 538")
    header = [third.cell(row=row + 1, column=c).value for c in range(4, 13)]
    assert header == ["KHỐI", None, None, "TS HV", "Kém", "Yếu", "TB", "Khá", "Giỏi"]
    assert third.cell(row=row + 2, column=4).value == "THCS"
    assert third.cell(row=row + 2, column=7).value == "(để trống)"
    assert third.cell(row=row + 3, column=4).value == "THPT"
    assert [third.cell(row=row + 3, column=c).value for c in range(7, 13)] == [
        538,
        3,
        41,
        193,
        214,
        87,
    ]
    # A percent table keeps its decimals as numbers.
    row = question_row(third, "academic_previous")
    assert third.cell(row=row + 3, column=7).value == pytest.approx(89.87)

    # A list: one item a row, its fields side by side.
    row = question_row(third, "competitions")
    assert third.cell(row=row + 1, column=4).value == "STT"
    assert third.cell(row=row + 2, column=4).value == 1
    first_item = seeded.sample["competitions"][0]
    assert third.cell(row=row + 2, column=7).value == first_item["name"]

    # A question nobody answered is still listed, with an empty answer.
    assert workbook.sheetnames.count("Câu trả lời khác") == 0


@pytest.mark.usefixtures("cli_env")
def test_nothing_typed_becomes_a_formula(seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    export_json("--unit", str(seeded.unit_id), "--out", str(out), "--period", str(seeded.first))
    workbook = openpyxl.load_workbook(out)
    sheet = sheet_for(workbook, "1. ")
    cell = sheet.cell(row=question_row(sheet, "directive_05"), column=4)
    assert cell.value == FORMULA
    assert cell.data_type == "s"
    assert cell.quotePrefix
    assert sheet.cell(row=question_row(sheet, "directive_05"), column=5).value == DIRECTOR
    for question_id, text in FORMULA_LIKE.items():
        sheet = next(
            workbook[n]
            for n in workbook.sheetnames[1:-1]
            if question_id in [c.value for c in workbook[n]["B"]]
        )
        cell = sheet.cell(row=question_row(sheet, question_id), column=4)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    # And in the file itself: no formula element anywhere, the text is there as text.
    with zipfile.ZipFile(out) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml = "".join(archive.read(n).decode("utf-8") for n in parts)
    assert "<f>" not in xml and "<f " not in xml
    # (non-ASCII letters are written as character references)
    assert '<is><t>=HYPERLINK("http://evil.example","B' in xml


@pytest.mark.usefixtures("cli_env")
def test_audit_sheet_has_every_change(seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    export_json("--unit", str(seeded.unit_id), "--out", str(out))
    sheet = openpyxl.load_workbook(out)[AUDIT_SHEET]
    rows = rows_of(sheet)

    assert rows[0] == (
        "Thời gian (giờ Việt Nam)",
        "Người sửa",
        "Mã kỳ",
        "Năm học",
        "Mục",
        "Mã câu hỏi",
        "Câu hỏi",
        "Giá trị cũ",
        "Giá trị mới",
    )
    changes = rows[1:]
    assert len(changes) == seeded.changes
    times = [row[0] for row in changes]
    assert all(isinstance(t, datetime) for t in times)
    assert times == sorted(times)
    edit = next(row for row in changes if row[5] == "directive_05" and row[1] == DIRECTOR)
    assert edit[2:5] == (seeded.first, "2025-2026", "1")
    assert edit[7] == seeded.sample["directive_05"]
    assert edit[8] == FORMULA
    first_answer = next(row for row in changes if row[5] == "enrolled" and row[2] == seeded.first)
    assert (first_answer[1], first_answer[7], first_answer[8]) == (TEACHER, None, "591 HV")
    row = next(i for i, r in enumerate(changes, start=2) if r is edit)
    assert sheet.cell(row=row, column=9).data_type == "s"


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.usefixtures("cli_env")
def test_export_refuses_unknown_unit_foreign_period_and_other_suffix(
    seeded: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "x.xlsx"
    missing = baocao("export", "--unit", "9999", "--out", str(out))
    assert missing.exit_code == 2
    assert "Không có đơn vị mã 9999" in missing.output

    with_other = baocao("export", "--unit", str(seeded.other_unit_id), "--out", str(out))
    assert with_other.exit_code == 0, with_other.output
    foreign = baocao(
        "export", "--unit", str(seeded.unit_id), "--period", "9999", "--out", str(out)
    )
    assert foreign.exit_code == 2
    assert "không có kỳ báo cáo mã 9999" in foreign.output

    csv = baocao("export", "--unit", str(seeded.unit_id), "--out", str(tmp_path / "x.csv"))
    assert csv.exit_code == 2
    assert ".xlsx" in csv.output


@pytest.mark.usefixtures("cli_env")
def test_export_text_output(seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    result = baocao("export", "--unit", str(seeded.unit_id), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Đã xuất {seeded.answers} câu trả lời và ")
    assert "2 kỳ báo cáo" in result.stdout


# -- sheet names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "taken", "expected"),
    [
        ("1. Ngắn", [], "1. Ngắn"),
        ("a/b\\c[d]e:f*g?h", [], "a-b-c-d-e-f-g-h"),
        ("'Trích dẫn'", [], "Trích dẫn"),
        ("History", [], "History 1"),
        ("", [], "Trang"),
        (
            "3. Công tác triển khai chương trình giáo dục",
            [],
            "3. Công tác triển khai chương…",
        ),
        ("Lịch sử sửa", ["lịch sử sửa"], "Lịch sử sửa (2)"),
        (
            "3. Công tác triển khai chương trình giáo dục",
            ["3. Công tác triển khai chương…"],
            "3. Công tác triển khai… (2)",
        ),
    ],
)
def test_sheet_names_are_valid_and_unique(wanted: str, taken: list[str], expected: str) -> None:
    name = sheet_name(wanted, taken)
    assert name == expected
    assert len(name) <= 31


@pytest.mark.usefixtures("cli_env")
def test_export_into_an_unwritable_folder_is_told_clearly(seeded: Seeded, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for out, said in (
        (a_file / "x.xlsx", f"Không ghi được vào thư mục {a_file}: đường dẫn đi qua một tệp"),
        # /sys refuses new files even to root.
        (Path("/sys/baocao-export.xlsx"), "Không ghi được vào thư mục /sys: không có quyền ghi"),
    ):
        result = baocao("export", "--unit", str(seeded.unit_id), "--out", str(out))
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert said in result.output

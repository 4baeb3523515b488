"""Figures loaded from files into an open period, from the command line: a table from a real
.xlsx or .csv (`baocao import`), every bad file refused with nothing changed, and an answers
file (`baocao period fill`); then drafted with --period."""

from __future__ import annotations

import io
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import Workbook
from sqlmodel import select

from bot.cli import app
from bot.store.database import Database
from models import Answer, AnswerChange, ConfirmedCheck
from tests.support.cli import baocao_json, runner

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
SAMPLE = Path(__file__).parents[2] / "templates" / KIND / "sample-answers.yaml"


def baocao(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.fixture
def period(cli_database: Database) -> int:
    """An open annual report period of a centre."""
    unit = baocao_json("unit", "create", "--name", "Trung tâm GDNN-GDTX", "--place", "Phú Nhuận")
    opened = baocao_json(
        "period",
        "open",
        "--unit",
        str(unit["unit_id"]),
        "--template",
        KIND,
        "--deadline",
        "2026-06-30",
        "--year",
        "2025-2026",
    )
    return int(opened["period_id"])


def snapshot(database: Database, period_id: int) -> dict[str, Any]:
    """Everything an import may change: answers, the audit trail, kept checks."""
    with database.session() as session:
        answers = session.exec(select(Answer).where(Answer.period_id == period_id)).all()
        changes = session.exec(
            select(AnswerChange).where(AnswerChange.period_id == period_id)
        ).all()
        kept = session.exec(
            select(ConfirmedCheck).where(ConfirmedCheck.period_id == period_id)
        ).all()
        return {
            "answers": sorted((a.question_id, json.dumps(a.value)) for a in answers),
            "changes": len(changes),
            "sources": sorted({str(c.source) for c in changes}),
            "kept": sorted(k.check_key for k in kept),
        }


def stored(database: Database, period_id: int, question_id: str) -> Any:
    with database.session() as session:
        row = session.exec(
            select(Answer).where(Answer.period_id == period_id, Answer.question_id == question_id)
        ).first()
        return None if row is None else row.value


def xlsx(rows: list[list[Any]], *, merge: list[str] = (), title: str | None = None) -> bytes:
    """A real .xlsx written by openpyxl."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Hạnh kiểm"
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        sheet.append(row)
    for cells in merge:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# The centre's conduct table, columns in another order than the template's
# (TS HV, Yếu, TB, Khá, Tốt, KXL), headers spelt out, computed columns to be ignored.
CONDUCT_ROWS = [
    ["Khối", "Tốt", "Khá", "Trung bình", "Yếu", "Không xếp loại", "Tổng số HV", "SL", "Tỷ lệ"],
    ["THPT", 448, 77, 0, 0, 13, 538, 525, 1],
    ["Liên kết đào tạo", 120, 30, 5, 1, 4, 160, 155, 0.99],
    ["Tổng cộng", 568, 107, 5, 1, 17, 698, 680, 0.99],
]


def test_an_xlsx_with_headers_in_another_order_fills_the_conduct_table(
    cli_database: Database, period: int, tmp_path: Path
) -> None:
    file = tmp_path / "hanh-kiem.xlsx"
    file.write_bytes(xlsx(CONDUCT_ROWS, title="KẾT QUẢ XẾP LOẠI HẠNH KIỂM NĂM HỌC 2025-2026"))

    result = baocao_json(
        "import", "--period", str(period), "--question", "conduct", str(file), "--yes"
    )

    assert result["filled"] is True
    assert result["header_row"] == 2
    assert result["absent_rows"] == ["thcs"]
    assert set(result["ignored_headers"]) == {"SL", "Tỷ lệ"}
    value = stored(cli_database, period, "conduct")
    assert value == {
        "thpt": {
            "total": 538,
            "weak": 0,
            "average": 0,
            "good": 77,
            "excellent": 448,
            "unclassified": 13,
        },
        "linked": {
            "total": 160,
            "weak": 1,
            "average": 5,
            "good": 30,
            "excellent": 120,
            "unclassified": 4,
        },
    }
    state = snapshot(cli_database, period)
    assert (state["changes"], state["sources"]) == (1, ["spreadsheet:hanh-kiem.xlsx"])
    # The draft of the period (as /duthao) computes from the imported rows.
    checked = baocao_json("check", "--period", str(period))
    assert checked["period_id"] == period
    assert checked["figures"]["conduct.thpt.avg_up_rate"]["text"] == "100%"
    assert checked["figures"]["conduct.total.avg_up"]["text"] == "680"


def test_the_preview_without_yes_changes_nothing(
    cli_database: Database, period: int, tmp_path: Path
) -> None:
    file = tmp_path / "hanh-kiem.xlsx"
    file.write_bytes(xlsx(CONDUCT_ROWS))
    before = snapshot(cli_database, period)

    result = baocao("import", "--period", str(period), "--question", "conduct", str(file))

    assert result.exit_code == 1
    assert "THPT: TS HV 538" in result.stdout
    assert "--yes" in result.stderr
    assert snapshot(cli_database, period) == before


def test_a_csv_with_a_bom_semicolons_and_abbreviations_fills_the_academic_table(
    cli_database: Database, period: int, tmp_path: Path
) -> None:
    file = tmp_path / "hoc-luc.csv"
    text = (
        "KHỐI;TS HV;Giỏi;Khá;TB;Yếu;Kém;SL;TL\n"
        "Khối THPT;538;87;214;193;41;3;494;91,82%\n"
        "THCS;-;-;-;-;-;-;;\n"
    )
    file.write_bytes(text.encode("utf-8-sig"))

    baocao_json("import", "--period", str(period), "--question", "academic", str(file), "--yes")

    assert stored(cli_database, period, "academic") == {
        "thpt": {
            "total": 538,
            "poor": 3,
            "weak": 41,
            "average": 193,
            "good": 214,
            "excellent": 87,
        },
        "thcs": None,
    }


def test_a_row_failing_a_check_is_filled_with_the_check_shown_and_kept(
    cli_database: Database, period: int, tmp_path: Path
) -> None:
    file = tmp_path / "hanh-kiem.csv"
    file.write_text("Khối,TS HV,Yếu,TB,Khá,Tốt,KXL\nTHPT,540,0,0,77,448,13\n", encoding="utf-8")

    result = baocao("import", "--period", str(period), "--question", "conduct", str(file), "--yes")

    assert result.exit_code == 0, result.output
    assert "⚠️" in result.stdout and "540" in result.stdout
    kept = snapshot(cli_database, period)["kept"]
    assert kept
    # As in the draft, `check --period` still lists the kept check, marked kept.
    warnings = baocao_json("check", "--period", str(period))["warnings"]
    assert {w["key"] for w in warnings if w["confirmed"]} == set(kept)


def _protected() -> bytes:
    """The start of an encrypted Office file: an OLE file holding an EncryptedPackage."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 512
        + "EncryptedPackage".encode("utf-16-le")
    )


def _huge_csv() -> bytes:
    return ("Khối,TS HV,Yếu,TB,Khá,Tốt,KXL\n" + "THPT,1,0,0,0,1,0\n" * 10_001).encode()


def _formula() -> bytes:
    rows = [
        ["Khối", "TS HV", "Yếu", "TB", "Khá", "Tốt", "KXL"],
        ["THPT", "=SUM(C2:G2)", 0, 0, 77, 448, 13],
    ]
    return xlsx(rows)


def _merged_header() -> bytes:
    rows = [
        ["Khối", "TS HV", "Xếp loại", None, None, None, "KXL"],
        [None, None, "Yếu", "TB", "Khá", "Tốt", None],
        ["THPT", 538, 0, 0, 77, 448, 13],
    ]
    return xlsx(rows, merge=["C1:F1", "A1:A2", "B1:B2", "G1:G2"])


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("bao-cao.xlsx", lambda: b"%PDF-1.7 not a spreadsheet", "không phải bảng tính"),
        ("anh.csv", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00", "không phải bảng tính"),
        ("mat-khau.xlsx", _protected, "mật khẩu"),
        ("lon.csv", _huge_csv, "quá nhiều dòng"),
        ("rat-lon.xlsx", lambda: b"PK\x03\x04" + b"0" * (5 * 1024 * 1024), "quá lớn"),
        ("cong-thuc.xlsx", _formula, "Ô B2 là công thức chưa được tính"),
        ("gop-o.xlsx", _merged_header, "ô gộp"),
        (
            "thieu-cot.csv",
            lambda: "Khối,TS HV,Yếu,TB,Khá\nTHPT,538,0,0,77\n".encode(),
            "thiếu cột: Tốt, KXL",
        ),
        (
            "chu.csv",
            lambda: "Khối,TS HV,Yếu,TB,Khá,Tốt,KXL\nTHPT,chưa có,0,0,77,448,13\n".encode(),
            "Ô B2",
        ),
        (
            "hai-lan.csv",
            lambda: "Khối,TS HV,Yếu,TB,Khá,Tốt,KXL\nTHPT,1,0,0,0,1,0\nTHPT,2,0,0,0,2,0\n".encode(),
            "hai lần",
        ),
    ],
)
def test_a_bad_file_is_refused_clearly_and_changes_nothing(
    cli_database: Database, period: int, tmp_path: Path, name: str, make: Any, message: str
) -> None:
    good = tmp_path / "truoc.csv"
    good.write_text("Khối,TS HV,Yếu,TB,Khá,Tốt,KXL\nTHCS,10,0,0,5,5,0\n", encoding="utf-8")
    baocao_json("import", "--period", str(period), "--question", "conduct", str(good), "--yes")
    before = snapshot(cli_database, period)
    file = tmp_path / name
    file.write_bytes(make())

    result = baocao("import", "--period", str(period), "--question", "conduct", str(file), "--yes")

    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(cli_database, period) == before


def test_a_final_period_takes_no_import(
    cli_database: Database, period: int, tmp_path: Path
) -> None:
    baocao_json("period", "final", "--period", str(period))
    file = tmp_path / "hanh-kiem.xlsx"
    file.write_bytes(xlsx(CONDUCT_ROWS))
    before = snapshot(cli_database, period)

    result = baocao("import", "--period", str(period), "--question", "conduct", str(file), "--yes")

    assert result.exit_code == 2
    assert "đã hoàn tất" in result.stderr
    assert snapshot(cli_database, period) == before


# -- period fill, render and check of a period -------------------------------------------


def test_period_fill_stores_the_sample_answers_and_drafts_the_period(
    cli_database: Database, period: int, tmp_path: Path
) -> None:
    report = baocao_json("period", "fill", "--period", str(period), "--answers", str(SAMPLE))

    assert report["refused"] == []
    assert "conduct" in report["stored"]
    state = snapshot(cli_database, period)
    assert len(state["answers"]) == len(report["stored"])
    assert state["changes"] == len(report["stored"])
    assert state["sources"] == ["file:sample-answers.yaml"]
    out = tmp_path / "du-thao.docx"
    result = baocao("render", "--period", str(period), "--out", str(out))
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "Phú Nhuận" in text
    cells = {
        c.text for table in Document(str(out)).tables for row in table.rows for c in row.cells
    }
    assert "538" in cells
    checked = baocao_json("check", "--period", str(period))
    from_file = baocao_json("check", "--template", KIND, "--answers", str(SAMPLE))
    assert checked["figures"] == from_file["figures"]


def test_period_fill_refuses_bad_answers_one_by_one(
    cli_database: Database, period: int, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        f"template: {KIND}\n"
        "answers:\n"
        "  conduct:\n"
        "    thpt: 538 0 0 77 448 13\n"
        "  academic:\n"
        "    thpt: [538, 3, 41, 193, 214, 87]\n"
        "    grade_13: [1, 0, 0, 0, 0, 1]\n"
        "  learning_titles: 34194 23523\n"
        "  competitions: Hội thi Đầu bếp trẻ\n"
        "  enrolled: nhiều lắm\n"
        "  no_such_question: 3\n",
        encoding="utf-8",
    )

    result = baocao("period", "fill", "--period", str(period), "--answers", str(answers), "--json")

    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["stored"] == ["conduct"]
    refused = {r["question"]: r["reason"] for r in report["refused"]}
    assert set(refused) == {
        "academic",
        "learning_titles",
        "competitions",
        "enrolled",
        "no_such_question",
    }
    assert "«nhiều lắm» không phải là một số" in refused["enrolled"]
    assert "bảng không có dòng mã grade_13" in refused["academic"]
    assert "bảng cần mỗi dòng theo mã" in refused["learning_titles"]
    assert "danh sách cần các mục" in refused["competitions"]
    assert stored(cli_database, period, "conduct")["thpt"]["total"] == 538
    assert stored(cli_database, period, "enrolled") is None


@pytest.mark.parametrize("broken", ["answers: [1, 2\n", "template: other-kind\nanswers: {}\n"])
def test_period_fill_refuses_a_bad_file_or_a_final_period_and_stores_nothing(
    cli_database: Database, period: int, tmp_path: Path, broken: str
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(broken, encoding="utf-8")
    result = baocao("period", "fill", "--period", str(period), "--answers", str(answers))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    baocao_json("period", "final", "--period", str(period))
    result = baocao("period", "fill", "--period", str(period), "--answers", str(SAMPLE))
    assert result.exit_code == 2
    assert "đã hoàn tất" in result.stderr
    assert snapshot(cli_database, period)["answers"] == []


def test_period_list_shows_the_units_periods(cli_database: Database, period: int) -> None:
    with cli_database.session() as session:
        from models import Period

        unit_id = session.get(Period, period).unit_id
    listed = baocao_json("period", "list", "--unit", str(unit_id))
    assert listed == [
        {
            "period_id": period,
            "unit_id": unit_id,
            "template": KIND,
            "year": "2025-2026",
            "term": None,
            "deadline": "2026-06-30",
            "status": "open",
            "parent_period_id": None,
        }
    ]


def test_the_export_names_the_file_each_loaded_answer_came_from(
    cli_database: Database, period: int, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from models import Period

    baocao_json("period", "fill", "--period", str(period), "--answers", str(SAMPLE))
    file = tmp_path / "hanh-kiem.xlsx"
    file.write_bytes(xlsx(CONDUCT_ROWS))
    baocao_json("import", "--period", str(period), "--question", "conduct", str(file), "--yes")
    with cli_database.session() as session:
        unit_id = session.get(Period, period).unit_id  # type: ignore[union-attr]
    out = tmp_path / "xuat.xlsx"
    baocao_json("export", "--unit", str(unit_id), "--out", str(out))

    rows = list(load_workbook(out)["Lịch sử sửa"].iter_rows(values_only=True))[1:]
    authors = {(row[5], row[1]) for row in rows}
    assert ("enrolled", "nhập từ tệp «sample-answers.yaml»") in authors
    assert ("conduct", "nhập từ bảng tính «hanh-kiem.xlsx»") in authors


def windows_1258(text: str) -> bytes:
    """Text as Vietnamese Windows saves CSV: base letters with a separate tone mark."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", decomposed[:-1])
            out += (base + decomposed[-1]).encode("cp1258")
    return out


def test_a_windows_1258_csv_is_read(cli_database: Database, period: int, tmp_path: Path) -> None:
    file = tmp_path / "hanh-kiem.csv"
    file.write_bytes(
        windows_1258(
            "Khối,Tổng số HV,Yếu,Trung bình,Khá,Tốt,Không xếp loại\nTHPT,538,0,0,77,448,13\n"
        )
    )

    baocao_json("import", "--period", str(period), "--question", "conduct", str(file), "--yes")

    assert stored(cli_database, period, "conduct")["thpt"]["excellent"] == 448


def test_member_records_who_loaded_the_file_and_must_belong_to_the_unit(
    cli_database: Database, period: int, tmp_path: Path
) -> None:
    from bot.store import queries as store
    from models import Period

    with cli_database.session() as session:
        unit = store.unit_by_id(session, unit_id=session.get(Period, period).unit_id)  # type: ignore[union-attr]
        other = store.create_unit(session, name="Trường khác", place="Quận 3")
        teacher = store.add_member(session, unit=unit, display_name="Cô Hương", role="staff")  # type: ignore[arg-type]
        stranger = store.add_member(session, unit=other, display_name="Thầy Nam", role="staff")
        teacher_id, stranger_id = teacher.id, stranger.id
    file = tmp_path / "hanh-kiem.xlsx"
    file.write_bytes(xlsx(CONDUCT_ROWS))
    args = ["import", "--period", str(period), "--question", "conduct", str(file), "--yes"]

    refused = baocao(*args, "--member", str(stranger_id))
    assert refused.exit_code == 2
    assert snapshot(cli_database, period)["changes"] == 0

    baocao_json(*args, "--member", str(teacher_id))
    with cli_database.session() as session:
        change = session.exec(select(AnswerChange)).one()
        assert (change.member_id, change.source) == (teacher_id, "spreadsheet:hanh-kiem.xlsx")


def test_a_long_sheet_lists_only_the_first_rows_it_does_not_import(
    cli_database: Database, period: int, tmp_path: Path
) -> None:
    file = tmp_path / "ca-truong.csv"
    classes = "".join(f"Lớp {i},30,0,0,10,20,0\n" for i in range(20))
    file.write_text("Khối,TS HV,Yếu,TB,Khá,Tốt,KXL\nTHPT,538,0,0,77,448,13\n" + classes)

    result = baocao("import", "--period", str(period), "--question", "conduct", str(file), "--yes")

    assert result.exit_code == 0, result.output
    assert "Lớp 7 … và 12 mục khác" in result.stdout
    assert "Lớp 8," not in result.stdout

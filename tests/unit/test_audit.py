"""Audit of a report someone else wrote: the seed reports' figures, right and wrong.

The sentences and table rows come from the seed reports in ../shared/seeds, quoted under
tests/fixtures/audit so the suite runs from a clone alone.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.table import Table as DocxTable
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.cli import app
from bot.conversation.events import Attachment
from bot.core.numbers import format_decimal, format_integer, round_half_up
from bot.core.rates import rate
from bot.figure_check import AuditReport, audit_blocks, audit_bytes, audit_path, chat_summary
from bot.figure_check.source import Paragraph, Table, read_docx, read_text
from tests.support.docx_helpers import with_damaged_body
from tests.support.transcript import Chat

FIXTURES = Path(__file__).parents[1] / "fixtures" / "audit"


def _lines(name: str) -> list[str]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _audit(text: str) -> AuditReport:
    return audit_blocks(read_text(text), "test.txt")


def _found(report: AuditReport) -> list[tuple[str, str, str]]:
    return [(f.kind, f.stated, f.expected) for f in report.findings]


# -- sentences of the seeds -----------------------------------------------------------------


@pytest.mark.parametrize("sentence", _lines("correct.txt"))
def test_correct_seed_figures_raise_nothing(sentence: str) -> None:
    report = _audit(sentence)
    assert report.checked >= 1, "the figure was not even read"
    assert report.findings == []


@pytest.mark.parametrize("sentence", _lines("unchecked.txt"))
def test_ambiguous_seed_figures_are_left_alone(sentence: str) -> None:
    report = _audit(sentence)
    assert report.findings == []


@pytest.mark.parametrize(
    ("needle", "kind", "stated", "expected"),
    [
        ("29/36 Dòng họ học tập", "rate", "80.55%", "80,56%"),
        ("Tổng số trường: 34", "total", "34", "44"),
        ("Tổng số giáo viên: 856", "total", "856", "853"),
        ("Tổng số học sinh: 17334", "total", "17.334", "18.130"),
        ("Tổng số học sinh: 15141", "total", "15.141", "13.235"),
        ("1704/3335", "rate", "52.1%", "51,1%"),
        # Phrasings reports use besides "a/b": a part of a total "trong đó", "trên tổng số".
        ("tốt 847 em đạt 89,32%", "rate", "89,32%", "88,32%"),
        ("847 em, chiếm tỷ lệ 88,23%", "rate", "88,23%", "88,32%"),
        ("tốt 448 em, đạt tỉ lệ 83,33%", "rate", "83,33%", "83,27%"),
        ("312 học viên trên tổng số 320", "rate", "97,25%", "97,50%"),
        ("847/959 em, chiếm tỷ lệ 89,32%", "rate", "89,32%", "88,32%"),
    ],
)
def test_wrong_seed_figures_are_caught_in_context(
    needle: str, kind: str, stated: str, expected: str
) -> None:
    (sentence,) = [line for line in _lines("wrong.txt") if needle in line]
    report = _audit(sentence)
    assert _found(report) == [(kind, stated, expected)]
    finding = report.findings[0]
    assert needle in finding.context
    assert stated.replace(".", ",") in finding.message.replace(".", ",")
    assert expected in finding.message


def test_every_wrong_fixture_line_is_in_the_table() -> None:
    assert len(_lines("wrong.txt")) == 11


def test_long_sentence_is_quoted_around_the_figure() -> None:
    report = _audit(
        "- Năm học 2020 – 2021 ngành giáo dục và đào tạo cả nước tiếp tục đứng trước những "
        "khó khăn tác động từ dịch Covid-19, nỗ lực duy trì sĩ số, tỉ lệ học viên nghỉ bỏ học "
        "là 53/591 (chiếm tỉ lệ 8,79%; thấp hơn so với năm học trước)."
    )
    (finding,) = report.findings
    assert finding.context.startswith("…")
    assert finding.context.endswith("53/591 (chiếm tỉ lệ 8,79%")
    assert (finding.stated, finding.expected) == ("8,79%", "8,97%")


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        ("Tốt nghiệp đạt 99,73% (3737/3747).", []),
        ("Tốt nghiệp đạt 99,37% (3737/3747).", [("rate", "99,37%", "99,73%")]),
        ("Tỉ lệ lên lớp 91,82%, năm học trước 89,87%, tăng 1,95%.", []),
        (
            "Tỉ lệ lên lớp 91,82%, năm học trước 89,87%, tăng 2,95%.",
            [("change", "tăng 2,95%", "tăng 1,95 điểm phần trăm")],
        ),
        (
            "Tỉ lệ lên lớp 89,87%, năm học trước 91,82%, tăng 1,95%.",
            [("change", "tăng 1,95%", "giảm 1,95 điểm phần trăm")],
        ),
        (
            "Có 2.279 học viên, trong đó 2.297 học viên được cấp chứng chỉ.",
            [("part", "2.297", "≤ 2.279")],
        ),
        ("Có 56 người, trong đó: 36 viên chức và 21 người HĐLĐ.", [("total", "56", "57")]),
        # Without the colon the parts may overlap: only each against the total.
        ("Có 56 người, trong đó 30 nữ và 40 đảng viên.", []),
        # Dates and document numbers are not ratios.
        ("Ngày 30/6/2021 đạt 95%.", []),
        ("Báo cáo trước ngày 30/6 đạt 100%.", []),
        ("Kết quả năm học 2020/2021 đạt 95%.", []),
        # ...but 1.900 of 1.901 learners is a ratio like any other.
        ("Có 1.900/1.901 học viên đạt yêu cầu (chiếm tỉ lệ 98%).", [("rate", "98%", "99,95%")]),
    ],
)
def test_prose_patterns(sentence: str, found: list[tuple[str, str, str]]) -> None:
    report = _audit(sentence)
    assert _found(report) == found


# -- the seed's conduct and academic tables -------------------------------------------------


def test_seed_tables_as_text_catch_the_522() -> None:
    report = audit_path(FIXTURES / "tong-ket-bang-xep-loai.txt")
    # The rate 100% is right: 525 of the 525 ranked (13 HV are "không xếp loại").
    assert _found(report) == [
        ("average_or_better", "522", "525"),
        ("average_or_better", "522", "525"),
    ]
    # Both rows (THPT and Tổng) of the conduct table, and nothing of the academic one.
    assert [f.context.split(" — ")[1].split(":")[0] for f in report.findings] == [
        "THPT",
        "Tổng",
    ]
    first = report.findings[0]
    assert first.context.startswith("3.2.1. Về hạnh kiểm:")
    assert "Khá 77; Tốt 448; SL 522" in first.context
    assert "77 (Khá) + 448 (Tốt) = 525" in first.message
    # Conduct: SL, rate, change, distribution per row; academic: the same, all right.
    assert report.checked == 16


CONDUCT_HEADER = ["KHỐI", "TS HV", "Yếu", "TB", "Khá", "Tốt"]
ACADEMIC_HEADER = ["KHỐI", "TS HV", "Kém", "Yếu", "TB", "Khá", "Giỏi"]


def _distribution_table(
    document: DocxDocument, categories: list[str], rows: list[list[str]]
) -> DocxTable:
    """A table shaped like the seed's: merged header cells over two rows."""
    width = len(categories) + 4
    table = document.add_table(rows=2 + len(rows), cols=width)
    for index, label in enumerate(categories):
        table.cell(0, index).merge(table.cell(1, index)).text = label
    table.cell(0, len(categories)).merge(table.cell(0, width - 1)).text = "Từ trung bình trở lên"
    for offset, label in enumerate(["SL", "Tỷ lệ\n2020-2021", "Tỷ lệ\n2019-2020", "Tăng/giảm"]):
        table.cell(1, len(categories) + offset).text = label
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    return table


def _seed_docx(
    *, conduct_sl: str = "522", conduct_rate: str = "100%", conduct_change: str = "0"
) -> bytes:
    document = Document()
    document.add_paragraph("3.2.1. Về hạnh kiểm:")
    conduct = ["538", "", "", "77", "448", conduct_sl, conduct_rate, "100%", conduct_change]
    _distribution_table(
        document,
        CONDUCT_HEADER,
        [
            ["THCS", "0"] + [""] * 8,
            ["THPT", *conduct],
            ["Liên kết đào tạo"] + [""] * 9,
            ["Tổng", *conduct],
        ],
    )
    document.add_paragraph("Ghi chú: Có 13 HV thuộc diện không xếp loại hạnh kiểm")
    document.add_paragraph("3.2.2. Về học lực:")
    academic = ["538", "3", "41", "193", "214", "87", "494", "91.82%", "89.87%", "Tăng\n1.95%"]
    _distribution_table(document, ACADEMIC_HEADER, [["THPT", *academic], ["Tổng", *academic]])
    document.add_paragraph(
        "Năm 2020 toàn quận có 23.523/34.194 gia đình học tập (đạt 68.79%); "
        "29/36 Dòng họ học tập (tỉ lệ 80.55%); 56/60 cộng đồng học tập (tỉ lệ 93.33%)."
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_blocks_come_in_document_order_with_merged_cells_repeated() -> None:
    blocks = read_docx(_seed_docx())
    assert [type(b).__name__ for b in blocks] == [
        "Paragraph",
        "Table",
        "Paragraph",
        "Paragraph",
        "Table",
        "Paragraph",
    ]
    table = blocks[1]
    assert isinstance(table, Table)
    assert table.rows[0][6:] == ["Từ trung bình trở lên"] * 4
    assert table.rows[1][:2] == ["KHỐI", "TS HV"]


def test_docx_seed_errors_are_caught() -> None:
    report = audit_bytes(_seed_docx(), "bao-cao.docx")
    assert _found(report) == [
        ("average_or_better", "522", "525"),
        ("average_or_better", "522", "525"),
        ("rate", "80.55%", "80,56%"),
    ]
    assert report.checked == 16 + 3


def test_docx_with_the_figures_corrected_is_all_right() -> None:
    corrected = _seed_docx(conduct_sl="525")
    report = audit_bytes(corrected, "x.docx")
    assert _found(report) == [("rate", "80.55%", "80,56%")]


def test_change_column_against_the_two_rates() -> None:
    # With the rate corrected to 97,58%, the seed's "0" against last year's 100% is wrong.
    report = audit_blocks(
        [
            Paragraph("Bảng"),
            Table(
                [
                    ["KHỐI", "TS HV", "Khá", "Tốt", "Từ trung bình trở lên"],
                    ["", "", "", "", "SL", "Tỷ lệ 2020-2021", "Tỷ lệ 2019-2020", "Tăng/giảm"],
                    ["Tổng", "538", "77", "448", "525", "97,58%", "100%", "0"],
                ]
            ),
        ],
    )
    assert _found(report) == [("change", "0", "giảm 2,42 điểm phần trăm")]


@pytest.mark.parametrize(
    ("row", "found"),
    [
        # Parts and "không xếp loại" (a column) must make the total.
        # Rates are over the ranked learners: the total less "không xếp loại".
        (["Tổng", "100", "10", "20", "60", "5", "80", "84,21%"], [("distribution", "100", "95")]),
        (["Tổng", "100", "10", "20", "65", "5", "85", "89,47%"], []),
        (["Tổng", "100", "10", "20", "65", "5", "85", "85%"], [("rate", "85%", "89,47%")]),
        # Parts above the total.
        (["Tổng", "40", "10", "20", "15", "5", "35", "100%"], [("distribution", "40", "50")]),
    ],
)
def test_distribution_with_an_unranked_column(
    row: list[str], found: list[tuple[str, str, str]]
) -> None:
    header = ["Khối", "Tổng số", "Yếu", "TB", "Khá", "KXL", "Từ TB trở lên"]
    sub = ["", "", "", "", "", "", "SL", "Tỷ lệ"]
    report = audit_blocks([Table([header, sub, row])])
    assert _found(report) == found


def test_distribution_parts_above_the_total() -> None:
    header = ["Khối", "TS HS", "Yếu", "TB", "Khá", "Giỏi"]
    rows = [["Khối 10", "50", "5", "20", "20", "10"], ["Khối 11", "60", "5", "20", "20", "10"]]
    report = audit_blocks([Paragraph("Học lực"), Table([header, *rows])])
    assert _found(report) == [("distribution", "55", "≤ 50")]
    assert (
        report.findings[0].context == "Học lực — Khối 10: TS HS 50; Yếu 5; TB 20; Khá 20; Giỏi 10"
    )


def test_table_without_a_total_column_is_not_read() -> None:
    rows = [["Môn", "Toán", "Vật lý"], ["Đăng ký dự thi", "7", "5"], ["Đạt", "5", "9"]]
    assert audit_blocks([Table(rows)]).checked == 0


# -- property tests -------------------------------------------------------------------------


@st.composite
def ratios(draw: st.DrawFn) -> tuple[int, int, int, str]:
    total = draw(st.integers(min_value=1, max_value=2_000_000))
    part = draw(st.integers(min_value=0, max_value=total))
    places = draw(st.sampled_from([0, 1, 2]))
    mark = draw(st.sampled_from([",", "."]))
    return part, total, places, mark


def _sentence(part: int, total: int, shown: Decimal, places: int, mark: str) -> str:
    figure = format_decimal(shown, places).replace(".", "").replace(",", mark)
    return (
        f"Kết quả có {format_integer(part)}/{format_integer(total)} học viên "
        f"đạt yêu cầu (chiếm tỉ lệ {figure}%)."
    )


@settings(max_examples=300, deadline=None)
@given(ratios())
def test_right_rate_is_never_flagged(case: tuple[int, int, int, str]) -> None:
    part, total, places, mark = case
    exact = rate(part * 10**6, total)
    assert exact is not None
    shown = round_half_up(exact / 10**6, places)
    report = _audit(_sentence(part, total, shown, places, mark))
    assert (report.checked, report.findings) == (1, [])


@settings(max_examples=300, deadline=None)
@given(ratios(), st.integers(min_value=2, max_value=500), st.booleans())
@example((1900, 1901, 0, ","), 2, False)  # once mistaken for the school year 1900/1901
def test_wrong_rate_is_always_flagged(
    case: tuple[int, int, int, str], units: int, up: bool
) -> None:
    part, total, places, mark = case
    exact = rate(part * 10**6, total)
    assert exact is not None
    shown = round_half_up(exact / 10**6, places)
    wrong = shown + (units if up else -units) * Decimal(1).scaleb(-places)
    if not Decimal(0) <= wrong <= Decimal(100):
        wrong = shown - (units if up else -units) * Decimal(1).scaleb(-places)
    if not Decimal(0) <= wrong <= Decimal(100):
        return
    report = _audit(_sentence(part, total, wrong, places, mark))
    assert report.checked == 1
    (finding,) = report.findings
    assert finding.kind == "rate"
    assert f"{format_integer(part)}/{format_integer(total)}" in finding.context


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=99_999),
    st.integers(min_value=0, max_value=99_999),
    st.integers(min_value=-50, max_value=50),
)
def test_public_and_private_add_up_to_the_total(public: int, private: int, error: int) -> None:
    total = public + private + error
    if total < 0:
        return
    report = _audit(f"+ Tổng số học sinh: {total} (công lập: {public}; ngoài công lập: {private})")
    assert report.checked == 1
    if error:
        assert _found(report) == [
            ("total", format_integer(total), format_integer(public + private))
        ]
    else:
        assert report.findings == []


percents = st.decimals(min_value=0, max_value=100, places=2)


@settings(max_examples=200, deadline=None)
@given(percents, percents)
def test_stated_change_is_the_difference_of_the_rates(current: Decimal, previous: Decimal) -> None:
    delta = current - previous
    word = "tăng" if delta >= 0 else "giảm"

    def shown(value: Decimal) -> str:
        return format_decimal(value, 2)

    right = (
        f"Tỉ lệ năm nay {shown(current)}%, năm học trước {shown(previous)}%, "
        f"{word} {shown(abs(delta))}%."
    )
    assert _audit(right).findings == []
    off = abs(delta) - 1 if abs(delta) >= 1 else abs(delta) + 1
    wrong = right.replace(f"{word} {shown(abs(delta))}%", f"{word} {shown(off)}%")
    assert [f.kind for f in _audit(wrong).findings] == ["change"]


# -- command line and chat ------------------------------------------------------------------


def test_cli_audit_json(tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.docx"
    path.write_bytes(_seed_docx())
    result = CliRunner().invoke(app, ["audit", str(path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["file"] == "bao-cao.docx"
    assert payload["checked"] == 19
    assert len(payload["findings"]) == 3
    assert set(payload["findings"][0]) == {"kind", "context", "stated", "expected", "message"}
    assert payload["findings"][0]["expected"] == "525"


def test_cli_audit_text() -> None:
    result = CliRunner().invoke(app, ["audit", str(FIXTURES / "wrong.txt")])
    assert result.exit_code == 0, result.output
    assert "Đã kiểm tra 15 số liệu" in result.output
    assert "11 chỗ chưa khớp" in result.output
    assert "«29/36 Dòng họ học tập (tỉ lệ 80.55%)»" in result.output
    assert "đúng là: 80,56%" in result.output


def test_cli_audit_all_right() -> None:
    result = CliRunner().invoke(app, ["audit", str(FIXTURES / "correct.txt")])
    assert result.exit_code == 0
    assert "tất cả đều đúng" in result.output


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("hong.docx", b"PK\x03\x04 not really a zip"),
        ("hong-noi-dung.docx", "damaged-xml"),
        ("la.txt", b"\xff\xfe\x00bad"),
    ],
)
def test_cli_audit_unreadable_file(tmp_path: Path, name: str, data: bytes | str) -> None:
    path = tmp_path / name
    if data == "damaged-xml":
        path.write_bytes(with_damaged_body(_seed_docx()))
    elif isinstance(data, bytes):
        path.write_bytes(data)
    result = CliRunner().invoke(app, ["audit", str(path)])
    assert result.exit_code == 2
    assert "Không đọc được tệp" in result.output


def test_chat_docx_is_audited_then_the_question_repeated(chat: Chat) -> None:
    chat.say("/start")
    chat.say("/tiep")
    chat.attach("photo")
    current = [getattr(r, "text", None) for r in chat.replies[1:]]
    assert current, "the photo reply repeats the current question"
    chat.send(Attachment("document", "bao-cao-tong-ket.docx", _seed_docx()))
    assert "3 chỗ chưa khớp" in chat.replies[0].text  # type: ignore[union-attr]
    assert "Ghi: 522 → đúng là: 525" in chat.text
    assert "80,56%" in chat.text
    assert [getattr(r, "text", None) for r in chat.replies[1:]] == current


def test_chat_lists_the_first_findings_only() -> None:
    findings_text = "\n".join(
        f"+ Tổng số lớp: {n} (công lập: 1; ngoài công lập: 1)" for n in range(10, 18)
    )
    summary = chat_summary(_audit(findings_text), limit=5)
    assert "8 chỗ chưa khớp" in summary
    assert "… và còn 3 chỗ chưa khớp khác." in summary
    assert summary.count("Ghi:") == 5


def test_chat_unreadable_docx_and_other_files(chat: Chat) -> None:
    chat.say("/start")
    chat.send(Attachment("document", "hong.docx", b"not a docx"))
    assert "Không đọc được tệp «hong.docx»" in chat.text
    # Without the bytes (or another kind of file) the old answer stays.
    chat.send(Attachment("document", "so-lieu.pdf", b"x"))
    assert "tệp đính kèm" in chat.text

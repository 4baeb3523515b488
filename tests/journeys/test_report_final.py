"""What a clerk signs: short placeholders, printed blank rows, change sentences, the
clean version, dated and kept drafts, PDF from the command line and /duthao."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.demo import DemoPlayer
from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import ButtonPress, Command, Sender
from bot.core.clock import VIETNAM
from bot.core.replies import DocumentReply, Reply
from bot.questionnaire.loader import sample_answers_path
from bot.report.answers_file import AnswersFile, load_answers_file
from bot.report.build import IncompleteReportError, render_draft
from bot.report.history import DraftHistory, stamped_name
from bot.store.database import Database
from tests.conftest import FIXTURE_TEMPLATES
from tests.support.docx_helpers import open_docx, run_with, table_with, text_of
from tests.support.factories import open_unit

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
runner = CliRunner()


@pytest.fixture(scope="module")
def sample() -> AnswersFile:
    return load_answers_file(sample_answers_path(KIND))


def _half(sample: AnswersFile) -> dict[str, Any]:
    """The sample's answers with every other one left out."""
    return {key: value for index, (key, value) in enumerate(sample.values.items()) if index % 2}


def test_a_missing_answer_after_its_label_is_a_short_placeholder(sample: AnswersFile) -> None:
    values = {k: v for k, v in sample.values.items() if k != "directive_31"}
    document = open_docx(render_draft(sample.template, sample.frame, values, set()).data)
    text = text_of(document)
    assert "năm 2019 của Thủ tướng Chính phủ: [Chưa có]" in text
    assert "[Chưa có: Kết quả thực hiện Chỉ thị số 31" not in text
    assert run_with(document, "[Chưa có]").font.highlight_color is not None


def test_a_row_typed_as_a_dash_prints_a_dash(sample: AnswersFile) -> None:
    assert sample.values["academic"]["thcs"] is None  # the seed's THCS row was typed "-"
    document = open_docx(render_draft(sample.template, sample.frame, sample.values, set()).data)
    table = table_with(document, "Tăng/giảm")
    thcs = next(row for row in table.rows if row.cells[0].text == "THCS")
    assert {cell.text for cell in thcs.cells[1:]} == {"-"}


def test_a_change_of_a_rate_reads_in_percentage_points(sample: AnswersFile) -> None:
    document = open_docx(render_draft(sample.template, sample.frame, sample.values, set()).data)
    text = text_of(document)
    assert "So với năm học trước: giảm 7,36 điểm phần trăm." in text
    # In a table cell it starts a line, so upper case; the same 2 decimals.
    assert "Tăng 1,95 điểm phần trăm" in text
    assert not re.search(r"(?i)(tăng|giảm) \d+(,\d+)?%", text)


def test_the_clean_version_has_no_mark_no_notes_and_needs_every_answer(
    sample: AnswersFile,
) -> None:
    draft = render_draft(sample.template, sample.frame, sample.values, set(), clean=True)
    assert draft.file_name.endswith("-ban-sach.docx")
    document = open_docx(draft.data)
    assert "GHI CHÚ DỰ THẢO" not in text_of(document)
    assert "DỰ THẢO" not in document.sections[0].first_page_header._element.xml
    with pytest.raises(IncompleteReportError):
        render_draft(sample.template, sample.frame, _half(sample), set(), clean=True)


def test_a_draft_with_missing_answers_is_marked_on_its_first_page(sample: AnswersFile) -> None:
    document = open_docx(render_draft(sample.template, sample.frame, _half(sample), set()).data)
    first_page = document.sections[0].first_page_header
    assert "DỰ THẢO" in "".join(p.text for p in first_page.paragraphs)


def test_a_draft_dated_before_the_school_year_ends_says_so(sample: AnswersFile) -> None:
    early = replace(sample.frame, report_date=date(2021, 4, 20))
    draft = render_draft(sample.template, early, sample.values, set())
    text = text_of(open_docx(draft.data))
    assert "Lưu ý:" in text
    assert "20/04/2021, trước khi năm học 2020 - 2021 kết thúc (31/05/2021)" in text
    on_time = render_draft(sample.template, sample.frame, sample.values, set())
    assert on_time.context.notes == []
    assert "Lưu ý:" not in text_of(open_docx(on_time.data))


def test_kept_drafts_are_dated_and_never_overwritten(tmp_path: Path) -> None:
    history = DraftHistory(tmp_path)
    first = datetime(2026, 12, 6, 14, 5, 12, tzinfo=VIETNAM)
    second = datetime(2026, 12, 6, 14, 5, 40, tzinfo=VIETNAM)
    name = "Bao-cao-tong-ket.docx"
    assert stamped_name(name, first) == "Bao-cao-tong-ket-du-thao-20261206-140512.docx"
    history.keep(7, stamped_name(name, second), b"second")
    history.keep(7, stamped_name(name, first), b"first")
    kept = history.drafts(7)
    assert [draft.data for draft in kept] == [b"first", b"second"]
    last = history.last(7)
    assert last is not None and last.made_at == second
    assert history.last(8) is None


def _render(*args: str) -> Any:
    return runner.invoke(
        app, ["render", "--template", KIND, "--answers", str(sample_answers_path(KIND)), *args]
    )


def test_render_without_libreoffice_says_so_for_a_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "bao-cao.pdf"
    result = _render("--out", str(out))
    assert result.exit_code == 2
    assert "chưa cài LibreOffice" in result.stderr
    assert not out.exists()


def test_render_refuses_a_clean_version_of_an_incomplete_file(tmp_path: Path) -> None:
    half = tmp_path / "half.yaml"
    text = sample_answers_path(KIND).read_text(encoding="utf-8")
    half.write_text(text.split("\nanswers:")[0] + "\nanswers:\n  enrolled: 591\n", "utf-8")
    result = runner.invoke(
        app,
        [
            "render",
            "--template",
            KIND,
            "--answers",
            str(half),
            "--out",
            str(tmp_path / "x.docx"),
            "--clean",
        ],
    )
    assert result.exit_code == 2
    assert "bản sạch" in result.stderr


@pytest.mark.slow
def test_render_writes_a_pdf_of_the_clean_version(tmp_path: Path) -> None:
    from tests.support.docx_helpers import pdf_text, require_tool

    require_tool("soffice")
    out = tmp_path / "bao-cao.pdf"
    result = _render("--out", str(out), "--clean")
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    text = pdf_text(out)
    assert "Nơi nhận:" in text and "GHI CHÚ DỰ THẢO" not in text


# -- /duthao in a chat ----------------------------------------------------------------------


def _director(database: Database, answers: AnswersFile) -> Sender:
    sender = Sender("console", "director-1", "Giám đốc")
    with database.session() as session:
        frame = answers.frame
        open_unit(
            session,
            name=frame.unit_name,
            parent_body=frame.parent_body,
            place=frame.place,
            signer_title=frame.signer_title,
            signer_name=frame.signer_name,
            is_demo=True,
            director="Nguyễn Văn A",
            channel=sender.channel,
            external_id=sender.external_id,
            template_id=answers.template.id,
            template_version=answers.template.version,
            year=frame.year,
            report_date=frame.report_date,
        )
    return sender


def _press(
    engine: ConversationEngine, sender: Sender, replies: list[Any], label: str
) -> list[Any]:
    for reply in replies:
        if isinstance(reply, Reply):
            for row in reply.buttons:
                for button in row:
                    if button.label == label:
                        return engine.handle(sender, ButtonPress(button.code))
    raise AssertionError(f"no button {label!r}")


def test_duthao_keeps_each_draft_resends_the_last_and_offers_the_clean_version(
    database: Database, tmp_path: Path
) -> None:
    answers = load_answers_file(
        FIXTURE_TEMPLATES / "mini-report" / "sample-answers.yaml", root=FIXTURE_TEMPLATES
    )
    drafts = tmp_path / "drafts"
    engine = ConversationEngine(
        database, EngineOptions(templates_root=FIXTURE_TEMPLATES, drafts_dir=drafts)
    )
    sender = _director(database, answers)
    with time_machine.travel(datetime(2021, 6, 10, 9, 0, tzinfo=VIETNAM), tick=False):
        first = DemoPlayer(engine, sender, answers).play()
    with time_machine.travel(datetime(2021, 6, 10, 9, 30, tzinfo=VIETNAM), tick=False):
        replies = engine.handle(sender, Command("duthao"))
    second = next(r for r in replies if isinstance(r, DocumentReply))
    assert first.file_name.endswith("-du-thao-20210610-090000.docx")
    assert second.file_name.endswith("-du-thao-20210610-093000.docx")
    assert sorted(p.name for p in drafts.rglob("*.docx")) == [first.file_name, second.file_name]
    labels = [b.label for r in replies if isinstance(r, Reply) for row in r.buttons for b in row]
    assert "📄 Bản sạch (Word)" in labels and "↩️ Gửi lại bản dự thảo trước" in labels

    resent = _press(engine, sender, replies, "↩️ Gửi lại bản dự thảo trước")
    document = next(r for r in resent if isinstance(r, DocumentReply))
    assert document.file_name == second.file_name and document.data == second.data
    assert "09:30 10/06/2021" in document.caption

    clean = _press(engine, sender, replies, "📄 Bản sạch (Word)")
    document = next(r for r in clean if isinstance(r, DocumentReply))
    assert document.file_name.endswith("-ban-sach.docx")
    assert "GHI CHÚ DỰ THẢO" not in text_of(open_docx(document.data))


def test_the_report_s_top_heading_is_ragged_like_the_numbered_ones(sample: AnswersFile) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from tests.support.docx_helpers import paragraph_with

    document = open_docx(render_draft(sample.template, sample.frame, sample.values, set()).data)
    heading = paragraph_with(document, "KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM HỌC 2020 - 2021")
    assert heading.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert all(run.bold for run in heading.runs)


@pytest.mark.slow
def test_duthao_sends_the_clean_version_as_pdf(database: Database, tmp_path: Path) -> None:
    from tests.support.docx_helpers import require_tool

    require_tool("soffice")
    answers = load_answers_file(
        FIXTURE_TEMPLATES / "mini-report" / "sample-answers.yaml", root=FIXTURE_TEMPLATES
    )
    engine = ConversationEngine(
        database, EngineOptions(templates_root=FIXTURE_TEMPLATES, drafts_dir=tmp_path)
    )
    sender = _director(database, answers)
    DemoPlayer(engine, sender, answers).play()
    replies = engine.handle(sender, Command("duthao"))
    printed = _press(engine, sender, replies, "📕 Bản sạch (PDF)")
    document = next(r for r in printed if isinstance(r, DocumentReply))
    assert document.file_name.endswith("-ban-sach.pdf")
    assert document.data.startswith(b"%PDF")

"""A spreadsheet sent in chat while a table question is open: preview, confirm, filled; a
bad file or a refusal changes nothing (mini-report fixture)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlmodel import select

from bot.conversation.events import Attachment
from bot.store.database import Database
from models import Answer, AnswerChange
from tests.support.transcript import Chat


def stored(database: Database) -> dict[str, object]:
    with database.session() as session:
        return {a.question_id: a.value for a in session.exec(select(Answer)).all()}


def changes(database: Database) -> list[tuple[str, str | None]]:
    """The audit trail: each change's question and source."""
    with database.session() as session:
        return [(c.question_id, c.source) for c in session.exec(select(AnswerChange)).all()]


def academic_xlsx() -> bytes:
    """The mini report's academic table, columns in another order, spelt out."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Khối", "Khá", "Trung bình", "Yếu", "Tổng số học viên", "Tỉ lệ"])
    sheet.append(["THPT", 301, 193, 44, 538, 0.9182])
    sheet.append(["THCS", 10, 5, 0, 15, 1])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_spreadsheet_sent_at_a_table_is_previewed_then_filled(
    chat: Chat, database: Database
) -> None:
    chat.say("/start")
    asked = chat.say("2")
    assert "Dòng 1/2: THCS" in asked
    assert "Gửi tệp để điền cả bảng" in asked

    text = chat.send(Attachment("document", "hoc-luc.xlsx", academic_xlsx()))

    assert "THPT: TS HV 538 · Yếu 44 · TB 193 · Khá 301" in text
    assert "SL 494 · Tỷ lệ 91,82%" in text
    assert "academic" not in stored(database)
    text = chat.press("Điền vào báo cáo")
    assert "✅ Đã điền «Học lực» từ tệp «hoc-luc.xlsx»" in text
    assert "Có tham gia cuộc thi" in text
    assert stored(database)["academic"] == {
        "thpt": {"total": 538, "weak": 44, "average": 193, "good": 301},
        "thcs": {"total": 15, "weak": 0, "average": 5, "good": 10},
    }
    assert changes(database) == [("academic", "spreadsheet:hoc-luc.xlsx")]


def test_a_preview_refused_or_left_changes_nothing(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("2")
    chat.send(Attachment("document", "hoc-luc.xlsx", academic_xlsx()))
    text = chat.say("không")
    assert "Đã bỏ qua tệp «hoc-luc.xlsx»" in text and "Dòng 1/2: THCS" in text
    # A typed row after a preview is an answer as usual; the file is forgotten.
    chat.send(Attachment("document", "hoc-luc.xlsx", academic_xlsx()))
    chat.say("-")
    assert stored(database)["academic"] == {"thcs": None}
    assert "Dòng 2/2: THPT" in chat.text


def test_a_bad_spreadsheet_in_chat_gets_a_message_and_the_question_again(
    chat: Chat, database: Database
) -> None:
    chat.say("/start")
    chat.say("2")
    text = chat.send(
        Attachment("document", "hoc-luc.csv", "Khối,TS HV,Yếu\nTHPT,538,44\n".encode())
    )
    assert "thiếu cột: TB, Khá" in text and "Dòng 1/2: THCS" in text
    text = chat.send(Attachment("document", "mat-khau.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))
    assert "dạng Excel cũ" in text
    assert stored(database) == {}


def test_a_spreadsheet_outside_a_table_question_says_where_to_send_it(chat: Chat) -> None:
    chat.say("/start")
    text = chat.send(Attachment("document", "hoc-luc.xlsx", academic_xlsx()))
    assert "hãy mở câu hỏi dạng bảng" in text


def test_a_preview_takes_the_short_yes_and_no_words_of_every_other_question(
    chat: Chat, database: Database
) -> None:
    # The preview once knew fewer words: "ừ" left the preview and was read as the first row.
    chat.say("/start")
    chat.say("2")
    chat.send(Attachment("document", "hoc-luc.xlsx", academic_xlsx()))
    text = chat.say("ừ")
    assert "✅ Đã điền «Học lực» từ tệp «hoc-luc.xlsx»" in text
    assert stored(database)["academic"]["thpt"] == {  # type: ignore[index]
        "total": 538,
        "weak": 44,
        "average": 193,
        "good": 301,
    }


def test_a_preview_refused_with_ko_changes_nothing(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("2")
    chat.send(Attachment("document", "hoc-luc.xlsx", academic_xlsx()))
    text = chat.say("ko")
    assert "Đã bỏ qua tệp «hoc-luc.xlsx»" in text and "Dòng 1/2: THCS" in text
    assert "academic" not in stored(database)

"""Transcripts of the conversation journeys: fill, back, skip, edit, review, resume."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from sqlmodel import select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import ButtonPress
from bot.store.database import Database
from models import Answer, AnswerChange
from tests.support.transcript import Chat


def stored(database: Database) -> dict[str, object]:
    """Every stored answer by question id, read in a fresh session."""
    with database.session() as session:
        return {a.question_id: a.value for a in session.exec(select(Answer)).all()}


def test_start_shows_the_report_and_its_sections(chat: Chat) -> None:
    text = chat.say("/start")
    assert "Báo cáo thử nghiệm" in text
    assert "1. Thông tin chung (0/5)" in text
    assert "2. Chất lượng" in text


def test_fill_a_section_then_review_and_finish(chat: Chat, database: Database) -> None:
    chat.say("/start")
    assert "Phần 1 • Câu 1/5" in chat.say("1")
    assert "Tóm tắt tình hình năm học?" in chat.text
    text = chat.say("Năm học nhiều khó khăn.\nHọc viên chuyên cần hơn.")
    assert "✅ Đã lưu" in text
    assert "Phần 1 • Câu 2/5" in text
    assert "Phần 1 • Câu 3/5" in chat.say("1.234")
    assert "Câu 4/5" in chat.say("53")
    assert "Câu 5/5" in chat.say("/boqua")
    text = chat.say("12,5")
    assert "Xem lại Phần 1" in text
    assert "1.234" in text and "12,5" in text and "(bỏ qua)" in text
    assert "🎉 Đã hoàn thành Phần 1" in chat.press("Hoàn thành phần")
    assert "✅ 1. Thông tin chung (5/5)" in chat.text
    assert stored(database)["enrolled"] == 1234
    assert stored(database)["average_score"] == "12.5"


def test_back_shows_the_stored_answer_and_keep_moves_on(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    chat.say("591")
    text = chat.press("Quay lại")
    assert "Số học viên đầu năm?" in text
    assert "Đã trả lời: 591" in text
    assert "Số học viên bỏ học?" in chat.press("Giữ nguyên")


def test_back_on_the_first_question_returns_to_the_menu(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    assert "câu đầu tiên" in chat.say("/lai")


def test_a_required_question_cannot_be_skipped(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    text = chat.say("/boqua")
    assert "bắt buộc" in text
    assert "Tóm tắt tình hình năm học?" in text


def test_edit_from_the_review_returns_to_the_review(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("1")
    for line in ["Tốt", "591", "53", "/boqua", "/boqua"]:
        chat.say(line)
    assert "Xem lại Phần 1" in chat.text
    text = chat.say("2")
    assert "Số học viên đầu năm?" in text and "Đã trả lời: 591" in text
    text = chat.say("600")
    assert "Xem lại Phần 1" in text and "600" in text
    with database.session() as session:
        changes = session.exec(
            select(AnswerChange).where(AnswerChange.question_id == "enrolled")
        ).all()
    assert [(c.old_value, c.new_value) for c in changes] == [(None, 591), (591, 600)]


def test_finishing_with_a_required_answer_missing_is_refused(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("/xem")
    text = chat.press("Hoàn thành phần")
    assert "Chưa thể hoàn thành: còn 3 câu bắt buộc" in text


def test_resume_after_a_restart_continues_at_the_next_question(
    database_url: str, options: EngineOptions
) -> None:
    first = Database(database_url)
    first.create_schema()
    chat = Chat(ConversationEngine(first, options))
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    assert "✅ Đã lưu: 591" in chat.say("591")
    first.dispose()  # the process is gone; only the database remains

    second = Database(database_url)
    chat = Chat(ConversationEngine(second, options))
    text = chat.say("/tiep")
    assert "Phần 1 • Câu 3/5" in text
    assert "Số học viên bỏ học?" in text
    assert stored(second)["enrolled"] == 591
    second.dispose()


def test_leaving_for_the_menu_and_coming_back_resumes(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    chat.say("/viec")
    assert "(1/5)" in chat.text
    assert "Số học viên đầu năm?" in chat.say("1")


def test_numbers_typed_the_vietnamese_way(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    chat.say("1 234")
    chat.say("53")
    chat.say("/boqua")
    chat.say("12.5")
    assert stored(database)["enrolled"] == 1234
    assert stored(database)["average_score"] == "12.5"


def test_bad_numbers_get_a_vietnamese_explanation_and_the_question_again(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    for bad, expected in [
        ("abc", "không phải là một số"),
        ("-5", "không thể là số âm"),
        ("12,5", "số nguyên"),
        ("1,234", "dấu phẩy là dấu thập phân"),
        ("😀", "không phải là một số"),
        ("", "chưa nhập"),
    ]:
        text = chat.say(bad) if bad else chat.say("   ")
        assert expected in text, (bad, text)
        assert "Số học viên đầu năm?" in text


def test_a_photo_where_a_number_is_expected(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    text = chat.attach("photo")
    assert "chưa đọc được ảnh" in text
    assert "Số học viên đầu năm?" in text


def test_an_unknown_command_in_the_middle_of_a_question(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    text = chat.say("/abc")
    assert "không hiểu lệnh /abc" in text
    assert "Tóm tắt tình hình năm học?" in text


def test_a_too_long_short_answer_is_refused(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    for line in ["Tốt", "591", "53"]:
        chat.say(line)
    text = chat.say("x" * 10_000)
    assert "10.000 ký tự" in text
    assert "Ghi chú thêm" in text


def test_a_part_above_its_total_is_shown_to_fix_or_keep(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    chat.say("591")
    text = chat.say("653")
    assert "Số liệu chưa khớp" in text
    assert "Số học viên bỏ học (653) lớn hơn Số học viên đầu năm? (591)" in text
    assert "Số học viên bỏ học?" in chat.press("Sửa lại")
    assert "Ghi chú thêm" in chat.say("53")
    assert stored(database)["dropouts"] == 53


def test_a_kept_check_is_listed_with_the_draft(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    chat.say("591")
    chat.say("653")
    assert "Ghi chú thêm" in chat.press("Giữ nguyên")
    chat.say("/duthao")
    assert "1 cảnh báo số liệu" in chat.text
    assert "lớn hơn" in chat.document.caption


def test_a_table_row_in_one_message_is_stored_and_read_back(
    chat: Chat, database: Database
) -> None:
    chat.say("/start")
    text = chat.say("2")
    assert "Dòng 1/2: THCS" in text
    text = chat.say("-")
    assert "✅ Đã lưu dòng THCS: để trống" in text and "Dòng 2/2: THPT" in text
    # A row whose figures hold is saved at once and read back with what it computes.
    text = chat.say("538 44 193 301")
    assert "✅ Đã lưu dòng THPT: TS HV 538 · Yếu 44 · TB 193 · Khá 301" in text
    assert "SL 494 · Tỷ lệ 91,82%" in text
    assert "Có tham gia cuộc thi" in text
    table = stored(database)["academic"]
    assert table == {"thcs": None, "thpt": {"total": 538, "weak": 44, "average": 193, "good": 301}}


def test_back_after_a_saved_row_retypes_it(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("2")
    chat.say("538 44 193 301")
    text = chat.say("/lai")
    assert "Dòng 1/2: THCS" in text
    assert "Khá 301" in text  # its current values
    chat.say("538 44 194 300")
    assert stored(database)["academic"]["thcs"]["average"] == 194


def test_a_table_row_with_the_wrong_number_of_cells(chat: Chat) -> None:
    chat.say("/start")
    chat.say("2")
    text = chat.say("538 3 41")
    assert "cần đúng 4 số" in text and "bạn đã gõ 3" in text
    assert "Dòng 1/2: THCS" in text
    # Words instead of a row are not "one number": the bot says there is no number at all.
    text = chat.say("chưa có số liệu")
    assert "«chưa có số liệu» không có số nào" in text and "cần 4 số" in text
    assert "bạn đã gõ" not in text and "Dòng 1/2: THCS" in text


def test_a_row_whose_parts_do_not_add_up_is_flagged_before_saving(chat: Chat) -> None:
    chat.say("/start")
    chat.say("2")
    chat.say("-")
    text = chat.say("538 44 193 300")
    assert "⚠️" in text
    assert "Yếu (44) + TB (193) + Khá (300) = 537, nhưng TS HV là 538" in text
    assert "Dòng 2/2: THPT" in chat.press("Nhập lại")


def test_a_repeating_list_with_add_another(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("2")
    chat.say("-")
    chat.say("538 44 193 301")
    text = chat.press("Có")
    assert "cuộc thi thứ 1" in text and "Tên cuộc thi" in text
    chat.say("Hội thi Đầu bếp trẻ")
    assert "Số lượng tham gia" in chat.text
    assert "không phải là một số" in chat.say("sáu con mèo")
    chat.say("sáu người")
    text = chat.say("/boqua")
    assert "Đã lưu cuộc thi 1" in text and "Thêm cuộc thi khác" in text
    chat.say("có")
    chat.say("Hội thi Tin học")
    chat.say("2")
    chat.say("Giải Ba")
    assert "Tự đánh giá năm học?" in chat.say("không")
    assert stored(database)["events"] == [
        {"name": "Hội thi Đầu bếp trẻ", "participants": 6, "result": None},
        {"name": "Hội thi Tin học", "participants": 2, "result": "Giải Ba"},
    ]


def test_a_condition_skips_a_question_that_does_not_apply(chat: Chat) -> None:
    chat.say("/start")
    chat.say("2")
    chat.say("-")
    chat.say("538 44 193 301")
    assert "Tự đánh giá năm học?" in chat.say("không")


def test_choices_dates_and_percents(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("2")
    for line in ["-", "538 44 193 301", "không"]:
        chat.say(line)
    assert "Hãy chọn một trong các lựa chọn" in chat.say("7")
    assert "Kênh liên lạc" in chat.say("hoàn thành tốt")
    assert "Ngày bắt đầu ôn tập?" in chat.say("1, 3")
    assert "không có thật" in chat.say("31/02/2021")
    assert "Tỉ lệ tốt nghiệp" in chat.say("29/4/2021")
    assert "Xem lại Phần 2" in chat.say("88,32%")
    answers = stored(database)
    assert answers["rating"] == "good"
    assert answers["channels"] == ["zalo", "phone"]
    assert answers["review_start"] == "2021-04-29"
    assert answers["pass_rate"] == "88.32"


def test_multiple_choice_by_buttons(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("2")
    for line in ["-", "538 44 193 301", "không", "1"]:
        chat.say(line)
    chat.press("Zalo")
    assert chat.replies[0].replace  # type: ignore[union-attr]
    chat.press("Điện thoại")
    labels = [b.label for b in chat.buttons]
    assert "☑ 3. Điện thoại" in labels and "☑ 1. Zalo" in labels
    assert "Ngày bắt đầu" in chat.press("Xong")
    assert stored(database)["channels"] == ["zalo", "phone"]


def test_a_stale_button_is_refused_and_the_current_question_repeated(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    old_back = next(b for b in chat.buttons if "Quay lại" in b.label)
    chat.say("Tốt")
    text = chat.send(ButtonPress(old_back.code))
    assert "thuộc một câu hỏi trước đó" in text
    assert "Số học viên đầu năm?" in text


def test_a_forged_button_code_is_refused(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    for code in ["garbage", "1:o:" + "x" * 80, "999999:back", ":"]:
        assert "thuộc một câu hỏi trước đó" in chat.send(ButtonPress(code))


def test_a_redelivered_event_changes_nothing_twice(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("1")
    first = chat.say("Tốt", event_id="100")
    # The first reply may never have reached the user: it is sent again, nothing stored twice.
    assert chat.say("Tốt", event_id="100") == first
    assert "Số học viên đầu năm?" in chat.say("/tiep")
    with database.session() as session:
        changes = session.exec(select(AnswerChange)).all()
    assert len(changes) == 1


def test_cancel_drops_half_typed_input_but_keeps_answers(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("2")
    # A row that fails a check waits for confirmation: half-typed input.
    chat.say("538 44 193 300")
    text = chat.say("/huy")
    assert "Đã hủy" in text
    assert "academic" not in stored(database)
    # Back at the menu there is nothing left to cancel, and the bot says so.
    again = chat.say("/huy")
    assert "Không có gì đang nhập dở" in again
    assert "Đã hủy" not in again


def test_the_draft_shows_placeholders_for_missing_answers(chat: Chat, tmp_path: Path) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("{{ 7*7 }} <b>&</b> {% if x %}")
    chat.say("591")
    chat.say("53")
    chat.say("/duthao")
    document = chat.document
    assert document.file_name.endswith(".docx")
    assert "Còn thiếu" in document.caption
    opened = docx.Document(io.BytesIO(document.data))
    body = "\n".join(p.text for p in opened.paragraphs)
    assert "{{ 7*7 }} <b>&</b> {% if x %}" in body
    assert "Tỉ lệ bỏ học là 53/591 (8,97%)." in body
    highlighted = [
        r.text for p in opened.paragraphs for r in p.runs if r.font.highlight_color is not None
    ]
    assert any("Chưa có" in text for text in highlighted)


def test_skipped_optional_questions_are_not_counted_missing(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    for line in ["Tốt", "591", "53", "/boqua", "/boqua"]:
        chat.say(line)
    chat.say("/duthao")
    caption = chat.document.caption
    assert "phần 2)" in caption and "phần 1" not in caption, caption


def test_a_stranger_without_demo_mode_is_told_how_to_join(database: Database) -> None:
    engine = ConversationEngine(database, EngineOptions(demo=False))
    text = Chat(engine).say("/start")
    assert "đường liên kết mời" in text

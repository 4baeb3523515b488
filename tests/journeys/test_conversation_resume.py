"""Transcripts of resuming, the review's way on, and typed numbers at a failed check."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.store.database import Database
from models import Answer, ConfirmedCheck
from tests.support.transcript import Chat


def _stored(database: Database) -> dict[str, object]:
    with database.session() as session:
        return {a.question_id: a.value for a in session.exec(select(Answer)).all()}


def test_tiep_after_a_restart_continues_where_the_member_stopped(
    chat: Chat, database: Database, options: EngineOptions
) -> None:
    chat.say("/start")
    assert "Phần 2 • Câu 1/6" in chat.say("2")
    assert "Dòng 2/2: THPT" in chat.say("538 44 193 301")
    assert "Phần 2 • Câu 2/6" in chat.say("538 44 193 301")
    # The terminal ends (Ctrl-D) and starts again: a new engine over the same database,
    # which greets with /start as `make run` does.
    restarted = Chat(ConversationEngine(database, options))
    restarted.say("/start")
    text = restarted.say("/tiep")
    assert "Phần 2 • Câu 2/6" in text
    assert "Có tham gia cuộc thi nào không?" in text
    # From the menu (/viec) too, /tiep goes back to the same question.
    restarted.say("/viec")
    assert "Phần 2 • Câu 2/6" in restarted.say("/tiep")


def test_tiep_skips_what_was_answered_since_the_question_was_asked(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    assert "Phần 1 • Câu 3/5" in chat.say("591")
    chat.say("/viec")
    # Another way in answers the question the member had stopped at.
    chat.say("1")
    chat.say("/xem")
    chat.say("3")
    chat.say("53")
    chat.say("/viec")
    assert "Phần 1 • Câu 4/5" in chat.say("/tiep")


def test_continue_from_the_review_goes_to_the_first_unanswered_question(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    text = chat.say("/xem")
    assert "Xem lại Phần 1" in text
    text = chat.press("Tiếp tục trả lời")
    assert "Xem lại Phần 1" not in text
    assert "Phần 1 • Câu 2/5" in text and "Số học viên đầu năm?" in text
    chat.say("/xem")
    assert "Phần 1 • Câu 2/5" in chat.say("/tiep")


def test_a_typed_number_at_a_failed_check_is_the_corrected_figure(
    chat: Chat, database: Database
) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    chat.say("591")
    text = chat.say("600")
    assert "lớn hơn" in text
    # "2" is the right figure, not the second button.
    text = chat.say("2")
    assert "✅ Đã lưu: 2" in text
    assert _stored(database)["dropouts"] == 2
    with database.session() as session:
        assert session.exec(select(ConfirmedCheck)).all() == []
    # "1" likewise.
    chat.say("/lai")
    chat.say("600")
    chat.say("1")
    assert _stored(database)["dropouts"] == 1


@pytest.mark.parametrize("keep", ["giữ nguyên", "Giữ", "/giu"])
def test_words_and_commands_still_choose_at_a_failed_check(
    chat: Chat, database: Database, keep: str
) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("Tốt")
    chat.say("591")
    chat.say("600")
    # No button label carries a number a figure could be taken for.
    assert all(not b.label[:1].isdecimal() for b in chat.buttons)
    assert "Số học viên bỏ học?" in chat.say("sửa")
    assert "lớn hơn" in chat.say("600")
    assert "Đã giữ nguyên" in chat.say(keep)
    assert _stored(database)["dropouts"] == 600


def test_a_one_number_row_typed_at_its_confirmation_is_the_new_row(chat: Chat) -> None:
    chat.say("/start")
    chat.say("2")
    text = chat.say("538 44 193 302")
    assert "Đúng chưa?" in text
    # "1" is not "đúng": a row of one number is read as a row (and refused: 4 numbers).
    text = chat.say("1")
    assert "cần đúng 4 số" in text
    assert "Đã lưu dòng" not in text


def test_superscript_digits_in_the_review_and_in_a_choice_do_not_raise(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    chat.say("/xem")
    assert "Hãy gõ số thứ tự" in chat.say("²")
    assert "Hãy gõ số thứ tự" in chat.say("1²")
    chat.say("/viec")
    chat.say("2")
    chat.say("538 44 193 301")
    chat.say("538 44 193 301")
    chat.say("không")
    assert "Tự đánh giá năm học?" in chat.text
    text = chat.say("²")
    assert "Tự đánh giá năm học?" in text
    assert "Đã lưu" not in text

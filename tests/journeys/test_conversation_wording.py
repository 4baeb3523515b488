"""Chat wording over the shipped report kinds: row names, one-column rows, examples with
thousands, abbreviations explained, and commands answered for what they are."""

from __future__ import annotations

from pathlib import Path

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import ButtonPress
from bot.questionnaire import index as flow
from bot.questionnaire.loader import load_template
from bot.store.database import Database
from bot.texts import t
from tests.support.transcript import Chat

TEMPLATES = Path(__file__).parents[2] / "templates"
CENTRE = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
STAFF_CONFERENCE = "bao-cao-kiem-diem-hoi-nghi-vien-chuc"


def _chat(database: Database, kind: str) -> Chat:
    options = EngineOptions(demo=True, templates_root=TEMPLATES, demo_template=kind)
    chat = Chat(ConversationEngine(database, options))
    chat.say("/start")
    return chat


def _open(chat: Chat, kind: str, question_id: str) -> str:
    """Opens a question from its section's review, as a member would."""
    template = load_template(kind, TEMPLATES)
    for section in template.sections:
        ids = [s.question.id for s in flow.relevant_slots(section, {})]
        if question_id in ids:
            chat.say("/viec")
            chat.say(section.number)
            chat.say("/xem")
            return chat.say(str(ids.index(question_id) + 1))
    raise AssertionError(question_id)


def test_a_row_whose_name_says_dong_is_not_called_dong_dong(database: Database) -> None:
    chat = _chat(database, CENTRE)
    _open(chat, CENTRE, "learning_titles")
    text = chat.say("6000 5000")
    assert "✅ Đã lưu dòng Gia đình học tập" in text
    assert "Dòng 2/4: Dòng họ học tập" in text
    text = chat.say("300 200")
    assert "✅ Đã lưu Dòng họ học tập" in text
    assert "Dòng Dòng" not in text and "dòng Dòng" not in text
    chat.say("/lai")
    text = chat.say("200 300")  # fails its check: read back for confirmation
    assert "Dòng họ học tập: Số đăng ký 200" in text
    assert "Dòng Dòng" not in text


def test_a_one_column_row_asks_for_one_number(database: Database) -> None:
    chat = _chat(database, CENTRE)
    text = _open(chat, CENTRE, "conduct_previous")
    assert "Gõ 1 số: Tỉ lệ." in text
    assert "theo thứ tự" not in text


def test_a_table_explains_its_abbreviations_in_prompt_and_read_back(
    database: Database,
) -> None:
    chat = _chat(database, CENTRE)
    text = _open(chat, CENTRE, "conduct")
    assert "Viết tắt:" in text and "TB: trung bình" in text and "SL: số lượng" in text
    text = chat.say("538 0 44 193 301 0")
    saved = text.split("\n\n")[0]
    assert "Tính được: SL 538" in saved
    assert "SL: số lượng" in saved and "KXL: không xếp loại" in saved
    # Explained once per table, not under every row.
    assert "Viết tắt:" not in text.split("\n\n")[1]


def test_examples_show_vietnamese_thousands(database: Database) -> None:
    chat = _chat(database, STAFF_CONFERENCE)
    text = _open(chat, STAFF_CONFERENCE, "it_candidates")
    assert "Ví dụ: 2.279" in text
    assert "2279" not in text


def test_xong_typed_mid_question_is_explained_not_called_a_stale_button(chat: Chat) -> None:
    chat.say("/start")
    chat.say("1")
    text = chat.say("/xong")
    assert t("input.done_not_here") in text
    assert t("input.stale_button") not in text
    assert "Tóm tắt tình hình năm học?" in text
    # A stale button is still called one.
    assert t("input.stale_button") in chat.send(ButtonPress("1:o:yes"))


def test_keep_is_named_only_where_its_button_is_shown(chat: Chat) -> None:
    chat.say("/start")
    chat.say("2")
    chat.say("538 44 193 301")
    chat.say("538 44 193 301")
    text = chat.say("/xem")
    text = chat.say("1")  # the table again, its first row answered
    assert "Đã trả lời:" in text
    assert ("Giữ nguyên" in text) == any("Giữ nguyên" in b.label for b in chat.buttons)


def test_reminders_without_a_deadline_describe_only_the_buttons_shown(chat: Chat) -> None:
    chat.say("/start")
    text = chat.say("/nhacnho")
    labels = [b.label for b in chat.buttons]
    assert not any("ngày" in label for label in labels)
    assert "Chọn lịch nhắc" not in text and "cuối tuần" not in text
    assert "Nhắc ngay" in text


def test_finalising_does_not_say_bao_cao_twice(chat: Chat) -> None:
    chat.say("/start")
    text = chat.say("/chot")
    assert "Báo cáo thử nghiệm" in text
    assert "báo cáo báo cáo" not in text.lower()


def test_the_director_is_pointed_to_mokhoa_for_a_locked_section(chat: Chat) -> None:
    chat.say("/start")
    chat.say("/chot")
    chat.press("Chốt báo cáo")
    chat.say("/viec")
    text = chat.press("Thông tin chung")
    assert "/mokhoa" in text
    assert "Chỉ Giám đốc mở khóa được" not in text


def test_a_failed_check_on_a_dong_row_does_not_say_dong_dong(database: Database) -> None:
    chat = _chat(database, CENTRE)
    _open(chat, CENTRE, "learning_titles")
    chat.say("6000 5000")
    text = chat.say("200 300")
    assert "Bảng «Kết quả công nhận danh hiệu học tập», Dòng họ học tập:" in text
    assert "dòng Dòng" not in text

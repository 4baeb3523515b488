"""What users type, read as they mean it: rates with a spaced "%", rates typed as fractions,
quantities in words, dates without a year, and emoji kept out of the official document."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from bot.core.clock import VIETNAM
from bot.core.numbers import format_decimal
from bot.questionnaire.answers import (
    InvalidAnswer,
    example_of,
    parse_answer,
    parse_cell,
    parse_date,
    parse_table_row,
    split_cells,
)
from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.loader import load_template, sample_answers_path
from bot.questionnaire.schema import ListQuestion, TableQuestion, TextQuestion
from bot.questionnaire.symbols import drop_emoji
from bot.report.answers_file import load_answers_file
from bot.store.database import Database
from bot.texts import t
from models import Answer
from tests.support.transcript import Chat

CENTRE = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
KINDS = [CENTRE, "bao-cao-nhiem-vu-nam-hoc-phong-gddt", "bao-cao-kiem-diem-hoi-nghi-vien-chuc"]


def question(template_id: str, question_id: str):  # type: ignore[no-untyped-def]
    template = load_template(template_id)
    return next(q for s in template.iter_sections() for q in s.questions if q.id == question_id)


def stored(database: Database) -> dict[str, object]:
    with database.session() as session:
        return {a.question_id: a.value for a in session.exec(select(Answer)).all()}


@pytest.fixture
def december_2026() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 12, 6, 9, 0, tzinfo=VIETNAM), tick=False):
        yield


# -- a "%" after a space -------------------------------------------------------------------


def test_a_rate_typed_with_a_space_before_the_percent_sign_is_one_number() -> None:
    table = question(CENTRE, "conduct_previous")
    assert isinstance(table, TableQuestion) and len(table.columns) == 1
    assert parse_table_row(table, "89,87 %") == {"rate": "89.87"}
    assert parse_table_row(table, "89,87\u00a0%") == {"rate": "89.87"}
    assert split_cells("538 89,87 % 3") == ["538", "89,87%", "3"]


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_every_rate_typed_with_a_spaced_percent_reads_back(value: Decimal) -> None:
    table = question(CENTRE, "conduct_previous")
    typed = format_decimal(value, 2) + " %"
    row = parse_table_row(table, typed)
    assert row is not None and Decimal(row["rate"]) == value


# -- a rate typed as a fraction ------------------------------------------------------------


def test_a_rate_below_one_percent_is_questioned_and_the_right_figure_can_be_typed(
    chat: Chat, database: Database
) -> None:
    chat.say("/start")
    chat.say("2")
    for line in ["-", "538 44 193 301", "không", "1", "1, 3", "29/4/2021"]:
        chat.say(line)
    text = chat.say("0,95")
    assert "bạn định gõ 95%?" in text
    assert any("Giữ nguyên" in b.label for b in chat.buttons)
    assert stored(database)["pass_rate"] == "0.95"
    chat.say("95")
    assert stored(database)["pass_rate"] == "95"


def test_a_kept_small_rate_is_not_asked_again(chat: Chat, database: Database) -> None:
    chat.say("/start")
    chat.say("2")
    for line in ["-", "538 44 193 301", "không", "1", "1, 3", "29/4/2021"]:
        chat.say(line)
    chat.say("0,5")
    assert "Xem lại Phần 2" in chat.press("Giữ nguyên")
    assert stored(database)["pass_rate"] == "0.5"


def test_a_one_column_rate_row_below_one_percent_waits_for_confirmation() -> None:
    template = load_template(CENTRE)
    failures = evaluate(template, {"conduct_previous": {"thcs": {"rate": "0.95"}}}).failures
    assert [f.key for f in failures] == ["conduct_previous.thcs.rate.small_rate"]
    assert "bạn định gõ 95%?" in failures[0].message
    for fine in ("95", "1", "0"):
        answers = {"conduct_previous": {"thcs": {"rate": fine}}}
        assert evaluate(template, answers).failures == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_sample_reports_raise_no_small_rate_question(kind: str) -> None:
    answers = load_answers_file(sample_answers_path(kind), template_id=kind)
    assert evaluate(answers.template, answers.values).failures == []


# -- a list's quantity in words ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("hai", "2"),
        ("Hai", "2"),
        ("mười tám tiết", "18 tiết"),
        ("ba đợt", "3 đợt"),
        ("2", "2"),
        ("01 đợt", "01 đợt"),
        ("18 tiết", "18 tiết"),
    ],
)
def test_a_list_quantity_typed_in_words_is_kept_in_digits(typed: str, kept: str) -> None:
    figures = question(CENTRE, "professional_figures")
    assert isinstance(figures, ListQuestion)
    quantity = next(f for f in figures.fields if f.id == "quantity")
    assert parse_cell(quantity, typed) == kept


def test_a_list_quantity_without_any_count_is_refused() -> None:
    figures = question(CENTRE, "professional_figures")
    assert isinstance(figures, ListQuestion)
    quantity = next(f for f in figures.fields if f.id == "quantity")
    with pytest.raises(InvalidAnswer, match="chưa có số lượng"):
        parse_cell(quantity, "nhiều")


# -- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15/4", date(2027, 4, 15)),
        ("15/04", date(2027, 4, 15)),
        ("5/9", date(2026, 9, 5)),
        ("31/12", date(2026, 12, 31)),
        ("31/7", date(2027, 7, 31)),
        ("1/8", date(2026, 8, 1)),
        ("15/04/2027", date(2027, 4, 15)),
        ("15-4-2027", date(2027, 4, 15)),
        ("2027-04-15", date(2027, 4, 15)),
        ("ngày 15 tháng 4 năm 2027", date(2027, 4, 15)),
        ("15 tháng 4", date(2027, 4, 15)),
    ],
)
def test_dates_as_typed_fall_in_the_school_year(typed: str, expected: date) -> None:
    assert parse_date(typed, "2026-2027") == expected


@given(st.dates(min_value=date(2000, 8, 1), max_value=date(2098, 7, 31)))
def test_a_day_and_month_alone_fall_in_the_school_year_of_the_day(day: date) -> None:
    first = day.year if day.month >= 8 else day.year - 1
    school_year = f"{first}-{first + 1}"
    assert parse_date(f"{day.day}/{day.month}", school_year) == day
    assert parse_date(day.isoformat(), school_year) == day
    assert parse_date(day.strftime("%d/%m/%Y"), school_year) == day


def test_without_a_school_year_the_current_one_is_used(december_2026: None) -> None:
    review = question(CENTRE, "review_start")
    assert parse_answer(review, "15/4") == "2027-04-15"
    assert parse_answer(review, "20/11") == "2026-11-20"


def test_the_date_example_names_the_current_school_year(december_2026: None) -> None:
    review = question(CENTRE, "review_start")
    assert review.example == "29/04/2021"  # the template's own, from an old report
    assert example_of(review, "2026-2027") == "29/04/2027"
    with pytest.raises(InvalidAnswer) as refused:
        parse_answer(review, "tháng tư")
    assert "29/04/2027" in refused.value.message and "2021" not in refused.value.message


def test_the_date_prompt_shows_an_example_in_the_period_year(
    chat: Chat, database: Database, december_2026: None
) -> None:
    chat.say("/start")
    chat.say("2")
    for line in ["-", "538 44 193 301", "không", "1", "1, 3"]:
        chat.say(line)
    text = chat.say("hôm qua")
    assert "/2027" in text and "2021" not in text
    chat.say("15/4")
    assert stored(database)["review_start"] == "2027-04-15"


# -- emoji ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Hoàn thành tốt 👍", "Hoàn thành tốt"),
        ("🎉 Đạt 100% chỉ tiêu ✅", "Đạt 100% chỉ tiêu"),
        ("Tốt ❤️ lắm", "Tốt lắm"),
        ("Gia đình 👨‍👩‍👧 và 1️⃣ lớp", "Gia đình và lớp"),
        ("Việt Nam 🇻🇳", "Việt Nam"),
        ("Cô giáo 👩🏽‍🏫 giỏi", "Cô giáo giỏi"),
        ("Nhiệt độ 30°C, văn bản № 12 – “đạt” ✓ ★ → 95%", None),
    ],
)
def test_emoji_are_dropped_and_report_symbols_kept(typed: str, kept: str | None) -> None:
    summary = TextQuestion(id="summary", kind="text", prompt="?")
    assert parse_answer(summary, typed) == (kept or typed)


@given(
    st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậ ,.;:%°№–—“”‘’()/-0123456789\n")
)
def test_text_without_emoji_is_never_changed(text: str) -> None:
    assert drop_emoji(text) == text


def test_a_text_answer_with_emoji_is_saved_without_them_and_the_user_told(
    chat: Chat, database: Database
) -> None:
    chat.say("/start")
    chat.say("1")
    text = chat.say("Năm học thành công 🎉🎉, đạt 100% chỉ tiêu 👏")
    assert t("typed.emoji_dropped") in text
    assert stored(database)["summary"] == "Năm học thành công, đạt 100% chỉ tiêu"
    plain = chat.say("591")
    assert t("typed.emoji_dropped") not in plain

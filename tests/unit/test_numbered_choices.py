"""Replies for channels without buttons: numbered choices, typed picks, split messages."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.conversation.events import ButtonPress, Command, Text, parse_typed
from bot.conversation.numbered import (
    asks_for_commands,
    commands_text,
    interpret,
    pick,
    render,
    split_message,
)
from bot.core.replies import Button, Reply


def test_choices_without_a_number_are_numbered_and_navigation_becomes_commands() -> None:
    reply = Reply(
        "Đúng chưa?",
        [
            [Button("3:ok", "✅ Đúng"), Button("3:redo", "✏️ Nhập lại")],
            [Button("3:back", "◀ Quay lại", "/lai"), Button("3:review", "📋 Xem lại", "/xem")],
        ],
    )
    text, choices = render(reply)
    assert text == (
        "Đúng chưa?\n1. ✅ Đúng\n2. ✏️ Nhập lại\n👉 Gõ 1 hoặc 2 để chọn.\n"
        "/lai ◀ Quay lại · /xem 📋 Xem lại"
    )
    assert pick(choices, " 2 ") == "3:redo"
    assert pick(choices, "nhập lại") == "3:redo"
    assert pick(choices, "3") is None


def test_choices_the_engine_numbered_keep_their_numbers_and_are_not_listed_twice() -> None:
    menu = Reply(
        "Chọn phần:\n⬜ 1. Thông tin chung (0/5)\n⬜ 2. Chất lượng (0/6)",
        [
            [Button("0:s:general", "⬜ 1. Thông tin chung")],
            [Button("0:s:quality", "⬜ 2. Chất lượng")],
            [Button("0:draft", "📄 Nhận dự thảo", "/duthao")],
        ],
    )
    text, choices = render(menu)
    assert text.count("Thông tin chung") == 1
    assert "👉 Gõ 1 hoặc 2 để chọn." in text and text.endswith("/duthao 📄 Nhận dự thảo")
    assert pick(choices, "2") == "0:s:quality"
    assert pick(choices, "Chất lượng") == "0:s:quality"


def test_a_long_list_says_from_first_to_last() -> None:
    buttons = [[Button(f"1:e:{i}", str(i))] for i in range(1, 8)]
    text, choices = render(Reply("Xem lại:", buttons))
    assert text == "Xem lại:\n👉 Gõ một số từ 1 đến 7 để chọn."
    assert pick(choices, "7") == "1:e:7"


def test_typed_text_becomes_a_press_only_when_it_picks_a_shown_choice() -> None:
    _, choices = render(
        Reply("Có không?", [[Button("2:o:yes", "1. Có"), Button("2:o:no", "2. Không")]])
    )
    assert interpret(Text("KHÔNG"), choices) == ButtonPress("2:o:no")
    assert interpret(Text("1"), choices) == ButtonPress("2:o:yes")
    assert interpret(Text("có lẽ"), choices) == Text("có lẽ")
    assert interpret(Text("1"), []) == Text("1")
    assert interpret(Command("tiep"), choices) == Command("tiep")


def test_menu_and_question_mark_ask_for_the_commands() -> None:
    assert asks_for_commands(parse_typed("menu")) and asks_for_commands(parse_typed(" ? "))
    assert not asks_for_commands(parse_typed("menu học tập"))
    listed = commands_text()
    for name in ("tiep", "viec", "duthao", "xem", "lai", "boqua", "huy", "help", "start"):
        assert f"/{name} – " in listed


def test_a_long_message_is_cut_between_paragraphs() -> None:
    paragraphs = [f"Đoạn {i}: " + "chữ " * 120 for i in range(10)]
    text = "\n\n".join(paragraphs)
    parts = split_message(text, 2000)
    assert len(parts) > 1 and all(len(part) <= 2000 for part in parts)
    # Every part holds whole paragraphs.
    for part in parts:
        for paragraph in part.split("\n\n"):
            assert paragraph.strip() in [p.strip() for p in paragraphs]


@given(st.text(alphabet=st.sampled_from("ab cđ\n😀"), max_size=5000))
def test_splitting_loses_no_word_and_respects_the_limit(text: str) -> None:
    parts = split_message(text, 200)
    assert all(1 <= len(part) <= 200 for part in parts)
    # Nothing but the spaces and line breaks at the cuts is lost.
    assert "".join("".join(parts).split()) == "".join(text.split())

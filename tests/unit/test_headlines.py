"""Headline figures (rates, changes) in chat: when a section is finished and in /tiendo."""

from __future__ import annotations

from tests.support.transcript import Chat


def _finish_general(chat: Chat) -> str:
    chat.say("/start")
    chat.say("1")
    for line in ["Tốt", "591", "53", "/boqua", "/boqua"]:
        chat.say(line)
    return chat.press("Hoàn thành phần")


def test_finishing_a_section_shows_its_rates(chat: Chat) -> None:
    text = _finish_general(chat)
    assert "🎉 Đã hoàn thành Phần 1" in text
    assert "📊 Số liệu chính:" in text
    assert "• Tỉ lệ bỏ học: 8,97%" in text


def test_progress_shows_the_headline_figures_so_far(chat: Chat) -> None:
    _finish_general(chat)
    chat.say("/viec")
    chat.say("2")
    chat.say("538 44 193 301")
    chat.say("538 44 193 301")
    text = chat.say("/tiendo")
    assert "📊 Số liệu chính:" in text
    assert "• Tỉ lệ bỏ học: 8,97%" in text
    # The table's total row: (193 + 301) × 2 / (538 × 2).
    assert "Học lực – Tổng: Tỷ lệ «Từ TB trở lên»: 91,82%" in text


def test_no_figures_are_claimed_before_there_are_any(chat: Chat) -> None:
    chat.say("/start")
    assert "Số liệu chính" not in chat.say("/tiendo")

"""The lookups kept between prompts of an answer: never stale when what they read changes."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from bot.conversation.state import State
from bot.conversation.turn import Turn
from bot.core import clock, numbers
from bot.core.numbers import NumberParseError
from bot.core.settings import Settings, get_settings
from bot.questionnaire import index as flow
from bot.questionnaire.loader import (
    DEFAULT_TEMPLATES_DIR,
    TemplateNotFoundError,
    load_template,
    template_digest,
)

KIND = "bao-cao-so-ket-hoc-ky-gdnn-gdtx"


def test_position_counts_the_questions_relevant_to_the_answers_as_they_are_now() -> None:
    template = load_template(KIND)
    section = flow.top_section(template, "results")
    assert section is not None
    # "city_awards" applies only when "has_awards" is yes: asked again with other answers,
    # the count follows them.
    assert flow.position(section, "has_awards", {}) == ("2.6", 2, 2)
    assert flow.position(section, "city_awards", {"has_awards": True}) == ("2.6", 3, 3)
    assert flow.position(section, "has_awards", {"has_awards": False}) == ("2.6", 2, 2)
    assert flow.position(section, "gifted_training", {"has_awards": True}) == ("2.6", 1, 3)
    # A question not relevant now is shown as the first of its sub-section.
    assert flow.position(section, "city_awards", {"has_awards": False}) == ("2.6", 1, 2)
    assert flow.position(section, "visiting_records", {}) == ("2.2", 2, 3)
    with pytest.raises(StopIteration):
        flow.position(section, "no_such_question", {})


def _turn(question_id: str | None, section_id: str | None = None) -> Turn:
    """A turn with only what its `question` and `section` read (the properties production
    calls)."""
    turn = Turn.__new__(Turn)
    turn.template = load_template(KIND)
    turn.state = State(question_id=question_id, section_id=section_id)
    return turn


def test_the_current_section_follows_the_cursor_and_the_template() -> None:
    turn = _turn(None, "results")
    assert turn.section.id == "results"
    turn.state.section_id = "quality"
    assert turn.section.id == "quality"
    other = turn.template.model_copy(deep=True)
    turn.template = other
    assert turn.section is flow.top_section(other, "quality")
    turn.state.section_id = None
    with pytest.raises(LookupError):
        _ = turn.section


def test_the_current_question_follows_the_cursor_and_the_template() -> None:
    turn = _turn("has_awards")
    assert turn.question.id == "has_awards"
    turn.state.question_id = "city_awards"
    assert turn.question.id == "city_awards"
    # Another version of the kind (a period switched): its own question object.
    other = turn.template.model_copy(deep=True)
    turn.template = other
    found = flow.find_slot(other, "city_awards")
    assert found is not None
    assert turn.question is found.question
    turn.state.question_id = "gone"
    with pytest.raises(LookupError):
        _ = turn.question


def test_the_templates_folders_follow_the_setting() -> None:
    assert Settings(templates_dir="/srv/a:/srv/b").extra_templates_dirs == [
        Path("/srv/a"),
        Path("/srv/b"),
    ]
    assert [str(p) for p in Settings(templates_dir="/srv/c: ").extra_templates_dirs] == ["/srv/c"]
    assert Settings(templates_dir=None).extra_templates_dirs == []


def _extra_kind(folder: Path, title: str) -> Path:
    """A folder of kinds holding a copy of KIND named "my-kind", with its own title."""
    shutil.copytree(DEFAULT_TEMPLATES_DIR / KIND, folder / "my-kind")
    shutil.copytree(DEFAULT_TEMPLATES_DIR / "_shared", folder / "_shared")
    path = folder / "my-kind" / "questionnaire.yaml"
    text = path.read_text(encoding="utf-8").replace(f"id: {KIND}", "id: my-kind", 1)
    path.write_text(re.sub(r"(?m)^name: .*$", f"name: {title}", text, count=1), "utf-8")
    return folder


def test_a_kind_is_looked_up_over_the_folders_of_the_setting_as_it_is_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert template_digest(load_template(KIND))
    first, second = _extra_kind(tmp_path / "a", "Một"), _extra_kind(tmp_path / "b", "Hai")
    with pytest.raises(TemplateNotFoundError):
        load_template("my-kind")
    monkeypatch.setattr(get_settings(), "templates_dir", str(first))
    assert load_template("my-kind").name == "Một"
    monkeypatch.setattr(get_settings(), "templates_dir", str(second))
    assert load_template("my-kind").name == "Hai"


def test_clearing_the_input_leaves_none_of_it() -> None:
    state = State(
        row_index=2,
        pending_row={"a": 1},
        pending_blank=True,
        item={"f": "x"},
        field_index=1,
        selected=["o"],
        check_keys=["k"],
        pending_import={"t": 1},
        question_id="q",
        step=7,
    )
    state.clear_input()
    cleared = State(question_id="q", step=7)
    assert state.model_dump(mode="json") == cleared.model_dump(mode="json")


@given(st.text(alphabet="0123456789", min_size=1, max_size=18))
def test_bare_digits_read_as_the_full_rules_read_them(text: str) -> None:
    try:
        expected: int | str = int(numbers._parse(text, "integer", "1.234"))
    except NumberParseError as err:
        expected = err.key
    try:
        found: int | str = numbers.parse_integer(text, minimum=None)
    except NumberParseError as err:
        found = err.key
    assert found == expected
    assert isinstance(found, str) == (len(text.lstrip("0")) > 15)


def test_now_is_the_moved_clock_in_vietnam() -> None:
    instant = datetime(2027, 1, 31, 17, 30, tzinfo=UTC)  # 00:30 on 1 February in Hà Nội
    with time_machine.travel(instant, tick=False):
        found = clock.now()
    assert found == instant
    assert found.tzinfo is clock.VIETNAM
    assert (found.date(), found.hour, found.utcoffset()) == (
        date(2027, 2, 1),
        0,
        timedelta(hours=7),
    )


@given(
    st.dictionaries(
        st.sampled_from(["has_awards", "gifted_training", "city_awards", "emulation"]),
        st.one_of(st.none(), st.booleans(), st.just("x"), st.just([])),
    ),
    st.sets(st.sampled_from(["gifted_training", "city_awards", "visiting_records"])),
)
def test_section_counts_match_the_relevant_slots(
    values: dict[str, object], skipped: set[str]
) -> None:
    section = flow.top_section(load_template(KIND), "results")
    assert section is not None
    relevant = flow.relevant_slots(section, values)
    done = [
        s
        for s in relevant
        if flow.is_complete(s.question, values.get(s.question.id)) or s.question.id in skipped
    ]
    assert flow.section_counts(section, values, skipped) == (len(done), len(relevant))

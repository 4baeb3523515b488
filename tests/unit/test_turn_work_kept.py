"""What a turn works out from its template alone is kept on that template object: a kind
edited and loaded again (a new object), a copy, or another school year gets its own."""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.conversation.prompts import table_prompt
from bot.conversation.steps.menu import _label
from bot.conversation.steps.question import help_lines
from bot.conversation.steps.review import _titles
from bot.conversation.surface import TurnSurface
from bot.core.text import short
from bot.questionnaire import index as flow
from bot.questionnaire.answers import _UNSAFE, InvalidAnswer, clean_text, parse_table_row
from bot.questionnaire.evaluation_plan import plan as _plan
from bot.questionnaire.loader import (
    DEFAULT_TEMPLATES_DIR,
    QUESTIONNAIRE_FILE,
    all_templates,
    load_template,
    sample_answers_path,
    shared_dir,
    template_from_text,
)
from bot.questionnaire.schema import DateQuestion, Question, TableQuestion, Template
from bot.questionnaire.symbols import _EMOJI, _FIRST_PICTOGRAPH, has_emoji
from bot.report.answers_file import load_answers_file
from bot.texts import t
from bot.workflow.access import is_lead
from bot.workflow.periods import sections_of
from models import Member, Period, Role

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"


def _edited(old: str, new: str) -> Template:
    """The bundled kind with one edit, loaded as a new template object."""
    path = DEFAULT_TEMPLATES_DIR / KIND / QUESTIONNAIRE_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    return template_from_text(text.replace(old, new, 1), str(path), shared_dir(Path(path).parent))


def _question(template: Template, question_id: str) -> Question:
    slot = flow.find_slot(template, question_id)
    assert slot is not None
    return slot.question


def test_a_lead_works_on_every_section_of_the_template_asked() -> None:
    template = load_template(KIND)
    director = Member(unit_id=1, display_name="A", role=Role.DIRECTOR)
    # The lead's sections read no assignment: no session, no period needed.
    none = cast(Any, None)
    every = [s.id for s in template.sections]
    mine = sections_of(none, period=cast(Period, none), template=template, member=director)
    assert mine == every
    mine.clear()  # the caller's own list
    assert sections_of(none, period=cast(Period, none), template=template, member=director)
    shorter = template.model_copy(update={"sections": template.sections[1:]})
    assert (
        sections_of(none, period=cast(Period, none), template=shorter, member=director)
        == (every[1:])
    )


@pytest.mark.parametrize(
    ("role", "active", "lead"),
    [
        (Role.DIRECTOR, True, True),
        (Role.DEPUTY, True, True),
        ("director", True, True),
        (Role.STAFF, True, False),
        ("principal", True, False),  # an unknown stored role counts as staff
        (Role.DIRECTOR, False, False),
    ],
)
def test_a_lead_is_an_active_director_or_deputy(role: Any, active: bool, lead: bool) -> None:
    member = Member(unit_id=1, display_name="A", role=Role.STAFF, active=active)
    member.role = role
    assert is_lead(member) is lead


def test_no_emoji_starts_below_the_first_pictograph() -> None:
    # `has_emoji` passes a text with no character from the first pictograph on: no emoji
    # (nor the variation selector that makes one) may start below it.
    assert _FIRST_PICTOGRAPH <= "\ufe0f"
    assert all(_EMOJI.search(chr(code)) is None for code in range(ord(_FIRST_PICTOGRAPH)))
    texts = ["Học viên tiến bộ 👍", "❤️", "1️⃣", "✔️ xong", "⌚", "Tốt ✓ ★ → № 95%", "591", ""]
    for text in texts:
        assert has_emoji(text) is (_EMOJI.search(text) is not None)


def test_menu_counts_match_each_questions_completeness() -> None:
    loaded = load_answers_file(sample_answers_path(KIND), template_id=KIND)
    template, values = loaded.template, dict(loaded.values)
    draw = random.Random(12)
    keys = list(values)
    for _ in range(200):
        some = {key: values[key] for key in keys if draw.random() < 0.6}
        for key, value in list(some.items()):
            if isinstance(value, dict) and value and draw.random() < 0.5:
                some[key] = dict(list(value.items())[1:])  # a table missing a row
        skipped = set(draw.sample(keys, 3))
        for section in template.sections:
            relevant = flow.relevant_slots(section, some)
            done = [
                s
                for s in relevant
                if flow.is_complete(s.question, some.get(s.question.id))
                or s.question.id in skipped
            ]
            assert flow.section_counts(section, some, skipped) == (len(done), len(relevant))


def test_a_questions_help_follows_its_template_and_the_school_year() -> None:
    template = load_template(KIND)
    enrolled = _question(template, "enrolled")
    assert t("ask.example", example="591") in help_lines(template, enrolled, "2024-2025")
    edited = _edited('example: "591"', 'example: "2279"')
    lines = help_lines(edited, _question(edited, "enrolled"), "2024-2025")
    assert t("ask.example", example="2.279") in lines  # thousands as Vietnamese write them
    assert t("ask.example", example="591") in help_lines(template, enrolled, "2024-2025")
    start = _question(template, "review_start")
    assert isinstance(start, DateQuestion)
    assert help_lines(template, start, "2024-2025") != help_lines(template, start, "2030-2031")
    assert any("2031" in line for line in help_lines(template, start, "2030-2031"))


def _prompt(template: Template, table_id: str, row_index: int) -> list[str]:
    table = _question(template, table_id)
    assert isinstance(table, TableQuestion)
    turn = SimpleNamespace(
        template=template, state=SimpleNamespace(row_index=row_index), values={}
    )
    return table_prompt(cast(TurnSurface, turn), table)


def test_a_tables_prompt_follows_its_template() -> None:
    template = load_template(KIND)
    example = t("ask.example", example="538 0 0 77 448 13")
    first = _prompt(template, "conduct", 0)
    assert example in first and t("ask.table_blank") in first
    edited = _edited('example: "538 0 0 77 448 13"', 'example: "1538 0 0 77 448 13"')
    assert t("ask.example", example="1.538 0 0 77 448 13") in _prompt(edited, "conduct", 0)
    assert example in _prompt(template, "conduct", 1)
    # The abbreviations are explained at the first row only.
    table = _question(template, "learning_titles")
    assert isinstance(table, TableQuestion)
    glossary = [
        line
        for line in _prompt(template, "learning_titles", 0)
        if line.startswith(t("ask.abbreviations", items="").split(":")[0])
    ]
    assert not set(glossary) & set(_prompt(template, "learning_titles", 1))


def test_what_a_table_is_evaluated_alone_with_lives_on_its_template() -> None:
    for template in all_templates():
        plan = _plan(template)
        for table in plan.tables:
            rates = plan.alone.get(table.id)
            if rates is not None:
                assert table.id in plan.fragments
                typed = plan.everything.typed_rates
                assert set(rates) == {r for r in typed if r.startswith(f"{table.id}.")}
    template = load_template(KIND)
    assert _plan(template).alone["conduct_previous"]
    kept = [
        s
        for s in template.sections
        if not any(slot.question.id == "conduct_previous" for slot in flow.slots(s))
    ]
    shorter = template.model_copy(update={"sections": kept})
    assert "conduct_previous" not in _plan(shorter).alone
    assert _plan(template).alone["conduct_previous"]


def test_a_row_that_is_not_one_says_what_a_row_is() -> None:
    template = load_template(KIND)
    table = _question(template, "conduct")
    assert isinstance(table, TableQuestion)
    names = ", ".join(c.label for c in table.columns)
    with pytest.raises(InvalidAnswer) as few:
        parse_table_row(table, "538 0")
    assert few.value.message == t(
        "answer.row_cells", expected=len(table.columns), given=2, columns=names
    )
    with pytest.raises(InvalidAnswer) as words:
        parse_table_row(table, "tốt")
    assert names in words.value.message
    assert parse_table_row(table, "538 0 0 77 448 13") is not None


def test_the_review_names_each_question_as_its_template_does() -> None:
    template = load_template(KIND)
    edited = _edited("label: Số học viên đầu năm học\n", "label: Học viên đầu năm\n")
    owner = flow.owner_section(template, "enrolled")
    assert owner is not None
    assert _titles(owner)["enrolled"] == "Số học viên đầu năm học"
    edited_owner = flow.owner_section(edited, "enrolled")
    assert edited_owner is not None
    assert _titles(edited_owner)["enrolled"] == "Học viên đầu năm"
    for slot in flow.slots(owner):
        question = slot.question
        assert _titles(owner)[question.id] == short(question.label or question.prompt, 70)


def test_a_menu_line_names_its_section_as_its_template_does() -> None:
    template = load_template(KIND)
    title = "Thực hiện các cuộc vận động và phong trào thi đua"
    edited = _edited(f"title: {title}\n", "title: Các cuộc vận động\n")
    first, edited_first = template.sections[0], edited.sections[0]
    number = first.number
    assert _label(first, "✅") == (f"✅ {number}. {title}", short(f"✅ {number}. {title}", 60))
    assert _label(first, "⬜")[0] == f"⬜ {number}. {title}"
    assert _label(edited_first, "✅")[0] == f"✅ {number}. Các cuộc vận động"
    assert _label(first, "✅")[0] == f"✅ {number}. {title}"


def test_a_questions_place_in_its_section_is_where_the_walk_finds_it() -> None:
    for template in all_templates():
        for section in template.sections:
            ids = [slot.question.id for slot in flow.slots(section)]
            assert [flow.slot_index(section, i) for i in ids] == [ids.index(i) for i in ids]
            with pytest.raises(ValueError, match="no_such_question"):
                flow.slot_index(section, "no_such_question")
    template = load_template(KIND)
    shorter = template.sections[1].model_copy(
        update={"sections": template.sections[1].sections[1:]}
    )
    ids = [slot.question.id for slot in flow.slots(shorter)]
    assert [flow.slot_index(shorter, i) for i in ids] == list(range(len(ids)))


def test_a_short_line_is_given_back_as_the_rule_makes_it() -> None:
    # `short` returns a printable one-line text as it is: the same as for the text with its
    # spaces collapsed first, and always one line within the limit.
    draw = random.Random(3)
    alphabet = [*"ab ếố\n\t\u00a0\u2028x1,;–-", " ", " ", " "]
    for _ in range(20_000):
        text = "".join(draw.choice(alphabet) for _ in range(draw.randint(0, 30)))
        limit = draw.randint(2, 35)
        cut = short(text, limit)
        assert cut == short(" ".join(text.split()), limit), (text, limit)
        assert len(cut) <= limit and cut == " ".join(cut.split()), (text, limit)


def test_a_printable_answer_is_cleaned_as_any_other() -> None:
    # `clean_text` takes a printable text straight to NFC and trimmed: no unsafe character,
    # line break or carriage return is printable.
    assert not any(
        _UNSAFE.match(chr(code)) and chr(code).isprintable() for code in range(0x110000)
    )
    texts = ["  591 ", "Tốt lắm", "Tốt\u200b lắm", "a\r\nb", "a\rb", "e\u0301 x ", "\ufeff12"]
    for text in [*texts, "ok\n\n\nx", ""]:
        by_rule = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
        by_rule = re.sub(r"\n\s*\n+", "\n\n", _UNSAFE.sub("", by_rule)).strip()
        assert clean_text(text) == by_rule

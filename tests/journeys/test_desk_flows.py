"""The desk's dialogues as typed state: a conversation saved before they were typed (an
untyped dict in the state's "desk") still loads into the right dialogue, and is stored
back as the same JSON object; a desk button of a report pressed where there is none is a
stale button."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from sqlmodel import select

from bot.conversation.desk.flows import (
    Adjustment,
    AssignSection,
    ChildName,
    DeskFlow,
    Idle,
    NewDeadline,
    OpenPeriod,
    ReturnSection,
    UnitSetting,
)
from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import ButtonPress, Command, Sender
from bot.conversation.state import State
from bot.core.replies import Reply
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from models import Conversation
from tests.conftest import FIXTURE_TEMPLATES

# Each "desk" object as the untyped desk stored it, and the dialogue it is.
SAVED: list[tuple[dict[str, Any], type[DeskFlow]]] = [
    ({}, Idle),
    ({"choices": {"1": "d:rm:4", "2": "d:end:"}}, Idle),
    ({"kind": "bao-cao-nam", "choices": {"1": "d:year:2025-2026"}}, OpenPeriod),
    ({"kind": "bao-cao-nam", "year": "2025-2026"}, OpenPeriod),
    ({"kind": "bao-cao-nam", "year": "2025-2026", "term": None}, OpenPeriod),
    (
        {
            "kind": "bao-cao-nam",
            "year": "2025-2026",
            "term": 2,
            "collect": "bao-cao-truong",
            "wait": "deadline",
            "choices": {"1": "d:due:20260520"},
        },
        OpenPeriod,
    ),
    ({"section": "general", "choices": {"1": "d:am:general:3"}}, AssignSection),
    ({"section": "general", "wait": "comment"}, ReturnSection),
    ({"wait": "unit", "field": "recipients"}, UnitSetting),
    ({"wait": "new_deadline"}, NewDeadline),
    ({"wait": "child_name"}, ChildName),
    ({"wait": "adjustment", "choices": {"1": "d:end:"}}, Adjustment),
]


@pytest.mark.parametrize(("saved", "kind"), SAVED)
def test_a_desk_saved_as_a_dict_loads_and_is_stored_back_the_same(
    saved: dict[str, Any], kind: type[DeskFlow]
) -> None:
    stored = {"mode": "desk", "step": 7, "section_id": "general", "desk": saved}
    state = State.model_validate(stored)
    assert type(state.desk) is kind
    assert state.desk.choices == saved.get("choices", {})
    dumped = state.model_dump(mode="json")
    assert dumped["desk"] == saved
    assert State.model_validate(dumped).model_dump(mode="json") == dumped


@pytest.mark.parametrize(
    "module", ["bot.conversation.state", "bot.conversation.desk.flows", "bot.conversation.surface"]
)
def test_the_state_and_the_desk_import_first_without_a_cycle(module: str) -> None:
    """The state holds the desk's dialogues: importing either first must work."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-400:]


def test_the_dialogue_keeps_what_was_chosen() -> None:
    saved = {"kind": "k", "year": "2025-2026", "term": None, "collect": "c", "wait": "deadline"}
    flow = State.model_validate({"desk": saved}).desk
    assert isinstance(flow, OpenPeriod)
    assert (flow.kind, flow.year, flow.term, flow.collect, flow.wait) == (
        "k",
        "2025-2026",
        None,
        "c",
        "deadline",
    )
    # A whole-year report (term None) is a choice made; no term key is none made yet.
    assert flow.term_chosen
    not_yet = State.model_validate({"desk": {"kind": "k", "year": "2025-2026"}}).desk
    assert isinstance(not_yet, OpenPeriod) and not not_yet.term_chosen
    section = State.model_validate({"desk": {"section": "s2", "wait": "comment"}}).desk
    assert isinstance(section, ReturnSection) and section.section == "s2"


def test_a_state_without_a_desk_or_with_unknown_keys_loads_idle() -> None:
    assert type(State.model_validate({}).desk) is Idle
    odd = State.model_validate({"desk": {"wait": "something else", "x": 1}})
    assert type(odd.desk) is Idle
    assert State().model_dump(mode="json")["desk"] == {}


def test_a_new_dialogue_is_stored_with_the_keys_it_set() -> None:
    state = State(desk=OpenPeriod(kind="k"))
    assert isinstance(state.desk, OpenPeriod)
    state.desk.year = "2026-2027"
    state.desk.term = None
    state.desk.choices = {"1": "d:due:20270520"}
    assert state.model_dump(mode="json")["desk"] == {
        "kind": "k",
        "year": "2026-2027",
        "term": None,
        "choices": {"1": "d:due:20270520"},
    }
    assert State(desk=ReturnSection(section="s")).model_dump(mode="json")["desk"] == {
        "section": "s",
        "wait": "comment",
    }


@pytest.mark.parametrize("action", ["d:ret:general", "d:fin:yes", "d:rem:now", "d:am:general:1"])
def test_a_report_button_in_a_unit_without_a_report_is_stale(
    database: Database, action: str
) -> None:
    """A leader of a unit with no period yet (the lobby) presses a button of a report's
    desk (an old message, a forged code): told it is no longer valid, nothing breaks."""
    engine = ConversationEngine(
        database, EngineOptions(demo=False, templates_root=FIXTURE_TEMPLATES)
    )
    with database.session() as session:
        unit = store.create_unit(session, name="Trường Lobby", place="Quận 1")
        director = store.add_member(
            session,
            unit=unit,
            display_name="Cô Lan",
            role="director",
            channel="test",
            external_id="lobby-director",
        )
        director_id = director.id
    chat = Sender("test", "lobby-director", "Cô Lan")
    engine.handle(chat, Command("start"))
    with database.session() as session:
        row = session.exec(
            select(Conversation).where(Conversation.member_id == director_id)
        ).first()
        step = int((row.state if row else {}).get("step", 0))
    replies = engine.handle(chat, ButtonPress(f"{step}:{action}"))
    texts = [r.text for r in replies if isinstance(r, Reply)]
    assert texts[0] == t("input.stale_button")
    assert t("period.none_open_lead") in texts

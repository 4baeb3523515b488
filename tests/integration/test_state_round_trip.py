"""The conversation state written as the model's own JSON text (`state.dumped`, bound as it
is on SQLite) means what the model_dump-and-json.dumps text it replaced meant: it reads back
as the same state, through the hot path and the ORM, and old rows still load alike."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from sqlmodel import Session

from bot.conversation.desk.flows import DeskFlow, OpenPeriod
from bot.conversation.state import State, dumped
from bot.core.clock import VIETNAM
from bot.store import hot_path
from bot.store import queries as store
from bot.store.database import Database
from models import Conversation, require_id
from tests.journeys.test_desk_flows import SAVED
from tests.support.factories import open_unit

MOMENT = datetime(2026, 3, 2, 9, 15, 30, 123456, tzinfo=VIETNAM)

# Texts as rows hold them: written by json.dumps (ASCII escapes, spaces) by every release so
# far, some without the keys added later, some with keys no release knows.
STORED: list[str] = [
    # release 0.1.0 (tests/fixtures/db/release-0.1.0.sql): no last_question_id, desk, ...
    '{"mode": "question", "section_id": "campaigns", "question_id": "directive_31",'
    ' "from_review": false, "row_index": 0, "pending_row": null, "pending_blank": false,'
    ' "item": {}, "field_index": 0, "selected": [], "check_keys": [], "step": 2}',
    "{}",
    '{"mode": "menu", "step": 3, "gone_key": [1, 2], "desk": {}}',
    json.dumps(
        {
            "mode": "confirm_row",
            "section_id": "s3",
            "question_id": "t_3_1",
            "row_index": 2,
            "pending_row": {
                "so_hv": 591,
                "ty_le": 91.8,
                "tiny": 1e-7,
                "huge": 12345678901234567890123,
                "ghi_chu": "Học kỳ I: đạt 8,97%",
                "rows": [["Trường THPT Nguyễn Du", None, True]],
            },
            "selected": ["a", "ệ"],
            "item": {"tên": "Lan", "ngày": "2026-05-31"},
            "step": 9,
        }
    ),
    json.dumps({"mode": "check", "check_keys": ["k1"], "pending_row": {"x": math.nan}}),
    json.dumps({"mode": "review", "section_id": "a\ud800b"}),  # a lone surrogate, escaped
]


def _same(new: State, old: State) -> None:
    """Equal fields, the same dialogue with the same keys set (which decide what it stores)."""
    # As json.dumps writes them: a float stays a float, NaN compares.
    assert json.dumps(new.model_dump(mode="json")) == json.dumps(old.model_dump(mode="json"))
    assert type(new.desk) is type(old.desk)
    assert new.desk.model_fields_set == old.desk.model_fields_set


def _meaning(text: str) -> Any:
    """A stored text's meaning, NaN made comparable."""
    return json.loads(text, parse_constant=lambda name: f"<{name}>")


def _read(text: str) -> State:
    """How an event reads a row: decoded by the column's JSON type, then validated."""
    return State.model_validate(json.loads(text) or {})


@pytest.mark.parametrize(("saved", "kind"), SAVED)
def test_a_stored_desk_loads_and_is_stored_as_it_was(
    saved: dict[str, Any], kind: type[DeskFlow]
) -> None:
    state = _read(json.dumps({"mode": "desk", "step": 7, "desk": saved}))
    assert type(state.desk) is kind
    assert json.loads(dumped(state))["desk"] == saved
    again = _read(dumped(state))
    _same(again, state)
    assert dumped(again) == dumped(state)


def _states() -> list[State]:
    """States as turns leave them, values of every kind the typed input may hold."""
    desk = State(mode="desk", step=12, desk=OpenPeriod(kind="bao-cao-nam"))
    assert isinstance(desk.desk, OpenPeriod)
    desk.desk.term, desk.desk.choices = None, {"1": "d:due:20270520"}
    return [
        State(),
        State(mode="question", section_id="s1", question_id="q1", last_question_id="q1", step=87),
        State(
            mode="more_items",
            item={"tên": "Nguyễn Thị Lan Anh", "điểm": Decimal("8.97"), "số": Decimal("1E+3")},
            pending_row={
                "ngày": date(2026, 5, 31),
                "lúc": MOMENT,
                "cặp": (1, 2),
                "nan": math.nan,
                "vô cực": [math.inf, -math.inf],
                "ghi chú": "Đạt 🎉",
            },
            pending_import={"question_id": "t", "file": "Báo cáo.xlsx", "value": [{"a": 1.5}]},
            selected=["x", "ý"],
            check_keys=["k"],
            pending_blank=True,
            period_chosen=True,
            from_review=True,
            row_index=3,
            field_index=1,
        ),
        State(section_id="a\ud800b", step=1),  # a lone surrogate: no UTF-8 for it
        desk,
    ]


@pytest.mark.parametrize("state", _states())
def test_the_stored_text_means_what_json_dumps_wrote(state: State) -> None:
    text = dumped(state)
    before = json.dumps(state.model_dump(mode="json"))  # what was stored until now
    assert _meaning(text) == _meaning(before)
    _same(_read(text), _read(before))


@pytest.mark.parametrize("text", STORED)
def test_an_old_row_loads_and_is_stored_back_meaning_the_same(text: str) -> None:
    state = _read(text)
    _same(_read(dumped(state)), state)
    assert _meaning(dumped(state)) == _meaning(json.dumps(state.model_dump(mode="json")))


def test_nan_and_infinities_are_stored_as_null_as_before() -> None:
    """pydantic's JSON mode always made them null (the rows hold no NaN for PostgreSQL's
    json to refuse)."""
    state = State(pending_row={"nan": math.nan, "inf": [math.inf, -math.inf]})
    assert json.loads(dumped(state))["pending_row"] == {"nan": None, "inf": [None, None]}


def _write(session: Session, conversation_id: int | None, member_id: int, text: str) -> None:
    hot_path.write_conversation(
        session,
        conversation_id=conversation_id,
        member_id=member_id,
        period_id=None,
        state=text,
        identity_id=None,
    )


@pytest.mark.dialect  # SQLite's cursor binds the text; SQLAlchemy's JSON type on PostgreSQL
@pytest.mark.parametrize("new_row", [False, True])
def test_the_state_goes_through_the_database_and_reads_back_alike(
    database: Database, new_row: bool
) -> None:
    sqlite = database.url.startswith("sqlite")
    with time_machine.travel(MOMENT, tick=False), database.session() as session:
        opened = open_unit(session, channel="telegram", external_id="42")
        member_id = require_id(opened.director)
        conversation_id = (
            None if new_row else store.conversation_of(session, member_id=member_id).id
        )
    for state in _states():
        text = dumped(state)
        with database.session() as session:
            _write(session, conversation_id, member_id, text)
        with database.session() as session:
            context = hot_path.member_context(session, channel="telegram", external_id="42")
            assert context is not None and context.conversation_state is not None
            conversation_id = context.conversation_id
            _same(State.model_validate(context.conversation_state), _read(text))
            orm = session.get(Conversation, conversation_id)
            assert orm is not None and orm.state == context.conversation_state
            stored = session.connection().exec_driver_sql("SELECT state FROM conversation")
            raw = stored.scalar_one()
            if sqlite and not new_row:
                assert raw == text  # bound as it was made, not decoded and encoded again
            else:
                assert _meaning(raw if isinstance(raw, str) else json.dumps(raw)) == _meaning(text)

"""The conversation state a turn stored is handed to the member's next turn without being
read again, only while the row still holds the very text stored: a state written by another
process, or a turn undone, is read from the row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from bot.conversation import turn as turn_module
from bot.conversation.engine import ConversationEngine
from bot.conversation.events import Sender, parse_typed
from bot.conversation.group_commit import Pending, commit_batch
from bot.core.replies import Reply
from bot.store import queries as store
from bot.store.database import Database
from models import Conversation, Period, require_id
from tests.support.failing import fail_events_of

TEACHER = Sender("test", "1", "Cô Hương")


def say(engine: ConversationEngine, line: str) -> str:
    """Types a line, handled as the writer handles an event (its kept session, one batch)."""
    pending = Pending(TEACHER, parse_typed(line), None)
    commit_batch(engine, [pending])
    return "\n".join(r.text for r in pending.result.result() if isinstance(r, Reply))


def answers(database: Database) -> dict[str, Any]:
    with database.session() as session:
        period = session.exec(select(Period)).one()
        return store.answer_values(session, period_id=require_id(period))[0]


@pytest.fixture
def asked_enrolled(engine: ConversationEngine) -> ConversationEngine:
    """The teacher in section 1, asked "Số học viên đầu năm?" (the state stored and kept)."""
    say(engine, "/start")
    say(engine, "1")
    assert "Số học viên đầu năm?" in say(engine, "Năm học ổn định")
    return engine


def test_a_state_another_process_wrote_is_read_from_the_row(
    asked_enrolled: ConversationEngine, other_instance: Database
) -> None:
    with other_instance.session() as other:
        conversation = other.exec(select(Conversation)).one()
        assert conversation.state is not None
        state = {**conversation.state, "question_id": "dropouts"}
        conversation.state = json.loads(json.dumps(state))
        other.add(conversation)
    assert "Ghi chú thêm" in say(asked_enrolled, "12")
    assert answers(asked_enrolled.database) == {
        "summary": "Năm học ổn định",
        "dropouts": 12,
    }


def test_a_turn_undone_after_storing_its_state_leaves_the_stored_one(
    asked_enrolled: ConversationEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        fail_events_of(patch, asked_enrolled, TEACHER.external_id)  # after its writes
        with pytest.raises(RuntimeError):
            say(asked_enrolled, "591")
    assert "Số học viên bỏ học?" in say(asked_enrolled, "591")
    assert answers(asked_enrolled.database) == {"summary": "Năm học ổn định", "enrolled": 591}


def test_a_turn_that_fails_halfway_leaves_no_half_changed_state_behind(
    asked_enrolled: ConversationEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the state could not be written")

    with monkeypatch.context() as patch:
        # The turn moved on to the next question, then failed before storing its state.
        patch.setattr(turn_module.hot_path, "write_conversation", broken)
        with pytest.raises(RuntimeError):
            say(asked_enrolled, "591")
    assert "Số học viên bỏ học?" in say(asked_enrolled, "591")
    assert answers(asked_enrolled.database) == {"summary": "Năm học ổn định", "enrolled": 591}

"""Processed event ids: a redelivery is ignored, an id seen long ago is a new event, old ids
go; an event's kept replies and attempts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlmodel import func, select

from bot.conversation import transaction
from bot.core.clock import VIETNAM
from bot.core.replies import Button, HeavyJob, Reply
from bot.store import processed_events
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from models import EventAttempt, ProcessedEvent
from tests.support.transcript import Chat

pytestmark = pytest.mark.dialect

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)


def _event_ids(database: Database) -> list[str]:
    with database.session() as session:
        return sorted(session.exec(select(ProcessedEvent.event_id)).all())


def test_an_id_handled_days_ago_is_a_new_event_and_a_redelivery_within_the_window_is_not(
    chat: Chat, database: Database
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        chat.say("/start")
        chat.say("1")
        first = chat.say("Tốt", event_id="100")
        assert "Số học viên đầu năm?" in first
    # Telegram redelivers an update within a day at most: the same id then changes nothing
    # and gets its first reply again (issue 17.7: that reply may never have arrived).
    with time_machine.travel(MONDAY + timedelta(hours=23), tick=False):
        assert chat.say("Khá", event_id="100") == first
    # Days later the same id is another update (ids start over after a webhook change or a
    # quiet week): it is answered and stored, not swallowed as "already handled".
    with time_machine.travel(MONDAY + timedelta(days=3), tick=False):
        again = chat.say("591", event_id="100")
        assert "Số học viên bỏ học?" in again
        assert chat.say("592", event_id="100") == again
    with database.session() as session:
        row = session.exec(select(ProcessedEvent)).one()
        assert row.processed_at == MONDAY + timedelta(days=3)
        assert store.answer_values(session, period_id=1)[0]["enrolled"] == 591


def test_pruning_deletes_only_ids_older_than_the_window(database: Database) -> None:
    with time_machine.travel(MONDAY, tick=False), database.session() as session:
        for n in range(5):
            assert processed_events.claim_event(session, channel="telegram", event_id=str(n))
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False), database.session() as s:
        assert processed_events.claim_event(s, channel="telegram", event_id="recent")
    with time_machine.travel(MONDAY + timedelta(days=3), tick=False), database.session() as s:
        assert processed_events.prune_events(s, before=MONDAY + timedelta(hours=12), limit=3) == 3
        assert processed_events.prune_events(s, before=MONDAY + timedelta(hours=12)) == 2
        assert processed_events.prune_events(s, before=MONDAY + timedelta(hours=12)) == 0
    assert _event_ids(database) == ["recent"]


def test_every_few_hundred_events_a_claim_prunes_the_old_ids(database: Database) -> None:
    with time_machine.travel(MONDAY, tick=False), database.session() as session:
        for n in range(processed_events.PRUNE_EVERY - 2):
            processed_events.claim_event(session, channel="telegram", event_id=f"old-{n}")
    later = MONDAY + processed_events.EVENT_WINDOW + timedelta(minutes=1)
    with time_machine.travel(later, tick=False), database.session() as session:
        processed_events.claim_event(session, channel="telegram", event_id="new-1")
    # Nothing pruned yet: only every PRUNE_EVERY-th claim prunes.
    with database.session() as session:
        count = session.exec(select(func.count()).select_from(ProcessedEvent)).one()
        assert count == processed_events.PRUNE_EVERY - 1
    with time_machine.travel(later, tick=False), database.session() as session:
        processed_events.claim_event(session, channel="telegram", event_id="new-2")
    assert _event_ids(database) == ["new-1", "new-2"]


def test_kept_replies_clear_the_attempts_and_come_back_on_a_redelivery(
    database: Database,
) -> None:
    # Event 7 was taken twice by the poll before; event 8 arrives without a count (webhook).
    for _ in range(2):
        transaction.start_attempts(database, channel="telegram", event_ids=["7"])
    asked = Reply("Số học viên?", [[Button("3:skip", "Bỏ qua", "/boqua")]])
    with database.session() as session:
        transaction.keep_replies(session, channel="telegram", event_id="7", replies=[asked])
        transaction.keep_replies(
            session,
            channel="telegram",
            event_id="8",
            replies=[Reply("Đã lưu"), HeavyJob(t, ("upload.interrupted",))],
        )
    with database.session() as session:
        assert transaction.replayed(session, channel="telegram", event_id="7") == [asked]
        assert transaction.replayed(session, channel="telegram", event_id="8") == [
            Reply("Đã lưu"),
            Reply(t("upload.interrupted")),
        ]
        assert transaction.replayed(session, channel="console", event_id="7") == []
    # The counts start over: the events were handled.
    earlier = transaction.start_attempts(database, channel="telegram", event_ids=["7", "8"])
    assert earlier == {"7": 0, "8": 0}
    with database.session() as session:
        kept = session.exec(select(func.count()).select_from(EventAttempt)).one()
    assert kept == 2


def test_a_handled_event_is_never_given_up_however_often_it_comes_again(
    database: Database,
) -> None:
    transaction.start_attempts(database, channel="telegram", event_ids=["7"])
    with database.session() as session:
        assert processed_events.claim_event(session, channel="telegram", event_id="7")
        transaction.keep_replies(session, channel="telegram", event_id="7", replies=[])
    # Its replies may never have arrived: each delivery again gets them, none is the last.
    for _ in range(3):
        earlier = transaction.start_attempts(database, channel="telegram", event_ids=["7"])
        assert earlier == {"7": 0}


def test_an_events_replies_are_kept_in_the_row_its_claim_wrote(
    chat: Chat, database: Database
) -> None:
    said = chat.say("/start", event_id="5")
    with database.session() as session:
        row = session.exec(select(ProcessedEvent)).one()
        assert row.event_id == "5" and row.replies is not None
        assert "\n".join(reply["text"] for reply in row.replies) == said
        # No second row (and its two indexes) for the replies.
        assert session.exec(select(func.count()).select_from(EventAttempt)).one() == 0


def test_pruning_looks_at_the_oldest_ids_and_keeps_an_id_renewed_since(
    database: Database,
) -> None:
    with time_machine.travel(MONDAY, tick=False), database.session() as session:
        for n in range(5):
            assert processed_events.claim_event(session, channel="telegram", event_id=str(n))
    # Id "0" comes again days later: a new event, on the oldest row.
    with time_machine.travel(MONDAY + timedelta(days=3), tick=False), database.session() as s:
        assert processed_events.claim_event(s, channel="telegram", event_id="0")
        before = MONDAY + timedelta(hours=12)
        # The two oldest rows are looked at: "0" is recent now, "1" is old.
        assert processed_events.prune_events(s, before=before, limit=2) == 1
        assert processed_events.prune_events(s, before=before) == 3
    assert _event_ids(database) == ["0"]


def test_an_id_renewed_after_the_window_drops_the_replies_of_its_earlier_event(
    database: Database,
) -> None:
    with time_machine.travel(MONDAY, tick=False), database.session() as session:
        assert processed_events.claim_event(session, channel="telegram", event_id="9")
        transaction.keep_replies(session, channel="telegram", event_id="9", replies=[Reply("A")])
    with time_machine.travel(MONDAY + timedelta(days=3), tick=False), database.session() as s:
        assert processed_events.claim_event(s, channel="telegram", event_id="9")
        assert transaction.replayed(s, channel="telegram", event_id="9") == []

"""A kept session's member context: the member, unit and period instances are used again
from one transaction to the next, yet always hold the row read in the transaction itself,
whatever another connection wrote, a rollback undid, or a caller changed in place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlmodel import Session

from bot.store import hot_path
from bot.store.database import Database
from models import Member, Period, Role, Unit, require_id
from tests.support.factories import open_unit

pytestmark = pytest.mark.dialect  # SQLite's rows converted here, PostgreSQL's by SQLAlchemy

CHANNEL, USER = "telegram", "42"
RECIPIENTS = ["Sở GD&ĐT", "Lưu: VT"]


@pytest.fixture
def ids(database: Database) -> dict[str, int]:
    with database.session() as session:
        opened = open_unit(session, channel=CHANNEL, external_id=USER, recipients=RECIPIENTS)
        return {
            "member": require_id(opened.director),
            "unit": require_id(opened.unit),
            "period": require_id(opened.period),
        }


@contextmanager
def batch(database: Database) -> Iterator[tuple[Session, hot_path.MemberContext]]:
    """One batch of the writer: its kept session and the member's context read in it."""
    with database.session(kept=True) as session:
        context = hot_path.member_context(session, channel=CHANNEL, external_id=USER)
        assert context is not None and context.period is not None
        yield session, context


def instances(context: hot_path.MemberContext) -> tuple[Any, ...]:
    return context.member, context.unit, context.period


def assert_as_stored(database: Database) -> None:
    """The next batch reads the member, unit and period as `ids` stored them."""
    with batch(database) as (_session, again):
        assert again.period is not None and again.period.status == "open"
        assert again.unit.name == "Trung tâm GDNN-GDTX Quận 1"
        assert again.member.display_name == "Nguyễn Thị Lan"


def test_the_instances_are_used_again_and_hold_what_another_connection_wrote(
    database: Database, other_instance: Database, ids: dict[str, int]
) -> None:
    with batch(database) as (_session, first):
        kept = instances(first)
    with other_instance.session() as other:
        unit, period, member = (
            other.get(Unit, ids["unit"]),
            other.get(Period, ids["period"]),
            other.get(Member, ids["member"]),
        )
        assert unit is not None and period is not None and member is not None
        unit.name, unit.recipients = "Trung tâm GDNN-GDTX Quận 3", ["Phòng GD&ĐT"]
        period.status, period.document_number = "closed", "15/BC-TTGDTX"
        member.display_name, member.role = "Trần Văn Bình", Role.DEPUTY
    with batch(database) as (session, again):
        assert instances(again) == kept  # the very objects: no new ones built
        assert all(instance in session for instance in instances(again))
        assert not session.dirty
        assert again.unit.name == "Trung tâm GDNN-GDTX Quận 3"
        assert again.unit.recipients == ["Phòng GD&ĐT"]
        assert again.period is not None and again.period.status == "closed"
        assert again.period.document_number == "15/BC-TTGDTX"
        assert again.member.display_name == "Trần Văn Bình"
        assert again.member.role is Role.DEPUTY


def test_a_change_rolled_back_is_not_seen_by_the_next_transaction(
    database: Database, ids: dict[str, int]
) -> None:
    with pytest.raises(RuntimeError), batch(database) as (session, context):
        assert context.period is not None
        context.period.status = "final"
        context.unit.name = context.member.display_name = "Tên chưa lưu"
        session.flush()  # written, then undone
        raise RuntimeError("the event failed")
    assert_as_stored(database)


def test_a_change_undone_with_its_savepoint_is_not_seen_by_the_next_transaction(
    database: Database, ids: dict[str, int]
) -> None:
    with (
        database.session(kept=True) as session,
        pytest.raises(RuntimeError),
        session.begin_nested(),
    ):
        context = hot_path.member_context(session, channel=CHANNEL, external_id=USER)
        assert context is not None and context.period is not None
        context.period.status = "final"
        context.unit.name = context.member.display_name = "Tên chưa lưu"
        session.flush()
        raise RuntimeError("one event of the batch failed")
    assert_as_stored(database)


def test_a_change_made_in_place_and_never_written_is_not_seen_by_the_next_transaction(
    database: Database, ids: dict[str, int]
) -> None:
    with batch(database) as (_session, context):
        # A JSON list changed in place: the ORM does not notice, nothing is written.
        assert context.unit.recipients is not None
        context.unit.recipients.append("Ban Giám đốc")
    with batch(database) as (_session, again):
        assert again.unit.recipients == RECIPIENTS


def test_a_change_committed_by_the_kept_session_itself_is_read_back(
    database: Database, ids: dict[str, int]
) -> None:
    with batch(database) as (_session, context):
        assert context.period is not None
        context.period.status = "closed"
        context.unit.recipients = ["Phòng GD&ĐT"]
    with batch(database) as (_session, again):
        assert again.period is not None and again.period.status == "closed"
        assert again.unit.recipients == ["Phòng GD&ĐT"]
    with database.session() as session:
        period = session.get(Period, ids["period"])
        assert period is not None and period.status == "closed"


def test_an_instance_changed_after_its_transaction_is_not_taken_as_read(
    database: Database, ids: dict[str, int]
) -> None:
    with batch(database) as (_session, context):
        pass
    context.unit.name = "Tên đổi sau khi lưu"  # out of any session: never written
    with batch(database) as (session, again):
        assert again.unit.name == "Trung tâm GDNN-GDTX Quận 1"
        assert not session.dirty  # nothing to write back either


def test_an_instance_another_session_took_is_not_shared_with_it(
    database: Database, ids: dict[str, int]
) -> None:
    with batch(database) as (_session, context):
        pass
    with database.session() as other:
        other.add(context.unit)  # taken into another session (as a merge-free caller might)
        with batch(database) as (session, again):
            assert again.unit is not context.unit
            assert again.unit in session and context.unit not in session

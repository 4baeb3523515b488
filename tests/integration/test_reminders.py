"""Deadline reminders: the clock moved through a whole period, on SQLite and PostgreSQL.

A unit with a director (Lan) and two teachers: An writes "general", Bình writes "quality".
The report is due on Tuesday 30/06/2026. A fake sender at the seam records what was sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from pydantic import ValidationError
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.clock import VIETNAM, now
from bot.reminders import deadlines, service
from bot.reminders.messages import ReminderText
from bot.reminders.planner import plan_all
from bot.reminders.policy import schedule
from bot.reminders.release import release_claims
from bot.reminders.sender import RetryLaterError, UnreachableError
from bot.reminders.sweep import RateLimiter, Sweeper, SweepOptions, SweepReport, claim_due
from bot.store import queries as store
from bot.store.database import Database
from models import Assignment, ChatBlock, Period, Reminder, ReminderPolicy, require_id
from tests.conftest import FIXTURE_TEMPLATES
from tests.support.factories import open_unit

pytestmark = pytest.mark.dialect

DEADLINE = date(2026, 6, 30)


def vn(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    """A moment of June 2026 in Vietnam."""
    return datetime(2026, month, day, hour, minute, tzinfo=VIETNAM)


@dataclass
class Sent:
    at: datetime
    chat_id: str
    message: ReminderText


class FakeSender:
    """Records each message; raises what `fail` holds for a chat."""

    channel = "telegram"

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.fail: dict[str, Exception] = {}

    async def send(self, chat_id: str, message: ReminderText) -> None:
        error = self.fail.get(chat_id)
        if error is not None:
            raise error
        self.sent.append(Sent(now(), chat_id, message))

    def take(self) -> list[tuple[str, str]]:
        """(chat, text) of what was sent since the last take."""
        taken = [(s.chat_id, s.message.text) for s in self.sent]
        self.sent.clear()
        return taken


@dataclass
class World:
    period_id: int
    lan: int
    an: int
    binh: int


LAN, AN, BINH = "1001", "1002", "1003"


@pytest.fixture
def world(database: Database) -> World:
    with database.session() as session:
        opened = open_unit(
            session,
            name="Trung tâm GDNN-GDTX Quận 1",
            place="Quận 1",
            director="Nguyễn Thị Lan",
            channel="telegram",
            external_id=LAN,
            deadline=DEADLINE,
        )
        lan, period = opened.director, opened.period
        an = opened.member(session, "Trần Văn An", channel="telegram", external_id=AN)
        binh = opened.member(session, "Lê Thị Bình", channel="telegram", external_id=BINH)
        session.add(Assignment(period_id=period.id, section_id="general", member_id=an.id))  # type: ignore[arg-type]
        session.add(Assignment(period_id=period.id, section_id="quality", member_id=binh.id))  # type: ignore[arg-type]
        return World(require_id(period), require_id(lan), require_id(an), require_id(binh))


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


@pytest.fixture
def sweeper(database: Database, sender: FakeSender) -> Sweeper:
    options = SweepOptions(
        worker="test", rate=None, chat_interval=0, templates_root=FIXTURE_TEMPLATES
    )
    return Sweeper(database, {sender.channel: sender}, options)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(vn(20, 9), tick=False) as traveller:
        yield traveller


def finish(database: Database, world: World, section: str) -> None:
    with database.session() as session:
        store.set_section_finished(
            session, period_id=world.period_id, section_id=section, member_id=None, finished=True
        )


def set_policy(database: Database, world: World, **changes: object) -> None:
    with database.session() as session:
        service.change_policy(
            session,
            period_id=world.period_id,
            now=now(),
            templates_root=FIXTURE_TEMPLATES,
            **changes,  # type: ignore[arg-type]
        )


def rows(database: Database, world: World) -> dict[tuple[int, str], Reminder]:
    with database.session() as session:
        found = session.exec(select(Reminder).where(Reminder.period_id == world.period_id))
        return {(r.member_id, r.kind): r for r in found.all()}


async def test_a_whole_period_reminds_exactly_who_still_owes_something(
    database: Database,
    world: World,
    sender: FakeSender,
    sweeper: Sweeper,
    clock: time_machine.Coordinates,
) -> None:
    await sweeper.sweep()
    assert sender.take() == []
    planned = rows(database, world)
    assert planned[(world.an, "before_7d")].due_at == vn(23, 8)
    assert planned[(world.binh, "before_3d")].due_at == vn(27, 8)  # a Saturday: allowed
    assert planned[(world.lan, "director_summary")].due_at == vn(1, 8, month=7)
    # The director owns no section, so she is not reminded before the deadline.
    assert not any(member == world.lan and kind != "director_summary" for member, kind in planned)

    clock.move_to(vn(23, 7, 59))
    await sweeper.sweep()
    assert sender.take() == []
    clock.move_to(vn(23, 8))
    await sweeper.sweep()
    sent = dict(sender.take())
    assert set(sent) == {AN, BINH}
    assert sent[AN].splitlines() == [
        "⏰ Nhắc hạn: Báo cáo thử nghiệm, năm học 2025 - 2026 — hạn 30/06/2026 (còn 7 ngày).",
        "Các phần anh/chị còn phải hoàn thành:",
        "• 1. Thông tin chung",
        "Bấm nút dưới đây để trả lời tiếp từ câu còn thiếu, hoặc gõ /tiep.",
    ]
    assert "• 2. Chất lượng" in sent[BINH] and "Thông tin chung" not in sent[BINH]
    # A second sweep in the same minute sends nothing more.
    await sweeper.sweep()
    assert sender.take() == []

    clock.move_to(vn(27, 8, 1))
    await sweeper.sweep()
    assert sorted(chat for chat, _ in sender.take()) == [AN, BINH]

    # An finishes in between: she is not reminded again, Bình still is.
    clock.move_to(vn(28, 15))
    finish(database, world, "general")
    clock.move_to(vn(29, 8))
    await sweeper.sweep()
    assert [(chat, "còn 1 ngày" in text) for chat, text in sender.take()] == [(BINH, True)]
    clock.move_to(vn(30, 8))
    await sweeper.sweep()
    [(chat, text)] = sender.take()
    assert chat == BINH and text.startswith("⏰ Hôm nay là hạn nộp Báo cáo thử nghiệm")

    # The morning after the deadline the director learns what is missing, and from whom.
    clock.move_to(vn(1, 8, month=7))
    await sweeper.sweep()
    [(chat, text)] = sender.take()
    assert chat == LAN
    assert text.splitlines()[0] == (
        "📋 Đã qua hạn 30/06/2026: Báo cáo thử nghiệm, năm học 2025 - 2026."
    )
    assert "• 2. Chất lượng — Lê Thị Bình" in text and "Thông tin chung" not in text
    final = rows(database, world)
    assert {k: r.status for k, r in final.items() if k[0] == world.an} == {
        (world.an, "before_7d"): "sent",
        (world.an, "before_3d"): "sent",
        (world.an, "before_1d"): "dropped",
        (world.an, "due_day"): "dropped",
    }


async def test_the_continue_button_opens_the_first_missing_section(
    database: Database,
    world: World,
    sender: FakeSender,
    sweeper: Sweeper,
    clock: time_machine.Coordinates,
) -> None:
    finish(database, world, "general")
    with database.session() as session:
        session.add(
            Assignment(period_id=world.period_id, section_id="general", member_id=world.binh)
        )
    await sweeper.sweep()
    clock.move_to(vn(23, 8))
    await sweeper.sweep()
    [message] = [s.message for s in sender.sent]
    [[button]] = message.buttons
    assert button.code == "0:s:quality"
    assert button.command == "/tiep"


async def test_a_reminder_in_quiet_hours_waits_for_the_morning(
    database: Database,
    world: World,
    sender: FakeSender,
    sweeper: Sweeper,
    clock: time_machine.Coordinates,
) -> None:
    set_policy(database, world, send_time="22:30")
    assert rows(database, world)[(world.an, "before_7d")].due_at == vn(24, 7)
    # The bot was down: a reminder due at 08:00 is found at 21:30, in the quiet hours.
    set_policy(database, world, send_time="08:00")
    clock.move_to(vn(23, 21, 30))
    report = await sweeper.sweep()
    assert report.postponed == 2 and sender.take() == []
    assert rows(database, world)[(world.an, "before_7d")].due_at == vn(24, 7)
    clock.move_to(vn(24, 6, 59))
    await sweeper.sweep()
    assert sender.take() == []
    clock.move_to(vn(24, 7))
    await sweeper.sweep()
    assert sorted(chat for chat, _ in sender.take()) == [AN, BINH]


async def test_weekends_can_be_skipped(
    database: Database,
    world: World,
    sender: FakeSender,
    sweeper: Sweeper,
    clock: time_machine.Coordinates,
) -> None:
    set_policy(database, world, skip_weekends=True)
    # Saturday 27/06 moves back to Friday 26/06, before the deadline.
    assert rows(database, world)[(world.an, "before_3d")].due_at == vn(26, 8)
    clock.move_to(vn(26, 8))
    await sweeper.sweep()
    assert len(sender.take()) == 2
    clock.move_to(vn(27, 8))
    await sweeper.sweep()
    clock.move_to(vn(28, 12))
    await sweeper.sweep()
    assert sender.take() == []
    # A nudge asked for on a Saturday waits for Monday morning.
    with database.session() as session:
        service.nudge_now(
            session, period_id=world.period_id, now=now(), templates_root=FIXTURE_TEMPLATES
        )
    assert rows(database, world)[(world.an, "nudge")].due_at == vn(29, 7)


def test_schedule_rules_without_a_database() -> None:
    policy = ReminderPolicy(period_id=1, skip_weekends=True)
    # Deadline on a Sunday: the day itself and the day before fall on the weekend; only the
    # reminder nearer the deadline is kept on the Friday.
    times = schedule(policy, date(2026, 7, 5))
    assert times == {
        "before_7d": vn(26, 8),  # Sunday 28/06 -> Friday
        "before_3d": vn(2, 8, month=7),
        "due_day": vn(3, 8, month=7),
        "director_summary": vn(6, 8, month=7),
    }
    assert schedule(ReminderPolicy(period_id=1, enabled=False), DEADLINE) == {}


async def test_after_downtime_a_reminder_is_sent_once_not_once_per_missed_tick(
    database: Database,
    world: World,
    sender: FakeSender,
    sweeper: Sweeper,
    clock: time_machine.Coordinates,
) -> None:
    await sweeper.sweep()
    clock.move_to(vn(28, 10))  # down from the 20th to the 28th
    report = await sweeper.sweep()
    sent = sender.take()
    assert sorted(chat for chat, _ in sent) == [AN, BINH]
    assert all("còn 2 ngày" in text for _, text in sent)
    assert report.dropped == 2  # the "7 days before" ones, superseded
    await sweeper.sweep()
    assert sender.take() == []
    # Down again past the deadline: the members' reminders are dropped, the summary is sent.
    clock.move_to(vn(2, 9, month=7))
    await sweeper.sweep()
    assert [chat for chat, _ in sender.take()] == [LAN]
    statuses = {k: r.status for k, r in rows(database, world).items()}
    assert statuses[(world.an, "due_day")] == "dropped"


def test_replanning_is_idempotent_and_follows_changes(
    database: Database, world: World, clock: time_machine.Coordinates
) -> None:
    with database.session() as session:
        first = plan_all(session, now=now(), templates_root=FIXTURE_TEMPLATES)
    with database.session() as session:
        second = plan_all(session, now=now(), templates_root=FIXTURE_TEMPLATES)
    assert (first.inserted, second.inserted, second.moved, second.dropped) == (9, 0, 0, 0)
    before = {k: (r.id, r.due_at) for k, r in rows(database, world).items()}

    # The deadline moves a week later: the same rows move with it.
    with database.session() as session:
        period = session.get(Period, world.period_id)
        assert period is not None
        period.deadline = DEADLINE + timedelta(days=7)
        session.add(period)
        session.flush()
        moved = plan_all(session, now=now(), templates_root=FIXTURE_TEMPLATES)
    assert moved.moved == 9
    after = {k: (r.id, r.due_at) for k, r in rows(database, world).items()}
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert after[(world.an, "before_7d")][1] == vn(30, 8)

    # An's section is taken from her: her rows are dropped; given back: planned again.
    with database.session() as session:
        assignment = session.exec(select(Assignment).where(Assignment.member_id == world.an)).one()
        session.delete(assignment)
        session.flush()
        dropped = plan_all(session, now=now(), templates_root=FIXTURE_TEMPLATES)
    # Unassigned, "general" is the director's now.
    assert dropped.dropped == 4 and dropped.inserted == 4
    with database.session() as session:
        session.add(
            Assignment(period_id=world.period_id, section_id="general", member_id=world.an)
        )
        session.flush()
        revived = plan_all(session, now=now(), templates_root=FIXTURE_TEMPLATES)
    assert revived.revived == 4 and revived.dropped == 4
    assert rows(database, world)[(world.an, "before_7d")].status == "planned"


def test_claims_are_exclusive_and_a_dead_claim_is_taken_over(
    database: Database, world: World, clock: time_machine.Coordinates
) -> None:
    with database.session() as session:
        plan_all(session, now=now(), templates_root=FIXTURE_TEMPLATES)
    clock.move_to(vn(28, 9))
    lease = timedelta(minutes=5)
    with database.engine.begin() as connection:
        first = claim_due(connection, worker="a", now=now(), limit=3, lease=lease)
    with database.engine.begin() as connection:
        second = claim_due(connection, worker="b", now=now(), limit=10, lease=lease)
    assert len(first) == 3 and len(second) == 1 and not set(first) & set(second)
    with database.engine.begin() as connection:
        assert claim_due(connection, worker="c", now=now(), limit=10, lease=lease) == []
    clock.move_to(vn(28, 9, 6))
    with database.engine.begin() as connection:
        taken = claim_due(connection, worker="c", now=now(), limit=10, lease=lease)
    assert sorted(taken) == sorted(first + second)


def test_claims_given_back_by_a_stopping_process_are_taken_at_once_by_another(
    database: Database, world: World, clock: time_machine.Coordinates
) -> None:
    with database.session() as session:
        plan_all(session, now=now(), templates_root=FIXTURE_TEMPLATES)
    clock.move_to(vn(28, 9))
    lease = timedelta(minutes=5)
    with database.engine.begin() as connection:
        first = claim_due(connection, worker="a", now=now(), limit=3, lease=lease)
    assert release_claims(database, worker="a") == 3
    assert release_claims(database, worker="a") == 0
    # Within the lease: without the release "b" would get only the fourth row.
    with database.engine.begin() as connection:
        taken = claim_due(connection, worker="b", now=now(), limit=10, lease=lease)
    assert set(first) < set(taken) and len(taken) == 4
    with database.session() as session:
        claimed = session.exec(select(Reminder).where(col(Reminder.id).in_(taken))).all()
    assert {(r.claimed_by, r.attempts) for r in claimed} == {("b", 1)}


async def test_retry_after_reschedules_and_a_blocked_member_is_marked_and_reported(
    database: Database,
    world: World,
    sender: FakeSender,
    sweeper: Sweeper,
    clock: time_machine.Coordinates,
) -> None:
    await sweeper.sweep()
    clock.move_to(vn(23, 8))
    sender.fail[AN] = RetryLaterError(30, "RetryAfter 30")
    sender.fail[BINH] = UnreachableError("Forbidden: bot was blocked by the user")
    report = await sweeper.sweep()
    assert (report.retried, report.blocked) == (1, 1)
    an_row = rows(database, world)[(world.an, "before_7d")]
    assert (an_row.status, an_row.due_at, an_row.attempts) == (
        "planned",
        vn(23, 8, 0) + timedelta(seconds=30),
        1,
    )
    # The director is told in the same sweep's next round, or the next sweep.
    await sweeper.sweep()
    [(chat, text)] = sender.take()
    assert chat == LAN and text.startswith("⚠️ Lê Thị Bình đã chặn bot")
    with database.session() as session:
        assert session.exec(select(ChatBlock)).one().member_id == world.binh
    del sender.fail[AN]
    clock.move_to(vn(23, 8, 1))
    await sweeper.sweep()
    assert [chat for chat, _ in sender.take()] == [AN]
    # Bình is no longer planned; nothing more goes to her chat.
    statuses = {k: r.status for k, r in rows(database, world).items() if k[0] == world.binh}
    assert statuses[(world.binh, "before_7d")] == "failed"
    assert {statuses[(world.binh, k)] for k in ("before_3d", "before_1d", "due_day")} == {
        "dropped"
    }
    with database.session() as session:
        assert service.mark_unblocked(session, member_id=world.binh)


async def test_the_director_sees_and_changes_the_schedule_and_nudges(
    database: Database,
    world: World,
    sender: FakeSender,
    sweeper: Sweeper,
    clock: time_machine.Coordinates,
) -> None:
    set_policy(database, world, days_before=[5, 2], on_due_day=False)
    with database.session() as session:
        text = service.schedule_text(
            session, period_id=world.period_id, templates_root=FIXTURE_TEMPLATES
        )
    lines = text.splitlines()
    assert lines[0] == "🗓 Lịch nhắc hạn: Báo cáo thử nghiệm, năm học 2025 - 2026 — hạn 30/06/2026"
    assert lines[1] == "Nhắc trước hạn 5, 2 ngày lúc 08:00; không nhắn từ 21:00 đến 07:00."
    assert "• Thứ Năm 25/06/2026 08:00 — Trần Văn An: nhắc trước 5 ngày (đã lên lịch)" in lines
    assert not any("nhắc trước 7 ngày" in line for line in lines)

    with database.session() as session:
        nudged = service.nudge_now(
            session, period_id=world.period_id, now=now(), templates_root=FIXTURE_TEMPLATES
        )
    assert sorted(nudged) == sorted([world.an, world.binh])
    await sweeper.sweep()
    sent = sender.take()
    assert len(sent) == 2 and all(t.startswith("📣 Nhắc từ Ban Giám đốc") for _, t in sent)
    # A second nudge later is a new message; a member who finished is not nudged.
    finish(database, world, "general")
    clock.move_to(vn(21, 9))
    with database.session() as session:
        assert service.nudge_now(
            session, period_id=world.period_id, now=now(), templates_root=FIXTURE_TEMPLATES
        ) == [world.binh]
    await sweeper.sweep()
    assert [chat for chat, _ in sender.take()] == [BINH]


def test_cli_lists_planned_sent_and_failed(
    database: Database,
    database_url: str,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    clock: time_machine.Coordinates,
) -> None:
    with database.session() as session:
        plan_all(session, now=now(), templates_root=FIXTURE_TEMPLATES)
    monkeypatch.setenv("DATABASE_URL", database_url)
    from bot.core.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["reminders", "--period", str(world.period_id), "--json"])
        text = CliRunner().invoke(app, ["reminders", "--period", str(world.period_id)])
        missing = CliRunner().invoke(app, ["reminders", "--period", "999"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["counts"] == {"planned": 9, "claimed": 0, "sent": 0, "failed": 0, "dropped": 0}
    first = payload["reminders"][0]
    assert set(first) == {
        "id",
        "member_id",
        "member",
        "kind",
        "due_at",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    }
    assert (first["kind"], first["due_at"]) == ("before_7d", "2026-06-23T08:00:00+07:00")
    assert "• 23/06/2026 08:00 — Trần Văn An: nhắc trước 7 ngày (đã lên lịch)" in text.output
    assert missing.exit_code == 2
    assert "Không có kỳ báo cáo mã 999." in missing.output


async def test_sends_are_spaced_overall_and_per_chat() -> None:
    moments: list[float] = []
    current = [0.0]

    async def sleep(seconds: float) -> None:
        current[0] += seconds

    limiter = RateLimiter(30, 1.0, clock=lambda: current[0], sleep=sleep)
    for chat in ["a", "b", "a", "c"]:
        await limiter.wait(chat)
        moments.append(round(current[0], 4))
    assert moments == [0.0, round(1 / 30, 4), 1.0, round(1 + 1 / 30, 4)]


def test_sector_deadlines_are_added_once_per_unit_and_kind(
    database: Database, world: World
) -> None:
    with database.session() as session:
        unit_id = session.get(Period, world.period_id).unit_id  # type: ignore[union-attr]
        found = deadlines.add_sector_deadlines(session, unit_id=unit_id, template_id="mini-report")
        again = deadlines.add_sector_deadlines(session, unit_id=unit_id, template_id="mini-report")
        assert len(found) == len(again) == len(deadlines.sector_dates()) == 7
    # What the unit gets is the calendar's data.
    calendar = {(d.month, d.day): (d.label, d.term, d.source) for d in deadlines.sector_dates()}
    assert {(d.month, d.day): (d.label, d.term, d.source) for d in found} == calendar
    assert calendar[(1, 15)] == ("Sơ kết học kỳ I", 1, "Kế hoạch năm học")


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ("{label: Giao ban, month: 13, day: 1}", "less than or equal to 12"),
        ("{label: Giao ban, month: 4, day: 31}", "31/04 is no day of the year"),
        ("{label: '', month: 4, day: 1}", "at least 1 character"),
        ("{label: Giao ban, month: 4, day: 1, term: 3}", "less than or equal to 2"),
        ("{label: Giao ban, month: 4, day: 1, due: 1}", "Extra inputs are not permitted"),
        ("{label: A, month: 6, day: 30}, {label: B, month: 6, day: 30}", "given twice"),
    ],
)
def test_a_wrong_sector_calendar_is_refused_at_load(
    tmp_path: Path, entry: str, error: str
) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(f"dates: [{entry}]\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=error):
        deadlines.load_calendar(path)
    path.write_text("dates: [{label: Giao ban, month: 2, day: 29}]\n", encoding="utf-8")
    assert deadlines.load_calendar(path)[0].day == 29


def test_report_counts_are_empty_for_a_period_without_rows(
    database: Database, world: World
) -> None:
    with database.session() as session:
        assert service.counts(session, period_id=world.period_id)["planned"] == 0
    assert SweepReport().sent == 0

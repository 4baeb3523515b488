"""The director's reminder desk in chat (/nhacnho), re-planning from the desk, and a member
who unblocks the bot, on SQLite and PostgreSQL.

The unit of tests/integration/test_reminders.py: Lan directs, An writes "general", Bình "quality";
the report is due on Tuesday 30/06/2026 and the clock starts on Saturday 20/06 at 09:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
import time_machine
from sqlmodel import select
from telegram import Update

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import ButtonPress, Command, Sender, Text
from bot.core.replies import Button, Notice, Outgoing, Reply
from bot.reminders import service
from bot.reminders.sweep import Sweeper
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from bot.workflow import periods
from handlers import chats
from handlers.telegram.adapter import CHANNEL_KEY, TelegramChannel
from models import ChatBlock, Period, Reminder, ReminderPolicy
from tests.conftest import FIXTURE_TEMPLATES
from tests.integration import test_reminders as base
from tests.integration.test_reminders import AN, BINH, LAN, FakeSender, World, finish, rows, vn

pytestmark = pytest.mark.dialect

# The unit, the fake sender, the sweeper and the clock of tests/integration/test_reminders.py.
world = base.world
sender = base.sender
sweeper = base.sweeper
clock = base.clock

LAN_CHAT = Sender("telegram", LAN, "Nguyễn Thị Lan")
AN_CHAT = Sender("telegram", AN, "Trần Văn An")


@pytest.fixture
def engine(database: Database) -> ConversationEngine:
    return ConversationEngine(
        database, EngineOptions(demo=False, templates_root=FIXTURE_TEMPLATES)
    )


def text_of(replies: list[Outgoing]) -> str:
    return "\n".join(r.text for r in replies if isinstance(r, Reply))


def button(replies: list[Outgoing], label: str) -> Button:
    """The last button of the replies whose label contains `label`."""
    found = [
        b
        for r in replies
        if isinstance(r, Reply)
        for row in r.buttons
        for b in row
        if label in b.label
    ]
    assert found, f"no button {label!r} in:\n{text_of(replies)}"
    return found[-1]


def press(
    engine: ConversationEngine, who: Sender, replies: list[Outgoing], label: str
) -> list[Outgoing]:
    return engine.handle(who, ButtonPress(button(replies, label).code))


def policy(database: Database, world: World) -> ReminderPolicy:
    with database.session() as session:
        return service.policy_of(session, period_id=world.period_id)


def live(database: Database, world: World) -> dict[tuple[int, str], str]:
    """(member, kind) -> status of the rows not dropped."""
    return {k: r.status for k, r in rows(database, world).items() if r.status != "dropped"}


async def test_the_director_sees_the_schedule_per_member_and_changes_it(
    database: Database,
    engine: ConversationEngine,
    world: World,
    sweeper: Sweeper,
    sender: FakeSender,
    clock: time_machine.Coordinates,
) -> None:
    # The first reminders went out on Tuesday 23/06; one to Bình failed.
    await sweeper.sweep()
    clock.move_to(vn(23, 8))
    sender.fail[BINH] = RuntimeError("network down")
    sweeper.options = sweeper.options.__class__(**{**sweeper.options.__dict__, "max_attempts": 1})
    await sweeper.sweep()
    clock.move_to(vn(23, 10))

    replies = engine.handle(LAN_CHAT, Command("nhacnho"))
    lines = text_of(replies).splitlines()
    assert lines[0] == "🗓 Lịch nhắc hạn: Báo cáo thử nghiệm, năm học 2025 - 2026 — hạn 30/06/2026"
    assert lines[1] == (
        "Nhắc trước hạn 7, 3, 1 ngày và vào ngày hạn lúc 08:00; không nhắn từ 21:00 đến 07:00."
    )
    assert "• Trần Văn An: đã gửi 1 · chờ gửi 3 (lần tới Thứ Bảy 27/06/2026 08:00)" in lines
    assert "• Lê Thị Bình: chờ gửi 3 (lần tới Thứ Bảy 27/06/2026 08:00) · lỗi 1" in lines
    assert "• Nguyễn Thị Lan: chờ gửi 1 (lần tới Thứ Tư 01/07/2026 08:00)" in lines
    assert button(replies, "7, 3, 1 ngày").label == "1. ✓ 7, 3, 1 ngày"

    # "5, 2 ngày": re-planned at once, the 3- and 1-day reminders dropped.
    replies = press(engine, LAN_CHAT, replies, "5, 2 ngày")
    assert "✅ Đã đổi lịch nhắc: trước hạn 5, 2 ngày, và sáng ngày hạn." in text_of(replies)
    assert [r.replace for r in replies if isinstance(r, Reply)] == [False, True]
    assert button(replies, "5, 2 ngày").label == "2. ✓ 5, 2 ngày"
    assert policy(database, world).days_before == [5, 2]
    assert live(database, world) == {
        (world.an, "before_7d"): "sent",
        (world.an, "before_5d"): "planned",
        (world.an, "before_2d"): "planned",
        (world.an, "due_day"): "planned",
        (world.binh, "before_7d"): "failed",
        (world.binh, "before_5d"): "planned",
        (world.binh, "before_2d"): "planned",
        (world.binh, "due_day"): "planned",
        (world.lan, "director_summary"): "planned",
    }
    # "Chỉ ngày hạn"; the view it was pressed on is stale afterwards.
    view, replies = replies, press(engine, LAN_CHAT, replies, "Chỉ ngày hạn")
    assert t("input.stale_button") in text_of(press(engine, LAN_CHAT, view, "7, 3, 1 ngày"))
    assert policy(database, world).days_before == []
    assert "chỉ nhắc vào sáng ngày hạn" in text_of(replies)
    assert "Nhắc vào ngày hạn lúc 08:00; không nhắn từ 21:00 đến 07:00." in text_of(replies)
    assert {k for k, s in live(database, world).items() if s == "planned"} == {
        (world.an, "due_day"),
        (world.binh, "due_day"),
        (world.lan, "director_summary"),
    }

    # Weekends off, then on again.
    replies = engine.handle(LAN_CHAT, Command("nhacnho"))
    replies = press(engine, LAN_CHAT, replies, "Không nhắn thứ Bảy")
    assert "không nhắn vào thứ Bảy, Chủ nhật" in text_of(replies)
    assert policy(database, world).skip_weekends
    replies = press(engine, LAN_CHAT, replies, "Nhắn cả thứ Bảy")
    assert "Từ nay tin nhắc được gửi cả thứ Bảy, Chủ nhật." in text_of(replies)
    assert not policy(database, world).skip_weekends

    # Close: back to the menu.
    replies = press(engine, LAN_CHAT, replies, t("reminders_desk.close_button"))
    assert t("menu.hint") in text_of(replies)


async def test_nudge_now_goes_through_the_sweep_once_to_those_who_owe(
    database: Database,
    engine: ConversationEngine,
    world: World,
    sweeper: Sweeper,
    sender: FakeSender,
    clock: time_machine.Coordinates,
) -> None:
    finish(database, world, "general")
    view = engine.handle(LAN_CHAT, Command("nhacnho"))
    replies = press(engine, LAN_CHAT, view, "Nhắc ngay")
    assert (
        "📣 Đã xếp lời nhắc tới 1 người còn thiếu phần báo cáo: Lê Thị Bình. "
        "Bot sẽ gửi trong ít phút."
    ) in text_of(replies)
    # Nothing is sent from the chat itself: the sweep sends, records and rate-limits it.
    assert not any(isinstance(r, Notice) for r in replies)
    assert "• Lê Thị Bình: chờ gửi 5 (lần tới Thứ Bảy 20/06/2026 09:00)" in text_of(replies)
    # A double tap on the button pressed is stale: nobody is nudged twice.
    again = press(engine, LAN_CHAT, view, "Nhắc ngay")
    assert t("input.stale_button") in text_of(again)
    assert "Đã xếp lời nhắc" not in text_of(again)
    await sweeper.sweep()
    await sweeper.sweep()
    [(chat, text)] = sender.take()
    assert chat == BINH
    assert text.startswith("📣 Nhắc từ Ban Giám đốc: Báo cáo thử nghiệm, năm học 2025 - 2026")
    assert "hạn 30/06/2026" in text and "• 2. Chất lượng" in text
    assert rows(database, world)[(world.binh, "nudge")].status == "sent"

    # At night the nudge waits for the morning, and the director is told when it goes.
    clock.move_to(vn(22, 22))
    replies = engine.handle(LAN_CHAT, Command("nhacnho"))
    replies = press(engine, LAN_CHAT, replies, "Nhắc ngay")
    assert "sẽ được gửi lúc Thứ Ba 23/06/2026 07:00" in text_of(replies)
    await sweeper.sweep()
    assert sender.take() == []
    clock.move_to(vn(23, 7))
    await sweeper.sweep()
    assert [chat for chat, _ in sender.take()] == [BINH]

    # Everyone done: nobody to nudge.
    finish(database, world, "quality")
    replies = engine.handle(LAN_CHAT, Command("nhacnho"))
    replies = press(engine, LAN_CHAT, replies, "Nhắc ngay")
    assert t("reminders_desk.nudged_none") in text_of(replies)


def test_a_deputy_manages_reminders_and_staff_may_not(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    with database.session() as session:
        period = session.get(Period, world.period_id)
        assert period is not None
        unit = store.unit_by_id(session, unit_id=period.unit_id)
        assert unit is not None
        store.add_member(
            session,
            unit=unit,
            display_name="Phạm Văn Đức",
            role="deputy",
            channel="telegram",
            external_id="1004",
        )
    deputy = Sender("telegram", "1004", "Phạm Văn Đức")
    replies = engine.handle(deputy, Command("nhacnho"))
    assert "🗓 Lịch nhắc hạn" in text_of(replies)
    replies = press(engine, deputy, replies, "Nhắc ngay")
    assert "tới 2 người" in text_of(replies)

    refused = engine.handle(AN_CHAT, Command("nhacnho"))
    assert t("denied.lead_only") in text_of(refused)
    assert "Lịch nhắc hạn" not in text_of(refused)


def test_a_final_report_shows_its_reminders_without_buttons_to_change_them(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    replies = engine.handle(LAN_CHAT, Command("nhacnho"))
    with database.session() as session:
        period = session.get(Period, world.period_id)
        assert period is not None
        periods.finalize(session, period=period)
    # A button of the view shown before the report became final changes nothing.
    refused = press(engine, LAN_CHAT, replies, "Nhắc ngay")
    assert t("reminders_desk.not_open") in text_of(refused)
    assert (world.an, "nudge") not in rows(database, world)
    replies = engine.handle(LAN_CHAT, Command("nhacnho"))
    assert t("reminders_desk.period_closed") in text_of(replies)
    labels = [b.label for r in replies if isinstance(r, Reply) for row in r.buttons for b in row]
    assert labels == [f"1. {t('reminders_desk.close_button')}"]


def test_assigning_and_returning_replan_at_once(
    database: Database,
    engine: ConversationEngine,
    world: World,
    clock: time_machine.Coordinates,
) -> None:
    # No sweep runs in this test: every row below is planned by the desk itself.
    assert rows(database, world) == {}
    replies = engine.handle(LAN_CHAT, Command("giao"))
    replies = press(engine, LAN_CHAT, replies, "2. Chất lượng")
    replies = press(engine, LAN_CHAT, replies, "Trần Văn An")
    assert "Đã giao phần 2" in text_of(replies)
    planned = live(database, world)
    assert {kind for member, kind in planned if member == world.an} == {
        "before_7d",
        "before_3d",
        "before_1d",
        "due_day",
    }
    assert (world.binh, "before_7d") in planned
    # "quality" taken back from Bình: he owes nothing now, his reminders are dropped.
    press(engine, LAN_CHAT, replies, "Lê Thị Bình")
    assert not any(member == world.binh for member, _ in live(database, world))

    # An finishes both sections (the sweep would re-plan); then "general" is returned to her.
    finish(database, world, "general")
    finish(database, world, "quality")
    with database.session() as session:
        service.replan(
            session, period_id=world.period_id, now=vn(20, 9), templates_root=FIXTURE_TEMPLATES
        )
    assert not any(member == world.an for member, _ in live(database, world))
    replies = engine.handle(LAN_CHAT, Command("tralai"))
    replies = press(engine, LAN_CHAT, replies, "1. Thông tin chung")
    replies = engine.handle(LAN_CHAT, Text("Bổ sung số liệu học viên"))
    assert "Đã trả lại phần 1. Thông tin chung" in text_of(replies)
    assert (world.an, "before_7d") in live(database, world)


def finalize_current(database: Database, world: World) -> None:
    """Makes the current period final, so that a new one may be opened."""
    with database.session() as session:
        period = session.get(Period, world.period_id)
        assert period is not None
        periods.finalize(session, period=period)


def open_dialogue(engine: ConversationEngine, term_label: str) -> list[Outgoing]:
    """/moky up to the deadline question: the test report, 2026-2027, the given term."""
    replies = engine.handle(LAN_CHAT, Command("moky"))
    replies = press(engine, LAN_CHAT, replies, "Báo cáo thử nghiệm")
    replies = press(engine, LAN_CHAT, replies, "2026 - 2027")
    return press(engine, LAN_CHAT, replies, term_label)


def test_opening_a_period_in_chat_plans_its_reminders(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    finalize_current(database, world)
    replies = open_dialogue(engine, t("period.whole_year"))
    replies = engine.handle(LAN_CHAT, Text("30/06/2027"))
    assert "Đã mở kỳ báo cáo" in text_of(replies)
    with database.session() as session:
        opened = session.exec(select(Period).where(Period.year == "2026-2027")).one()
        found = session.exec(select(Reminder).where(Reminder.period_id == opened.id)).all()
    # Nothing is assigned yet: every section is the director's.
    assert {(r.member_id, r.kind) for r in found} == {
        (world.lan, "before_7d"),
        (world.lan, "before_3d"),
        (world.lan, "before_1d"),
        (world.lan, "due_day"),
        (world.lan, "director_summary"),
    }
    assert all(r.due_at.date() <= date(2027, 7, 1) for r in found)


def _labels(replies: list[Outgoing]) -> list[str]:
    return [b.label for r in replies if isinstance(r, Reply) for row in r.buttons for b in row]


def test_a_period_opens_on_a_recurring_sector_deadline_pressed_or_typed_by_number(
    database: Database,
    engine: ConversationEngine,
    world: World,
    clock: time_machine.Coordinates,
) -> None:
    finalize_current(database, world)
    first_term = open_dialogue(engine, t("period.term_button", term=1))
    # Term 1 of 2026-2027, asked on 20/06/2026: the sector's dates of that school year,
    # soonest first, without the end of the year's second term.
    assert _labels(first_term) == [
        "1. 30/09/2026 – Giao ban quý III",
        "2. 30/12/2026 – Báo cáo cuối năm (trước ngày 30/12)",
        "3. 31/12/2026 – Giao ban quý IV",
        "4. 15/01/2027 – Sơ kết học kỳ I",
        "5. 31/03/2027 – Giao ban quý I",
        "6. 30/06/2027 – Báo cáo 6 tháng đầu năm, giao ban quý II…",
    ]
    assert "Chọn một hạn định kỳ" in text_of(first_term)
    # A forged date, not one of those offered, opens nothing.
    step = int(button(first_term, "Sơ kết").code.split(":", 1)[0])
    forged = engine.handle(LAN_CHAT, ButtonPress(f"{step}:d:due:20270116"))
    assert t("input.stale_button") in text_of(forged)
    # Typing the number of a button is the same as pressing it (the terminal has none).
    replies = open_dialogue(engine, t("period.term_button", term=1))
    replies = engine.handle(LAN_CHAT, Text("4"))
    assert "Đã mở kỳ báo cáo" in text_of(replies) and "hạn nộp 15/01/2027" in text_of(replies)
    with database.session() as session:
        opened = session.exec(select(Period).where(Period.year == "2026-2027")).one()
        assert (opened.term, opened.deadline) == (1, date(2027, 1, 15))
        reminded = session.exec(select(Reminder).where(Reminder.period_id == opened.id)).all()
    assert {r.kind for r in reminded} >= {"before_7d", "due_day"}


def test_a_whole_year_report_is_offered_the_end_of_the_year_and_can_be_pressed(
    database: Database,
    engine: ConversationEngine,
    world: World,
    clock: time_machine.Coordinates,
) -> None:
    finalize_current(database, world)
    replies = open_dialogue(engine, t("period.whole_year"))
    labels = _labels(replies)
    assert "5. 31/05/2027 – Tổng kết năm học" in labels
    assert not any("Sơ kết học kỳ I" in label for label in labels)
    replies = press(engine, LAN_CHAT, replies, "Tổng kết năm học")
    assert "hạn nộp 31/05/2027" in text_of(replies)
    with database.session() as session:
        opened = session.exec(select(Period).where(Period.year == "2026-2027")).one()
        assert (opened.term, opened.deadline) == (None, date(2027, 5, 31))


def _membership(chat_id: int, status: str) -> dict[str, Any]:
    person = {"id": chat_id, "is_bot": False, "first_name": "Bình"}
    bot = {"id": 1, "is_bot": True, "first_name": "Báo cáo", "username": "baocao_test_bot"}
    return {
        "update_id": 7,
        "my_chat_member": {
            "chat": {"id": chat_id, "type": "private", "first_name": "Bình"},
            "from": person,
            "date": 1_750_000_000,
            "old_chat_member": {"status": "kicked", "user": bot, "until_date": 0},
            "new_chat_member": {"status": status, "user": bot}
            | ({"until_date": 0} if status == "kicked" else {}),
        },
    }


class _Context:
    """What the handler reads of PTB's context: the channel in bot_data."""

    def __init__(self, engine: ConversationEngine) -> None:
        self.bot_data = {CHANNEL_KEY: TelegramChannel(engine)}


async def test_a_member_who_unblocks_the_bot_is_reminded_again(
    database: Database,
    engine: ConversationEngine,
    world: World,
    sweeper: Sweeper,
    sender: FakeSender,
    clock: time_machine.Coordinates,
) -> None:
    with database.session() as session:
        session.add(ChatBlock(member_id=world.binh, channel="telegram", reason="Forbidden"))
    await sweeper.sweep()
    assert not any(k[0] == world.binh for k in live(database, world))

    context: Any = _Context(engine)
    await chats.membership_changed(Update.de_json(_membership(int(BINH), "kicked"), None), context)
    with database.session() as session:
        assert session.exec(select(ChatBlock)).all() != []
    await chats.membership_changed(Update.de_json(_membership(int(BINH), "member"), None), context)
    with database.session() as session:
        assert session.exec(select(ChatBlock)).all() == []
    await sweeper.sweep()
    assert (world.binh, "before_7d") in live(database, world)
    clock.move_to(vn(23, 8))
    await sweeper.sweep()
    assert sorted(chat for chat, _ in sender.take()) == [AN, BINH]
    # An unknown chat unblocking the bot changes nothing.
    await chats.membership_changed(Update.de_json(_membership(999, "member"), None), context)


def test_a_failed_replanning_never_spoils_the_change_it_follows(
    database: Database,
    engine: ConversationEngine,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("planner down")

    monkeypatch.setattr(service, "replan", broken)
    replies = engine.handle(LAN_CHAT, Command("giao"))
    replies = press(engine, LAN_CHAT, replies, "2. Chất lượng")
    replies = press(engine, LAN_CHAT, replies, "Trần Văn An")
    assert "Đã giao phần 2" in text_of(replies)
    assert "not re-planned" in caplog.text
    with database.session() as session:
        assert periods.assignees(session, period_id=world.period_id)["quality"] == [
            world.binh,
            world.an,
        ]


def test_a_desk_choice_can_be_typed_by_its_number(
    database: Database, engine: ConversationEngine, world: World, clock: time_machine.Coordinates
) -> None:
    """The terminal has no buttons: the director types the number shown on a button."""
    engine.handle(LAN_CHAT, Command("nhacnho"))
    replies = engine.handle(LAN_CHAT, Text("2"))
    assert "✅ Đã đổi lịch nhắc: trước hạn 5, 2 ngày, và sáng ngày hạn." in text_of(replies)
    assert policy(database, world).days_before == [5, 2]
    # Something that is not a choice keeps the dialogue and says how to choose.
    replies = engine.handle(LAN_CHAT, Text("abc"))
    assert text_of(replies) == t("desk.pick")
    replies = engine.handle(LAN_CHAT, Text("1"))
    assert policy(database, world).days_before == [7, 3, 1]


async def test_a_section_finished_in_chat_is_never_reminded_even_before_a_replanning(
    database: Database,
    engine: ConversationEngine,
    world: World,
    sweeper: Sweeper,
    sender: FakeSender,
    clock: time_machine.Coordinates,
) -> None:
    """Finishing a section does not re-plan the period inline: the reminder re-reads what
    its member owes just before it is sent, so one planned before is dropped, not sent."""
    await sweeper.sweep()  # plans An's and Bình's reminders
    sweeper.options = replace(sweeper.options, plan=False)  # no re-planning before sending
    for said in ("/start", "1", "Tốt", "591", "53", "/boqua", "12,5"):
        replies = engine.handle(AN_CHAT, Text(said))
    replies = press(engine, AN_CHAT, replies, "Hoàn thành phần")
    assert "🎉 Đã hoàn thành Phần 1" in text_of(replies)
    assert live(database, world)[(world.an, "before_7d")] == "planned"

    clock.move_to(vn(23, 8))
    await sweeper.sweep()
    assert [chat for chat, _ in sender.take()] == [BINH]
    kept = rows(database, world)[(world.an, "before_7d")]
    assert (kept.status, kept.last_error) == ("dropped", "nothing missing")

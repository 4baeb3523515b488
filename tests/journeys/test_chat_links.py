"""One person, two chats: a code shown on Telegram and typed on Zalo links the Zalo chat to
the same member; notices and reminders follow the chat used last; rights stay the member's.

Everything goes through the conversation engine, which is channel-neutral: the two chats
are `Sender`s of the channels "telegram" and "zalo".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Command, Sender, Text
from bot.core.clock import VIETNAM
from bot.core.replies import Notice, Outgoing, Reply
from bot.reminders.messages import ReminderText
from bot.reminders.sweep import Sweeper, SweepOptions
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from bot.workflow import links
from bot.workflow.access import Role
from bot.workflow.invites import create_invite
from bot.workflow.members import remove_member
from models import Assignment, ChatBlock, ChatIdentity, LinkCode, require_id
from tests.conftest import FIXTURE_TEMPLATES
from tests.support.factories import open_unit

LAN_TG = Sender("telegram", "1001", "Nguyễn Thị Lan")
LAN_ZALO = Sender("zalo", "z-lan", "Lan Nguyễn")
AN_TG = Sender("telegram", "1002", "Trần Văn An")
AN_ZALO = Sender("zalo", "z-an", "An Trần")
STRANGER_ZALO = Sender("zalo", "z-stranger", "Ai đó")


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of June 2026 in Vietnam."""
    return datetime(2026, 6, day, hour, minute, tzinfo=VIETNAM)


@dataclass
class World:
    unit_id: int
    lan: int
    an: int


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(vn(20, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def engine(database: Database) -> ConversationEngine:
    """No demo mode: a chat nobody linked is a stranger."""
    return ConversationEngine(
        database, EngineOptions(demo=False, templates_root=FIXTURE_TEMPLATES)
    )


@pytest.fixture
def world(database: Database, clock: time_machine.Coordinates) -> World:
    """Lan directs the unit, An (staff) writes every section; both on Telegram only."""
    with database.session() as session:
        opened = open_unit(
            session,
            name="Trường THCS Lê Lợi",
            channel="telegram",
            external_id=LAN_TG.external_id,
            deadline=date(2026, 6, 30),
        )
        an = opened.member(session, "Trần Văn An", channel="telegram", external_id="1002")
        for section in ("general", "quality"):  # Lan owes nothing before the deadline
            session.add(
                Assignment(period_id=opened.period.id, section_id=section, member_id=an.id)  # type: ignore[arg-type]
            )
        return World(require_id(opened.unit), require_id(opened.director), require_id(an))


def _text(replies: list[Outgoing]) -> str:
    return "\n".join(r.text for r in replies if isinstance(r, Reply))


def _notices(replies: list[Outgoing]) -> list[Notice]:
    return [r for r in replies if isinstance(r, Notice)]


def _code(engine: ConversationEngine, sender: Sender) -> str:
    """The code /lienket shows in this chat."""
    text = _text(engine.handle(sender, Command("lienket")))
    found = re.search(r"/lienket (\d{6})", text)
    assert found, text
    return found.group(1)


def _link(engine: ConversationEngine, shown_in: Sender, typed_in: Sender) -> list[Outgoing]:
    return engine.handle(typed_in, Command("lienket", _code(engine, shown_in)))


def _owner(database: Database, sender: Sender) -> int | None:
    with database.session() as session:
        member = store.member_by_identity(
            session, channel=sender.channel, external_id=sender.external_id
        )
        return member.id if member else None


def test_a_code_shown_on_telegram_links_the_zalo_chat_to_the_same_member(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    shown = _text(engine.handle(LAN_TG, Command("lienket")))
    code = re.search(r"/lienket (\d{6})", shown)
    assert code is not None
    # Telegram names the other app: Zalo.
    assert "Mở Zalo, nhắn cho bot và gõ: /lienket " + code.group(1) in shown
    assert engine.handle(STRANGER_ZALO, Command("viec")) == [Reply(t("start.stranger"))]

    replies = engine.handle(LAN_ZALO, Command("lienket", code.group(1)))

    assert t("link.linked", app="Zalo", name="Nguyễn Thị Lan", unit="Trường THCS Lê Lợi") in _text(
        replies
    )
    # The chat that showed the code is told, in case it was not her.
    [told] = _notices(replies)
    assert (told.channel, told.external_id) == ("telegram", "1001")
    assert "/huylienket zalo" in told.text
    assert _owner(database, LAN_ZALO) == world.lan
    # The Zalo chat now works as hers: her menu, and her chats listed from there.
    assert "Chọn phần để trả lời" in _text(engine.handle(LAN_ZALO, Command("viec")))
    listed = _text(engine.handle(LAN_ZALO, Command("lienket")))
    assert t("link.chats", chats="Zalo (đang dùng), Telegram") in listed
    assert t("link.unlink_hint", channel="telegram") in listed
    from_telegram = _text(engine.handle(LAN_TG, Command("lienket")))
    assert t("link.chats", chats="Zalo, Telegram (đang dùng)") in from_telegram
    assert t("link.unlink_hint", channel="zalo") in from_telegram
    # The code on Zalo is meant for Telegram.
    assert "Mở Telegram, nhắn cho bot" in listed


def test_a_code_links_once(database: Database, engine: ConversationEngine, world: World) -> None:
    code = _code(engine, LAN_TG)
    engine.handle(LAN_ZALO, Command("lienket", code))
    replies = engine.handle(STRANGER_ZALO, Command("lienket", code))
    assert _text(replies) == t("link.used")
    assert _owner(database, STRANGER_ZALO) is None


def test_an_expired_code_links_nothing(
    database: Database,
    engine: ConversationEngine,
    world: World,
    clock: time_machine.Coordinates,
) -> None:
    code = _code(engine, LAN_TG)
    clock.shift(links.CODE_TTL + timedelta(seconds=1))
    assert _text(engine.handle(LAN_ZALO, Command("lienket", code))) == t("link.expired")
    assert _owner(database, LAN_ZALO) is None


def test_a_new_code_replaces_the_one_before(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    first = _code(engine, LAN_TG)
    second = _code(engine, LAN_TG)
    assert _text(engine.handle(LAN_ZALO, Command("lienket", first))) == t("link.unknown")
    assert t("link.linked", app="Zalo", name="Nguyễn Thị Lan", unit="Trường THCS Lê Lợi") in (
        _text(engine.handle(LAN_ZALO, Command("lienket", second)))
    )


def test_guessing_stops_after_five_wrong_codes_for_an_hour(
    database: Database,
    engine: ConversationEngine,
    world: World,
    clock: time_machine.Coordinates,
) -> None:
    code = _code(engine, LAN_TG)
    wrong = [c for c in ("000000", "123456", "999999", "111111", "654321", "1") if c != code]
    for guess in wrong[: links.MAX_FAILURES]:
        assert _text(engine.handle(STRANGER_ZALO, Command("lienket", guess))) == t("link.unknown")
    # The sixth try is refused even with the right code; another chat is not affected.
    assert _text(engine.handle(STRANGER_ZALO, Command("lienket", code))) == t("link.too_many")
    assert _owner(database, STRANGER_ZALO) is None
    clock.shift(timedelta(minutes=10))
    assert "✅" in _text(engine.handle(LAN_ZALO, Command("lienket", code)))
    # An hour after the wrong codes, the chat may try again.
    clock.shift(links.FAILURE_WINDOW)
    fresh = _code(engine, AN_TG)
    assert "✅" in _text(engine.handle(STRANGER_ZALO, Command("lienket", fresh)))
    assert _owner(database, STRANGER_ZALO) == world.an


def test_a_chat_of_another_member_is_never_taken_over(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    code = _code(engine, LAN_TG)
    replies = engine.handle(AN_TG, Command("lienket", code))
    assert t("link.taken", name="Trần Văn An", unit="Trường THCS Lê Lợi") in _text(replies)
    assert _owner(database, AN_TG) == world.an
    # The code was not used up by the refusal.
    assert "✅" in _text(engine.handle(LAN_ZALO, Command("lienket", code)))
    # Typed in her own chat, it says so.
    again = _code(engine, LAN_TG)
    assert t("link.already") in _text(engine.handle(LAN_ZALO, Command("lienket", again)))


def test_a_demo_account_moves_over(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    with database.session() as session:
        demo = store.create_unit(session, name="Đơn vị thử", place="Quận 1", is_demo=True)
        store.add_member(
            session,
            unit=demo,
            display_name="Lan",
            role="director",
            channel="zalo",
            external_id=LAN_ZALO.external_id,
        )
    assert "✅" in _text(_link(engine, LAN_TG, LAN_ZALO))
    assert _owner(database, LAN_ZALO) == world.lan


def test_notices_go_to_the_chat_used_last(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    _link(engine, LAN_TG, LAN_ZALO)

    def joined_notice(external_id: str) -> list[tuple[str, str]]:
        with database.session() as session:
            invite = create_invite(
                session, unit_id=world.unit_id, role=Role.STAFF, created_by=world.lan
            )
        joiner = Sender("telegram", external_id, "Lê Thị Bình")
        replies = engine.handle(joiner, Command("start", invite.code))
        return [(n.channel, n.external_id) for n in _notices(replies)]

    # Her last message was on Zalo (the code she typed there): told there only.
    assert joined_notice("2001") == [("zalo", "z-lan")]
    engine.handle(LAN_TG, Text("xin chào"))
    assert joined_notice("2002") == [("telegram", "1001")]


def test_unlinking_a_chat_keeps_the_member_on_the_other(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    assert t("link.only_chat") in _text(engine.handle(LAN_TG, Command("huylienket")))
    _link(engine, LAN_TG, LAN_ZALO)
    replies = engine.handle(LAN_ZALO, Command("huylienket"))
    assert _text(replies) == t("link.unlinked_this", app="Zalo", chats="Telegram")
    assert _owner(database, LAN_ZALO) is None
    assert _owner(database, LAN_TG) == world.lan
    assert engine.handle(LAN_ZALO, Command("viec")) == [Reply(t("start.stranger"))]
    # From the chat she keeps, she can also remove the other one by its app's name.
    _link(engine, LAN_TG, LAN_ZALO)
    replies = engine.handle(LAN_TG, Command("huylienket", "zalo"))
    assert t("link.unlinked", app="Zalo", chats="Telegram (đang dùng)") in _text(replies)
    assert _owner(database, LAN_ZALO) is None
    with database.session() as session:
        assert session.exec(select(ChatIdentity).where(ChatIdentity.channel == "zalo")).all() == []


def test_linking_works_before_any_period_is_open(
    database: Database, engine: ConversationEngine
) -> None:
    with database.session() as session:
        unit = store.create_unit(session, name="Trường Mới", place="Quận 3")
        store.add_member(
            session,
            unit=unit,
            display_name="Cô Hoa",
            role="director",
            channel="telegram",
            external_id="3001",
        )
    hoa_zalo = Sender("zalo", "z-hoa", "Hoa")
    assert "✅" in _text(_link(engine, Sender("telegram", "3001", "Hoa"), hoa_zalo))
    assert t("period.none_open_lead") in _text(engine.handle(hoa_zalo, Command("viec")))


# -- reminders ---------------------------------------------------------------------------


class FakeSender:
    """Records the chats it was asked to send to."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent: list[str] = []

    async def send(self, chat_id: str, message: ReminderText) -> None:
        self.sent.append(chat_id)


def _sweeper(database: Database, *senders: FakeSender) -> Sweeper:
    options = SweepOptions(
        worker="test", rate=None, chat_interval=0, templates_root=FIXTURE_TEMPLATES
    )
    return Sweeper(database, {s.channel: s for s in senders}, options)


async def test_reminders_go_to_the_chat_used_last(
    database: Database,
    engine: ConversationEngine,
    world: World,
    clock: time_machine.Coordinates,
) -> None:
    telegram, zalo = FakeSender("telegram"), FakeSender("zalo")
    sweeper = _sweeper(database, telegram, zalo)
    _link(engine, AN_TG, AN_ZALO)
    await sweeper.sweep()  # plans
    clock.move_to(vn(23, 8))  # seven days before the deadline
    await sweeper.sweep()
    assert (telegram.sent, zalo.sent) == ([], ["z-an"])

    engine.handle(AN_TG, Command("viec"))  # An switches back to Telegram
    clock.move_to(vn(27, 8, 1))
    await sweeper.sweep()
    assert (telegram.sent, zalo.sent) == (["1002"], ["z-an"])


async def test_a_reminder_uses_another_chat_when_the_last_one_cannot_be_reached(
    database: Database,
    engine: ConversationEngine,
    world: World,
    clock: time_machine.Coordinates,
) -> None:
    _link(engine, AN_TG, AN_ZALO)
    # Only Telegram runs: the Zalo chat used last cannot be written to.
    telegram = FakeSender("telegram")
    only_telegram = _sweeper(database, telegram)
    await only_telegram.sweep()
    clock.move_to(vn(23, 8))
    await only_telegram.sweep()
    assert telegram.sent == ["1002"]
    # Both run, but An blocked the bot on Zalo: Telegram still reaches An.
    with database.session() as session:
        session.add(ChatBlock(member_id=world.an, channel="zalo", reason="blocked"))
    telegram, zalo = FakeSender("telegram"), FakeSender("zalo")
    clock.move_to(vn(27, 8, 1))
    await _sweeper(database, telegram, zalo).sweep()
    assert (telegram.sent, zalo.sent) == (["1002"], [])


def test_codes_are_six_digits_and_live_fifteen_minutes(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    code = _code(engine, LAN_TG)
    with database.session() as session:
        row = session.exec(select(LinkCode).where(LinkCode.code == code)).one()
        assert row.expires_at - row.created_at == timedelta(minutes=15)
        assert (row.channel, row.external_id, row.member_id) == ("telegram", "1001", world.lan)


def test_a_removed_member_loses_every_linked_chat_and_their_codes(
    database: Database, engine: ConversationEngine, world: World
) -> None:
    _link(engine, AN_TG, AN_ZALO)
    code = _code(engine, AN_ZALO)
    with database.session() as session:
        remove_member(session, target_id=world.an, unit_id=world.unit_id, actor=None)
    for chat in (AN_TG, AN_ZALO):
        assert engine.handle(chat, Command("viec")) == [Reply(t("start.stranger"))]
    assert _text(engine.handle(STRANGER_ZALO, Command("lienket", code))) == t("link.unknown")
    assert _owner(database, STRANGER_ZALO) is None

"""Settings at the director's desk in chat: the open report's deadline from /moky and the
unit's header and signature from /donvi.

The unit of tests/integration/test_reminders.py: Lan directs, An writes "general", Bình "quality";
the report is due on Tuesday 30/06/2026 and the clock starts on Saturday 20/06 at 09:00.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from sqlmodel import select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import ButtonPress, Command, Sender, Text
from bot.core.replies import Notice, Outgoing
from bot.questionnaire.loader import load_template
from bot.report.build import build_draft
from bot.store.database import Database
from bot.texts import t
from handlers.console import console_sender
from models import Member, Period, Unit
from tests.conftest import FIXTURE_TEMPLATES
from tests.integration import test_reminders as base
from tests.integration.test_reminders import AN, BINH, LAN, World, rows
from tests.journeys.test_reminders_desk import button, press
from tests.journeys.test_reminders_desk import text_of as replies_text
from tests.support.docx_helpers import open_docx, text_of

world = base.world
clock = base.clock

LAN_CHAT = Sender("telegram", LAN, "Nguyễn Thị Lan")
AN_CHAT = Sender("telegram", AN, "Trần Văn An")


@pytest.fixture
def engine(database: Database) -> ConversationEngine:
    return ConversationEngine(
        database, EngineOptions(demo=False, templates_root=FIXTURE_TEMPLATES)
    )


def deadline_of(database: Database, world: World) -> date | None:
    with database.session() as session:
        period = session.get(Period, world.period_id)
        assert period is not None
        return period.deadline


def told(replies: list[Outgoing]) -> dict[str, str]:
    return {r.external_id: r.text for r in replies if isinstance(r, Notice)}


# -- the deadline ----------------------------------------------------------------------------


def test_the_director_moves_the_deadline_from_moky_and_reminders_follow(
    database: Database,
    engine: ConversationEngine,
    world: World,
    clock: time_machine.Coordinates,
) -> None:
    engine.handle(LAN_CHAT, Command("nhacnho"))  # plans the reminders for 30/06
    assert rows(database, world)[(world.an, "due_day")].due_at.date() == date(2026, 6, 30)

    replies = engine.handle(LAN_CHAT, Command("moky"))
    assert "hạn 30/06/2026" in button(replies, "Đổi hạn nộp").label
    replies = press(engine, LAN_CHAT, replies, "Đổi hạn nộp")
    assert "hạn nộp hiện là 30/06/2026" in replies_text(replies)

    # A day already past is refused, as when a period is opened; the question stays.
    replies = engine.handle(LAN_CHAT, Text("19/06/2026"))
    assert t("period.past_deadline", deadline="19/06/2026") in replies_text(replies)
    assert deadline_of(database, world) == date(2026, 6, 30)
    replies = engine.handle(LAN_CHAT, Text("mai"))
    assert "Chưa đọc được ngày" in replies_text(replies)

    replies = engine.handle(LAN_CHAT, Text("10/07/2026"))
    assert "Đã đổi hạn nộp" in replies_text(replies) and "10/07/2026" in replies_text(replies)
    assert deadline_of(database, world) == date(2026, 7, 10)
    # The authors are told; the reminders are planned again for the new day.
    notices = told(replies)
    assert set(notices) == {AN, BINH}
    assert "10/07/2026" in notices[AN]
    planned = rows(database, world)
    assert planned[(world.an, "due_day")].due_at.date() == date(2026, 7, 10)
    assert planned[(world.an, "before_7d")].due_at.date() == date(2026, 7, 3)


def test_the_deadline_question_can_be_answered_by_its_number_in_the_terminal(
    database: Database, engine: ConversationEngine, world: World, clock: time_machine.Coordinates
) -> None:
    replies = engine.handle(LAN_CHAT, Command("moky"))
    number = button(replies, "Đổi hạn nộp").label.split(".")[0]
    replies = engine.handle(LAN_CHAT, Text(number))
    assert "hạn nộp hiện là 30/06/2026" in replies_text(replies)
    engine.handle(LAN_CHAT, Text("2026-07-01"))
    assert deadline_of(database, world) == date(2026, 7, 1)


@pytest.mark.parametrize("typed", ["5/7", "ngày 5 tháng 7", "5.7.2026"])
def test_the_deadline_is_read_like_every_typed_date_in_the_periods_school_year(
    database: Database,
    engine: ConversationEngine,
    world: World,
    clock: time_machine.Coordinates,
    typed: str,
) -> None:
    replies = engine.handle(LAN_CHAT, Command("moky"))
    press(engine, LAN_CHAT, replies, "Đổi hạn nộp")
    replies = engine.handle(LAN_CHAT, Text(typed))
    assert "Đã đổi hạn nộp" in replies_text(replies)
    assert deadline_of(database, world) == date(2026, 7, 5)


def test_staff_cannot_move_the_deadline_even_with_a_forged_button(
    database: Database, engine: ConversationEngine, world: World, clock: time_machine.Coordinates
) -> None:
    engine.handle(AN_CHAT, Command("viec"))
    for step in range(6):
        replies = engine.handle(AN_CHAT, ButtonPress(f"{step}:d:dl"))
        assert t("input.stale_button") in replies_text(replies) or t(
            "denied.lead_only"
        ) in replies_text(replies)
    engine.handle(AN_CHAT, Text("10/07/2026"))
    assert deadline_of(database, world) == date(2026, 6, 30)


# -- the unit's settings ---------------------------------------------------------------------


def unit_of(database: Database, world: World) -> Unit:
    with database.session() as session:
        period = session.get(Period, world.period_id)
        assert period is not None
        unit = session.get(Unit, period.unit_id)
        assert unit is not None
        return unit


def test_the_director_changes_the_units_settings_step_by_step(
    database: Database, engine: ConversationEngine, world: World, clock: time_machine.Coordinates
) -> None:
    replies = engine.handle(LAN_CHAT, Command("donvi"))
    shown = replies_text(replies)
    assert "Trung tâm GDNN-GDTX Quận 1" in shown and "Nơi nhận" in shown

    for label, typed in (
        ("Cơ quan chủ quản", "UBND Quận 1"),
        ("Chức vụ người ký", "Phó Giám đốc"),
        ("Họ tên người ký", "Lê Văn Phó"),
        ("Ký thay (KT.) cho", "Giám đốc"),
        ("Ký hiệu sau số", "BC-TTGDNN"),
        ("Nơi nhận", "Phòng GD&ĐT Quận 1\n- Sở GD&ĐT;\nLưu: VT"),
        ("Địa chỉ", "12 Lê Lợi"),
    ):
        replies = press(engine, LAN_CHAT, replies, label)
        assert "hiện là" in replies_text(replies)
        replies = engine.handle(LAN_CHAT, Text(typed))
        assert f"Đã đổi {t('unit_settings.label.' + _field(label))}" in replies_text(replies)

    # An empty name is refused and asked again; "-" clears an optional setting.
    replies = press(engine, LAN_CHAT, replies, "Tên đơn vị")
    replies = engine.handle(LAN_CHAT, Text("-"))
    assert "Tên đơn vị không được để trống." in replies_text(replies)
    replies = engine.handle(LAN_CHAT, Command("donvi"))
    replies = press(engine, LAN_CHAT, replies, "Địa chỉ")
    replies = engine.handle(LAN_CHAT, Text("-"))
    assert "Đã đổi Địa chỉ" in replies_text(replies)

    unit = unit_of(database, world)
    assert (unit.parent_body, unit.signer_title, unit.signer_name) == (
        "UBND Quận 1",
        "Phó Giám đốc",
        "Lê Văn Phó",
    )
    assert (unit.on_behalf_of, unit.number_prefix, unit.address) == ("Giám đốc", "BC-TTGDNN", "")
    assert unit.recipients == ["- Phòng GD&ĐT Quận 1;", "- Sở GD&ĐT;", "- Lưu: VT."]

    with database.session() as session:
        period = session.get(Period, world.period_id)
        assert period is not None
        template = load_template(period.template_id, FIXTURE_TEMPLATES)
        draft = build_draft(
            template=template, unit=unit, period=period, values={}, confirmed=set()
        )
    document = text_of(open_docx(draft.data))
    assert "UBND QUẬN 1" in document and "/BC-TTGDNN" in document
    assert "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" in document and "Lê Văn Phó" in document
    assert "- Sở GD&ĐT;" in document and "- Lưu: VT." in document


def _field(label: str) -> str:
    return next(
        field
        for field in (
            "parent_body",
            "signer_title",
            "signer_name",
            "on_behalf_of",
            "number_prefix",
            "recipients",
            "address",
        )
        if t(f"unit_settings.label.{field}").startswith(label)
    )


def test_only_the_director_changes_the_unit_even_with_forged_buttons(
    database: Database, engine: ConversationEngine, world: World, clock: time_machine.Coordinates
) -> None:
    with database.session() as session:
        an = session.get(Member, world.an)
        assert an is not None
        an.role = "deputy"
        session.add(an)
    replies = engine.handle(AN_CHAT, Command("donvi"))
    assert t("denied.director_only") in replies_text(replies)
    for step in range(6):
        engine.handle(AN_CHAT, ButtonPress(f"{step}:d:u:name"))
        engine.handle(AN_CHAT, Text("Trường của An"))
    assert unit_of(database, world).name == "Trung tâm GDNN-GDTX Quận 1"
    # The deputy may still move the deadline, as she may open a period.
    replies = engine.handle(AN_CHAT, Command("moky"))
    replies = press(engine, AN_CHAT, replies, "Đổi hạn nộp")
    engine.handle(AN_CHAT, Text("02/07/2026"))
    assert deadline_of(database, world) == date(2026, 7, 2)


def test_the_demo_unit_is_not_signed_with_the_login_name(database: Database) -> None:
    engine = ConversationEngine(
        database,
        EngineOptions(demo=True, templates_root=FIXTURE_TEMPLATES, demo_template="mini-report"),
    )
    # The terminal's sender is named after the login (getpass.getuser()).
    login = Sender(console_sender().channel, "nguyenvana", "nguyenvana")
    engine.handle(login, Command("start"))
    with database.session() as session:
        unit = session.exec(select(Unit)).one()
    assert unit.is_demo
    assert unit.signer_name == t("demo.signer_name")
    assert "nguyenvana" not in unit.signer_name

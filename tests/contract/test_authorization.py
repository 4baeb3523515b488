"""Authorization on the server: every command and every desk button, for every role, in two
units. A member of one unit can never read or change anything of another; staff cannot do
the director's work, even with forged button codes."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlmodel import select

from bot.conversation.commands import COMMANDS, command_named
from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import ButtonPress, Command, Sender
from bot.core.replies import DocumentReply, Notice, Outgoing, Reply
from bot.questionnaire.loader import load_template
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from bot.workflow import periods
from bot.workflow.access import Role
from bot.workflow.invites import create_invite
from models import (
    Assignment,
    Conversation,
    Invite,
    Member,
    Period,
    Reminder,
    ReminderPolicy,
    require_id,
)
from tests.conftest import FIXTURE_TEMPLATES

KIND = "mini-report"
ROLES = ("director", "deputy", "staff", "idle_staff", "stranger")
DIRECTOR_ONLY = {"chot", "mokhoa", "donvi", "donvicon"}
# The reminder desk's buttons: days preset, weekends, nudge now, close.
REMINDER_ACTIONS = ("d:rem:days:1", "d:rem:wk", "d:rem:now", "d:rem:end")


@dataclass
class Unit:
    """Ids of one unit's people and period."""

    unit_id: int
    period_id: int
    members: dict[str, int]


@pytest.fixture
def engine(database: Database) -> ConversationEngine:
    """No demo mode: strangers are strangers."""
    return ConversationEngine(
        database, EngineOptions(demo=False, templates_root=FIXTURE_TEMPLATES)
    )


def _unit(database: Database, prefix: str) -> Unit:
    template = load_template(KIND, FIXTURE_TEMPLATES)
    with database.session() as session:
        unit = store.create_unit(session, name=f"Trường {prefix}", place="Quận 1")
        members = {}
        for role in ("director", "deputy", "staff", "idle_staff"):
            member = store.add_member(
                session,
                unit=unit,
                display_name=f"{role} {prefix}",
                role="staff" if role == "idle_staff" else role,
                channel="test",
                external_id=f"{prefix}-{role}",
            )
            members[role] = require_id(member)
        period = periods.open_period(session, unit=unit, template=template, year="2025-2026")
        staff = store.member_by_id(session, member_id=members["staff"])
        assert staff is not None
        periods.assign(
            session,
            period=period.period,
            template=template,
            section_id="general",
            member=staff,
            assigned_by=members["director"],
        )
        return Unit(require_id(unit), require_id(period.period), members)


@pytest.fixture
def units(database: Database) -> tuple[Unit, Unit]:
    return _unit(database, "A"), _unit(database, "B")


def _sender(role: str, prefix: str = "A") -> Sender:
    return Sender("test", f"{prefix}-{role}", role)


def _text(replies: list[Outgoing]) -> str:
    return "\n".join(
        r.text if isinstance(r, Reply | Notice) else r.caption
        for r in replies
        if not isinstance(r, Notice)
    )


def _denied(replies: list[Outgoing]) -> bool:
    text = _text(replies)
    return t("denied.lead_only") in text or t("denied.director_only") in text


def _expected(role: str, command: str) -> str:
    if role == "stranger":
        return "stranger"
    registered = command_named(command)
    assert registered is not None
    if registered.desk:
        if role in ("staff", "idle_staff"):
            return "denied"
        if role == "deputy" and command in DIRECTOR_ONLY:
            return "denied"
        return "allowed"
    if command == "duthao":
        return "allowed" if role in ("director", "deputy") else "denied"
    return "allowed"


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
@pytest.mark.parametrize("role", ROLES)
def test_every_command_for_every_role(
    engine: ConversationEngine, units: tuple[Unit, Unit], role: str, command: str
) -> None:
    replies = engine.handle(_sender(role), Command(command))
    expected = _expected(role, command)
    if expected == "stranger":
        assert _text(replies) == t("start.stranger")
        return
    assert _denied(replies) is (expected == "denied"), _text(replies)
    got_document = any(isinstance(r, DocumentReply) for r in replies)
    assert got_document is (command == "duthao" and expected == "allowed")
    # Nothing of the other unit ever shows.
    assert "Trường B" not in _text(replies)
    assert not any(isinstance(r, Notice) and r.external_id.startswith("B-") for r in replies)


def _linked_zalo(engine: ConversationEngine, role: str) -> Sender:
    """The member's Zalo chat, linked with a code shown in their first chat."""
    shown = _text(engine.handle(_sender(role), Command("lienket")))
    code = re.search(r"/lienket (\d{6})", shown)
    assert code is not None, shown
    zalo = Sender("zalo", f"zalo-{role}", role)
    assert "✅" in _text(engine.handle(zalo, Command("lienket", code.group(1))))
    return zalo


# Every command but the linking ones, which would change the very link under test.
@pytest.mark.parametrize(
    "command", [c.name for c in COMMANDS if c.name not in {"lienket", "huylienket"}]
)
@pytest.mark.parametrize("role", ["director", "deputy", "staff", "idle_staff"])
def test_a_linked_chat_has_exactly_the_members_rights(
    engine: ConversationEngine, units: tuple[Unit, Unit], role: str, command: str
) -> None:
    zalo = _linked_zalo(engine, role)
    replies = engine.handle(zalo, Command(command))
    expected = _expected(role, command)
    assert _denied(replies) is (expected == "denied"), _text(replies)
    got_document = any(isinstance(r, DocumentReply) for r in replies)
    assert got_document is (command == "duthao" and expected == "allowed")
    assert "Trường B" not in _text(replies)


def _step(database: Database, member_id: int) -> int:
    """The member's current step, as a forger who watched their own chat would know it."""
    with database.session() as session:
        row = session.exec(select(Conversation).where(Conversation.member_id == member_id)).first()
        return int((row.state if row else {}).get("step", 0))


def _desk_actions(unit: Unit, other: Unit) -> list[str]:
    own, foreign = unit.members["idle_staff"], other.members["staff"]
    return [
        "d:kind:0",
        "d:year:2026-2027",
        "d:term:0",
        "d:due:20270630",
        "d:as:general",
        f"d:am:general:{own}",
        f"d:am:general:{foreign}",
        "d:inv:staff",
        "d:inv:deputy",
        "d:inv:revoke",
        "d:ret:general",
        "d:fin:yes",
        "d:reo:general",
        f"d:rm:{own}",
        f"d:rmy:{own}",
        f"d:ro:{own}:deputy",
        "d:u:name",
        "d:u:recipients",
        "d:dl",
        "d:ch:new",
        f"d:ch:re:{other.unit_id}",
        "d:ch:col:0",
        "d:ch:col:-",
        *REMINDER_ACTIONS,
    ]


@pytest.mark.parametrize("role", ["staff", "idle_staff"])
def test_staff_cannot_press_any_desk_button_even_forged(
    database: Database, engine: ConversationEngine, units: tuple[Unit, Unit], role: str
) -> None:
    unit, other = units
    engine.handle(_sender(role), Command("viec"))
    for action in _desk_actions(unit, other):
        step = _step(database, unit.members[role])
        replies = engine.handle(_sender(role), ButtonPress(f"{step}:{action}"))
        assert _denied(replies), (action, _text(replies))
    with database.session() as session:
        period = session.get(Period, unit.period_id)
        assert period is not None and period.status == "open"
        assert session.exec(select(Invite)).all() == []
        assert session.exec(select(ReminderPolicy)).all() == []
        assert session.exec(select(Reminder).where(Reminder.kind == "nudge")).all() == []
        assigned = session.exec(select(Assignment).where(Assignment.period_id == unit.period_id))
        assert [(a.section_id, a.member_id) for a in assigned] == [
            ("general", unit.members["staff"])
        ]


@pytest.mark.parametrize("role", ["director", "deputy"])
def test_leaders_may_press_every_reminder_button(
    database: Database, engine: ConversationEngine, units: tuple[Unit, Unit], role: str
) -> None:
    unit, other = units
    engine.handle(_sender(role), Command("nhacnho"))
    for action in REMINDER_ACTIONS:
        step = _step(database, unit.members[role])
        replies = engine.handle(_sender(role), ButtonPress(f"{step}:{action}"))
        assert not _denied(replies), (action, _text(replies))
        assert t("input.stale_button") not in _text(replies), action
        assert "Trường B" not in _text(replies)
        if action != "d:rem:end":
            engine.handle(_sender(role), Command("nhacnho"))
    with database.session() as session:
        changed = session.exec(select(ReminderPolicy)).one()
        assert changed.period_id == unit.period_id and changed.days_before == [5, 2]
        nudged = session.exec(select(Reminder).where(Reminder.kind == "nudge")).all()
        # Whoever still owes a section, but not the one pressing: the director owes those
        # assigned to nobody.
        owing = {unit.members["staff"], unit.members["director"]} - {unit.members[role]}
        assert {r.member_id for r in nudged} == owing
        assert all(r.period_id != other.period_id for r in session.exec(select(Reminder)))


def test_a_forged_assignment_of_another_units_member_is_refused_and_logged(
    database: Database,
    engine: ConversationEngine,
    units: tuple[Unit, Unit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    unit, other = units
    director = _sender("director")
    engine.handle(director, Command("giao"))
    engine.handle(
        director, ButtonPress(f"{_step(database, unit.members['director'])}:d:as:general")
    )
    foreign = other.members["idle_staff"]
    step = _step(database, unit.members["director"])
    replies = engine.handle(director, ButtonPress(f"{step}:d:am:general:{foreign}"))
    assert t("input.stale_button") in _text(replies)
    assert not any(isinstance(r, Notice) for r in replies)
    assert f"pressed assign for member {foreign} outside the unit" in caplog.text
    with database.session() as session:
        rows = session.exec(select(Assignment).where(Assignment.member_id == foreign)).all()
        assert rows == []


def test_staff_cannot_open_a_section_not_given_to_them(
    database: Database,
    engine: ConversationEngine,
    units: tuple[Unit, Unit],
    caplog: pytest.LogCaptureFixture,
) -> None:
    unit, _ = units
    teacher = _sender("staff")
    engine.handle(teacher, Command("viec"))
    step = _step(database, unit.members["staff"])
    replies = engine.handle(teacher, ButtonPress(f"{step}:s:quality"))
    assert t("section.not_yours") in _text(replies)
    assert "not assigned to them" in caplog.text
    # Their own section opens.
    replies = engine.handle(teacher, ButtonPress(f"{step}:s:general"))
    assert t("section.not_yours") not in _text(replies)


def test_a_reused_or_foreign_invite_joins_nothing(
    database: Database, engine: ConversationEngine, units: tuple[Unit, Unit]
) -> None:
    _, other = units
    with database.session() as session:
        code = create_invite(
            session, unit_id=other.unit_id, role=Role.DEPUTY, created_by=None
        ).code
    # A member of unit A cannot move to unit B with B's code.
    replies = engine.handle(_sender("staff"), Command("start", code))
    assert t("invite.other_unit") in _text(replies)
    # The single-use code works once for a newcomer, then never again.
    first = engine.handle(Sender("test", "newcomer", "Người mới"), Command("start", code))
    assert "Chào mừng Người mới" in _text(first)
    again = engine.handle(Sender("test", "second", "Người khác"), Command("start", code))
    assert _text(again) == t("invite.used")
    with database.session() as session:
        assert store.member_by_identity(session, channel="test", external_id="second") is None


def test_a_final_report_is_locked_and_only_the_director_reopens(
    database: Database, engine: ConversationEngine, units: tuple[Unit, Unit]
) -> None:
    unit, _ = units
    director, teacher = _sender("director"), _sender("staff")
    engine.handle(director, Command("chot"))
    engine.handle(director, ButtonPress(f"{_step(database, unit.members['director'])}:d:fin:yes"))
    engine.handle(teacher, Command("viec"))
    step = _step(database, unit.members["staff"])
    replies = engine.handle(teacher, ButtonPress(f"{step}:s:general"))
    assert t("section.locked") in _text(replies)
    deputy = _sender("deputy")
    assert _denied(engine.handle(deputy, Command("mokhoa")))
    engine.handle(director, Command("mokhoa"))
    engine.handle(
        director, ButtonPress(f"{_step(database, unit.members['director'])}:d:reo:general")
    )
    engine.handle(teacher, Command("viec"))
    step = _step(database, unit.members["staff"])
    replies = engine.handle(teacher, ButtonPress(f"{step}:s:general"))
    assert t("section.locked") not in _text(replies)


def test_the_director_removes_a_teacher_who_left(
    database: Database, engine: ConversationEngine, units: tuple[Unit, Unit]
) -> None:
    unit, other = units
    director, teacher = _sender("director"), _sender("staff")
    replies = engine.handle(director, Command("thanhvien"))
    assert "staff A" in _text(replies)
    # Nobody of the other unit can be named, even by a forged button.
    step = _step(database, unit.members["director"])
    forged = engine.handle(director, ButtonPress(f"{step}:d:rm:{other.members['staff']}"))
    assert t("input.stale_button") in _text(forged)
    engine.handle(director, Command("thanhvien"))
    engine.handle(
        director,
        ButtonPress(f"{_step(database, unit.members['director'])}:d:rm:{unit.members['staff']}"),
    )
    replies = engine.handle(
        director,
        ButtonPress(f"{_step(database, unit.members['director'])}:d:rmy:{unit.members['staff']}"),
    )
    assert t("members.removed", name="staff A") in _text(replies)
    told = [r for r in replies if isinstance(r, Notice)]
    assert [(n.external_id, n.text) for n in told] == [
        ("A-staff", t("members.removed_notice", unit="Trường A"))
    ]
    # The teacher is a stranger now; their section is free again; their answers stay.
    assert _text(engine.handle(teacher, Command("viec"))) == t("start.stranger")
    with database.session() as session:
        rows = session.exec(select(Assignment).where(Assignment.period_id == unit.period_id))
        assert list(rows) == []
        other_rows = session.exec(
            select(Assignment).where(Assignment.period_id == other.period_id)
        )
        assert len(list(other_rows)) == 1


def test_a_deputy_removes_staff_but_not_the_director(
    database: Database, engine: ConversationEngine, units: tuple[Unit, Unit]
) -> None:
    unit, _ = units
    deputy = _sender("deputy")
    replies = engine.handle(deputy, Command("thanhvien"))
    labels = [b.label for r in replies if isinstance(r, Reply) for row in r.buttons for b in row]
    assert any("staff A" in label for label in labels)
    assert not any("director A" in label for label in labels)
    step = _step(database, unit.members["deputy"])
    replies = engine.handle(deputy, ButtonPress(f"{step}:d:rm:{unit.members['director']}"))
    assert t("input.stale_button") in _text(replies)


def test_the_director_makes_a_teacher_deputy_and_back(
    database: Database, engine: ConversationEngine, units: tuple[Unit, Unit]
) -> None:
    unit, other = units
    director, teacher = _sender("director"), _sender("staff")
    assert _denied(engine.handle(teacher, Command("tiendo")))
    engine.handle(director, Command("thanhvien"))
    replies = engine.handle(
        director,
        ButtonPress(f"{_step(database, unit.members['director'])}:d:rm:{unit.members['staff']}"),
    )
    labels = [b.label for r in replies if isinstance(r, Reply) for row in r.buttons for b in row]
    assert "⇄ Chuyển sang Phó Giám đốc" in " ".join(labels)
    step = _step(database, unit.members["director"])
    # Forged: another unit's teacher, the director herself, a role not offered.
    for forged in (
        f"d:ro:{other.members['staff']}:deputy",
        f"d:ro:{unit.members['director']}:staff",
        f"d:ro:{unit.members['staff']}:director",
        f"d:ro:{unit.members['staff']}:staff",
        "d:ro:abc:deputy",
    ):
        refused = engine.handle(director, ButtonPress(f"{step}:{forged}"))
        assert t("input.stale_button") in _text(refused), forged
        step = _step(database, unit.members["director"])
    replies = engine.handle(director, ButtonPress(f"{step}:d:ro:{unit.members['staff']}:deputy"))
    assert t("members.role_changed", name="staff A", role="Phó Giám đốc") in _text(replies)
    told = [(n.external_id, n.text) for n in replies if isinstance(n, Notice)]
    assert told == [
        ("A-staff", t("members.role_changed_notice", unit="Trường A", role="Phó Giám đốc"))
    ]
    # The new deputy sees the progress; the other unit's people are untouched.
    assert not _denied(engine.handle(teacher, Command("tiendo")))
    with database.session() as session:
        assert session.get(Member, other.members["staff"]).role == "staff"  # type: ignore[union-attr]
    # And back to staff.
    engine.handle(director, Command("thanhvien"))
    engine.handle(
        director,
        ButtonPress(f"{_step(database, unit.members['director'])}:d:rm:{unit.members['staff']}"),
    )
    engine.handle(
        director,
        ButtonPress(
            f"{_step(database, unit.members['director'])}:d:ro:{unit.members['staff']}:staff"
        ),
    )
    assert _denied(engine.handle(teacher, Command("tiendo")))


def test_a_deputy_cannot_change_roles(
    database: Database, engine: ConversationEngine, units: tuple[Unit, Unit]
) -> None:
    unit, _ = units
    deputy = _sender("deputy")
    engine.handle(deputy, Command("thanhvien"))
    replies = engine.handle(
        deputy,
        ButtonPress(f"{_step(database, unit.members['deputy'])}:d:rm:{unit.members['staff']}"),
    )
    labels = [b.label for r in replies if isinstance(r, Reply) for row in r.buttons for b in row]
    assert not any("Chuyển sang" in label for label in labels)
    step = _step(database, unit.members["deputy"])
    refused = engine.handle(deputy, ButtonPress(f"{step}:d:ro:{unit.members['staff']}:deputy"))
    assert t("denied.director_only") in _text(refused)
    with database.session() as session:
        assert session.get(Member, unit.members["staff"]).role == "staff"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "action",
    [
        "d:rm:99999999999999999999999",
        "d:rmy:99999999999999999999999",
        "d:ro:99999999999999999999999:deputy",
        "d:rm:²",
        "d:am:general:99999999999999999999999",
        "d:am:general:³",
        "d:kind:99999999999999999999999",
        "d:kind:²",
        "d:rem:days:99999999999999999999999",
        "d:rem:days:²",
    ],
)
def test_a_forged_number_in_a_button_is_refused_not_raised(
    database: Database, engine: ConversationEngine, units: tuple[Unit, Unit], action: str
) -> None:
    unit, _ = units
    director = _sender("director")
    engine.handle(director, Command("thanhvien"))
    step = _step(database, unit.members["director"])
    replies = engine.handle(director, ButtonPress(f"{step}:{action}"))
    assert t("input.stale_button") in _text(replies)


@pytest.mark.parametrize("step", ["²", "99999999999999999999999", "1²"])
def test_a_forged_step_is_refused_not_raised(
    engine: ConversationEngine, units: tuple[Unit, Unit], step: str
) -> None:
    replies = engine.handle(_sender("director"), ButtonPress(f"{step}:d:rm:1"))
    assert t("input.stale_button") in _text(replies)

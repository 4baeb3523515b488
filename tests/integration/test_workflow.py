"""The director's workflow rules: invites, periods with carry-over, assignments, locks and
progress, on the real database and the real report kind."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.core.clock import VIETNAM
from bot.questionnaire.loader import load_template
from bot.store import queries as store
from bot.store.database import Database
from bot.workflow import periods
from bot.workflow.access import PERMISSIONS, Action, ForbiddenError, Role, can, require
from bot.workflow.invites import InviteError, create_invite, invite_link, redeem, revoke
from bot.workflow.members import remove_member
from bot.workflow.progress import period_progress
from models import Member, Period, Unit, require_id
from tests.support.transcript import Chat

pytestmark = pytest.mark.dialect

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=VIETNAM)


@pytest.fixture
def template():  # type: ignore[no-untyped-def]
    return load_template(KIND)


def _unit(session: Session, name: str = "Trung tâm GDNN-GDTX quận Phú Nhuận") -> Unit:
    return store.create_unit(session, name=name, place="Phú Nhuận")


def _member(session: Session, unit: Unit, name: str, role: str, external_id: str) -> Member:
    return store.add_member(
        session, unit=unit, display_name=name, role=role, channel="test", external_id=external_id
    )


# -- roles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.DIRECTOR, Action.FINALIZE, True),
        (Role.DIRECTOR, Action.ASSIGN, True),
        (Role.DEPUTY, Action.ASSIGN, True),
        (Role.DEPUTY, Action.FINALIZE, False),
        (Role.DEPUTY, Action.REOPEN, False),
        (Role.DEPUTY, Action.INVITE_DEPUTY, False),
        (Role.DEPUTY, Action.CHANGE_ROLE, False),
        (Role.DIRECTOR, Action.CHANGE_ROLE, True),
        (Role.STAFF, Action.ANSWER_OWN, True),
        (Role.STAFF, Action.VIEW_PROGRESS, False),
        (Role.STAFF, Action.VIEW_DRAFT, False),
        (Role.STAFF, Action.ASSIGN, False),
        (Role.STAFF, Action.INVITE_STAFF, False),
    ],
)
def test_roles_allow_exactly_their_actions(role: Role, action: Action, allowed: bool) -> None:
    member = Member(id=1, unit_id=1, display_name="X", role=role.value)
    assert can(member, action) is allowed
    assert (action in PERMISSIONS[role]) is allowed


def test_an_unknown_role_or_a_removed_member_gets_no_lead_rights() -> None:
    assert not can(Member(id=1, unit_id=1, display_name="X", role="admin"), Action.ASSIGN)
    assert not can(
        Member(id=1, unit_id=1, display_name="X", role="director", active=False), Action.ASSIGN
    )


def test_a_role_is_stored_as_its_plain_string_and_read_back_as_the_enum(
    database: Database,
) -> None:
    with database.session() as session:
        unit = _unit(session)
        deputy = _member(session, unit, "Mai", "deputy", "p")
        odd = _member(session, unit, "Tú", "staff", "o")
        session.execute(text("UPDATE member SET role = 'admin' WHERE id = :id"), {"id": odd.id})
        stored = session.execute(
            text("SELECT role FROM member WHERE id = :id"), {"id": deputy.id}
        ).scalar_one()
        member_ids = (deputy.id, odd.id)
    assert stored == "deputy"
    with database.session() as session:
        roles = [session.get(Member, member_id).role for member_id in member_ids]  # type: ignore[union-attr]
    assert roles == [Role.DEPUTY, Role.STAFF]
    assert all(isinstance(role, Role) for role in roles)


def test_a_period_of_another_unit_is_refused_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    director = Member(id=1, unit_id=1, display_name="X", role="director")
    foreign = Period(id=9, unit_id=2, template_id=KIND, year="2025-2026")
    with pytest.raises(ForbiddenError):
        require(director, Action.VIEW_PROGRESS, period=foreign)
    assert "period 9 of unit 2" in caplog.text


# -- invites ----------------------------------------------------------------------------


def test_a_director_invite_joins_once(database: Database) -> None:
    with database.session() as session:
        unit = _unit(session)
        invite = create_invite(
            session, unit_id=require_id(unit), role=Role.DIRECTOR, created_by=None
        )
        code = invite.code
    assert invite_link("@baocao_bot", code) == f"https://t.me/baocao_bot?start={code}"
    with database.session() as session:
        joined = redeem(
            session, code=code, channel="test", external_id="1", display_name="Lan", current=None
        )
        assert joined.member.role == "director" and not joined.already_member
    with database.session() as session, pytest.raises(InviteError) as err:
        redeem(session, code=code, channel="test", external_id="2", display_name="B", current=None)
    assert err.value.reason == "used"


def test_a_staff_invite_serves_many_until_it_expires_or_is_revoked(database: Database) -> None:
    with time_machine.travel(NOON, tick=False), database.session() as session:
        unit = _unit(session)
        invite = create_invite(session, unit_id=require_id(unit), role=Role.STAFF, created_by=None)
        for n in range(3):
            joined = redeem(
                session,
                code=invite.code,
                channel="test",
                external_id=f"t{n}",
                display_name=f"GV {n}",
                current=None,
            )
            assert joined.member.role == "staff"
    with time_machine.travel(NOON + timedelta(days=8), tick=False), database.session() as session:
        with pytest.raises(InviteError) as err:
            redeem(
                session,
                code=invite.code,
                channel="test",
                external_id="late",
                display_name="Muộn",
                current=None,
            )
        assert err.value.reason == "expired"
    with time_machine.travel(NOON, tick=False), database.session() as session:
        fresh = create_invite(session, unit_id=require_id(unit), role=Role.STAFF, created_by=None)
        assert revoke(session, invite_id=require_id(fresh), unit_id=require_id(unit))
        assert not revoke(session, invite_id=require_id(fresh), unit_id=(require_id(unit)) + 1)
        with pytest.raises(InviteError) as err:
            redeem(
                session,
                code=fresh.code,
                channel="test",
                external_id="x",
                display_name="X",
                current=None,
            )
        assert err.value.reason == "revoked"


@pytest.mark.parametrize("code", ["", "nope", "x" * 200, "../../etc", "' OR 1=1 --"])
def test_a_guessed_code_joins_nothing(database: Database, code: str) -> None:
    with database.session() as session, pytest.raises(InviteError) as err:
        redeem(session, code=code, channel="test", external_id="1", display_name="X", current=None)
    assert err.value.reason == "unknown"


def test_a_member_of_a_real_unit_cannot_switch_units_with_a_code(database: Database) -> None:
    with database.session() as session:
        first = _unit(session, "Trường A")
        second = _unit(session, "Trường B")
        teacher = _member(session, first, "GV A", "staff", "t1")
        invite = create_invite(
            session, unit_id=require_id(second), role=Role.STAFF, created_by=None
        )
        with pytest.raises(InviteError) as err:
            redeem(
                session,
                code=invite.code,
                channel="test",
                external_id="t1",
                display_name="GV A",
                current=teacher,
            )
        assert err.value.reason == "other_unit"


def test_a_removed_member_cannot_rejoin_with_the_old_staff_link_but_with_a_new_invite(
    database: Database, options: EngineOptions
) -> None:
    engine = ConversationEngine(database, replace(options, demo=False))
    teacher, colleague = Chat(engine, "t1"), Chat(engine, "t2")
    with time_machine.travel(NOON, tick=False):
        with database.session() as session:
            unit = _unit(session)
            unit_id = require_id(unit)
            link = create_invite(session, unit_id=unit_id, role=Role.STAFF, created_by=None)
            old_code = link.code
        assert "Chào mừng" in teacher.say(f"/start {old_code}")
    with time_machine.travel(NOON + timedelta(hours=1), tick=False), database.session() as s:
        joined = store.member_by_identity(s, channel="test", external_id="t1")
        assert joined is not None
        remove_member(s, target_id=require_id(joined), unit_id=unit_id, actor=None)
    with time_machine.travel(NOON + timedelta(hours=2), tick=False):
        text = teacher.say(f"/start {old_code}")
        assert "đã được đưa ra khỏi đơn vị này" in text and "liên kết mời mới" in text
        # The link still serves everyone else.
        assert "Chào mừng" in colleague.say(f"/start {old_code}")
        with database.session() as session:
            assert store.member_by_identity(session, channel="test", external_id="t1") is None
            new_code = create_invite(
                session, unit_id=unit_id, role=Role.STAFF, created_by=None
            ).code
    with time_machine.travel(NOON + timedelta(hours=3), tick=False):
        assert "Chào mừng" in teacher.say(f"/start {new_code}")
    with database.session() as session:
        back = store.member_by_identity(session, channel="test", external_id="t1")
        assert back is not None and back.active and back.unit_id == unit_id


# -- periods, assignments, locks --------------------------------------------------------


def test_a_new_period_takes_last_periods_figures(database: Database, template) -> None:  # type: ignore[no-untyped-def]
    from bot.questionnaire.loader import sample_answers_path
    from bot.report.answers_file import load_answers_file

    sample = load_answers_file(sample_answers_path(KIND), template_id=KIND)
    with database.session() as session:
        unit = _unit(session)
        first = periods.open_period(session, unit=unit, template=template, year="2024-2025")
        for question_id, value in sample.values.items():
            store.save_answer(
                session,
                period_id=require_id(first.period),
                question_id=question_id,
                value=value,
                member_id=None,
            )
        periods.finalize(session, period=first.period)
        second = periods.open_period(session, unit=unit, template=template, year="2025-2026")
        assert second.previous is not None and second.previous.id == first.period.id
        values, _ = store.answer_values(session, period_id=require_id(second.period))
    carried = {q: values[q] for q in second.filled}
    # Last year's counts become this year's "previous" figures.
    assert carried.get("previous_enrolled") == sample.values["enrolled"]
    assert carried.get("previous_dropouts") == sample.values["dropouts"]
    # Last year's computed rates fill the comparison table, rows it did not have stay "-".
    assert carried["conduct_previous"]["total"] == {"rate": "100"}
    assert carried["conduct_previous"]["thcs"] is None
    assert carried["academic_previous"]["total"] == {"rate": "91.82"}
    # Narratives marked `carry` are offered, not answered.
    assert "democracy" in second.offered and "democracy" not in values
    with database.session() as session:
        offered = periods.carried_answers(session, period_id=require_id(second.period))
    assert offered["democracy"] == sample.values["democracy"]


def test_the_same_period_cannot_be_opened_twice(database: Database, template) -> None:  # type: ignore[no-untyped-def]
    with database.session() as session:
        unit = _unit(session)
        periods.open_period(session, unit=unit, template=template, year="2025-2026")
        with pytest.raises(periods.PeriodError):
            periods.open_period(session, unit=unit, template=template, year="2025-2026")
        periods.open_period(session, unit=unit, template=template, year="2025-2026", term=1)


def test_staff_answer_only_their_sections_and_a_final_report_is_locked(
    database: Database,
    template,  # type: ignore[no-untyped-def]
) -> None:
    with database.session() as session:
        unit = _unit(session)
        director = _member(session, unit, "Lan", "director", "d")
        teacher = _member(session, unit, "Hương", "staff", "t")
        period = periods.open_period(
            session, unit=unit, template=template, year="2025-2026"
        ).period
        assert periods.sections_of(session, period=period, template=template, member=teacher) == []
        assert periods.assign(
            session,
            period=period,
            template=template,
            section_id="curriculum",
            member=teacher,
            assigned_by=director.id,
        )
        assert not periods.assign(
            session,
            period=period,
            template=template,
            section_id="curriculum",
            member=teacher,
            assigned_by=director.id,
        )
        mine = periods.sections_of(session, period=period, template=template, member=teacher)
        assert mine == ["curriculum"]
        everything = periods.sections_of(
            session, period=period, template=template, member=director
        )
        assert everything == [s.id for s in template.sections]
        assert periods.may_answer(
            session, period=period, my_sections=mine, section_id="curriculum"
        )
        assert not periods.may_answer(
            session, period=period, my_sections=mine, section_id="campaigns"
        )
        assert periods.may_answer(
            session, period=period, my_sections=everything, section_id="campaigns"
        )
        periods.finalize(session, period=period)
        assert not periods.may_answer(
            session, period=period, my_sections=mine, section_id="curriculum"
        )
        periods.reopen_section(session, period=period, section_id="curriculum")
        assert periods.may_answer(
            session, period=period, my_sections=mine, section_id="curriculum"
        )


def test_a_member_of_another_unit_cannot_be_assigned(database: Database, template) -> None:  # type: ignore[no-untyped-def]
    with database.session() as session:
        unit = _unit(session, "Trường A")
        other = _unit(session, "Trường B")
        stranger = _member(session, other, "GV B", "staff", "b")
        period = periods.open_period(
            session, unit=unit, template=template, year="2025-2026"
        ).period
        with pytest.raises(periods.PeriodError):
            periods.assign(
                session,
                period=period,
                template=template,
                section_id="curriculum",
                member=stranger,
                assigned_by=None,
            )
        with pytest.raises(periods.PeriodError):
            periods.assign(
                session,
                period=period,
                template=template,
                section_id="no-such-section",
                member=stranger,
                assigned_by=None,
            )


def test_progress_counts_per_section_and_person_and_marks_the_late(
    database: Database,
    template,  # type: ignore[no-untyped-def]
) -> None:
    with time_machine.travel(NOON, tick=False), database.session() as session:
        unit = _unit(session)
        director = _member(session, unit, "Lan", "director", "d")
        teacher = _member(session, unit, "Hương", "staff", "t")
        period = periods.open_period(
            session, unit=unit, template=template, year="2025-2026", deadline=date(2026, 3, 1)
        ).period
        periods.assign(
            session,
            period=period,
            template=template,
            section_id="campaigns",
            member=teacher,
            assigned_by=director.id,
        )
        first_question = template.sections[0].questions[0]
        store.save_answer(
            session,
            period_id=require_id(period),
            question_id=first_question.id,
            value="Đã thực hiện tốt.",
            member_id=teacher.id,
        )
        progress = period_progress(session, period=period, template=template)
    data = progress.as_dict()
    campaigns = data["sections"][0]
    assert (campaigns["section"], campaigns["answered"], campaigns["state"]) == (
        "campaigns",
        1,
        "in_progress",
    )
    assert campaigns["assignees"] == [teacher.id]
    people = {p["name"]: p for p in data["people"]}
    assert people["Hương"]["sections"] == ["campaigns"]
    assert people["Hương"]["answered"] == 1 and people["Hương"]["late"] is True
    assert people["Hương"]["last_activity"].startswith("2026-03-02T")
    # Unassigned sections are the director's.
    assert "campaigns" not in people["Lan"]["sections"]
    assert data["deadline_passed"] is True


def test_progress_lists_no_removed_lead(database: Database, template) -> None:  # type: ignore[no-untyped-def]
    with database.session() as session:
        unit = _unit(session)
        director = _member(session, unit, "Lan", "director", "d")
        deputy = _member(session, unit, "Mai", "deputy", "p")
        period = periods.open_period(
            session, unit=unit, template=template, year="2025-2026"
        ).period
        remove_member(
            session, target_id=require_id(deputy), unit_id=require_id(unit), actor=director
        )
        progress = period_progress(session, period=period, template=template)
    assert [p["name"] for p in progress.as_dict()["people"]] == ["Lan"]


@given(st.lists(st.text(alphabet="aăâbcdđeêhiklmnoôơưtuy", min_size=1, max_size=9), max_size=12))
def test_button_labels_are_cut_after_whole_words(words: list[str]) -> None:
    from bot.core.text import short

    text = " ".join(words)
    label = short(text, 30)
    assert len(label) <= 30
    if label == text:
        return
    assert label.endswith("…")
    # Words are short, so a space always falls in the label's second half: none is cut.
    kept = label.removesuffix("…").split()
    assert kept == text.split()[: len(kept)]

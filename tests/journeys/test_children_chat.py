"""A district director in chat: adds schools and invites their directors, opens a period
that collects the schools' reports, follows them, adjusts a figure and drafts."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import ButtonPress, Command, Sender, Text
from bot.core.clock import school_year_of, today
from bot.core.replies import DocumentReply, Notice, Outgoing, Reply
from bot.questionnaire.loader import all_templates
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from bot.workflow.periods import finalize
from models import Conversation, Period, Unit, require_id
from tests.conftest import FIXTURE_TEMPLATES
from tests.support.docx_helpers import open_docx, text_of

KIND = "mini-report"


@pytest.fixture
def engine(database: Database) -> ConversationEngine:
    return ConversationEngine(
        database, EngineOptions(demo=False, templates_root=FIXTURE_TEMPLATES)
    )


def _text(replies: list[Outgoing]) -> str:
    return "\n".join(r.text for r in replies if isinstance(r, Reply))


def _step(database: Database, member_id: int) -> int:
    with database.session() as session:
        row = session.exec(select(Conversation).where(Conversation.member_id == member_id)).first()
        return int((row.state if row else {}).get("step", 0))


def _press(
    engine: ConversationEngine, database: Database, sender: Sender, member_id: int, action: str
) -> list[Outgoing]:
    return engine.handle(sender, ButtonPress(f"{_step(database, member_id)}:{action}"))


def _member(database: Database, external_id: str) -> int:
    with database.session() as session:
        member = store.member_by_identity(session, channel="test", external_id=external_id)
        assert member is not None
        return require_id(member)


def test_a_district_director_invites_schools_and_collects_their_reports(
    database: Database, engine: ConversationEngine
) -> None:
    with database.session() as session:
        office = store.create_unit(session, name="Phòng GD&ĐT Quận 3", place="Quận 3")
        outsider = store.create_unit(session, name="Trường ngoài quận", place="Quận 1")
        for role in ("director", "deputy"):
            store.add_member(
                session,
                unit=office,
                display_name=f"{role} phòng",
                role=role,
                channel="test",
                external_id=f"D-{role}",
            )
        office_id, outsider_id = require_id(office), require_id(outsider)
    director, deputy = Sender("test", "D-director", "Trưởng phòng"), Sender("test", "D-deputy", "")
    boss = _member(database, "D-director")

    # Two schools, each director joining with the invite the district sent.
    codes = {}
    for name in ("Trường A", "Trường B"):
        engine.handle(director, Command("donvicon"))
        _press(engine, database, director, boss, "d:ch:new")
        replies = engine.handle(director, Text(name))
        found = re.search(r"/start (\S+)", _text(replies))
        assert found, _text(replies)
        codes[name] = found.group(1)
    for name, external in (("Trường A", "S-a"), ("Trường B", "S-b")):
        joined = engine.handle(
            Sender("test", external, f"Hiệu trưởng {name}"), Command("start", codes[name])
        )
        assert name in _text(joined)
    with database.session() as session:
        children = session.exec(select(Unit).where(Unit.parent_id == office_id)).all()
        assert sorted(c.name for c in children) == ["Trường A", "Trường B"]
        assert all(c.parent_body == "Phòng GD&ĐT Quận 3" for c in children)

    # A unit that is not the district's own cannot be named by a forged button.
    engine.handle(director, Command("donvicon"))
    forged = _press(engine, database, director, boss, f"d:ch:re:{outsider_id}")
    assert t("input.stale_button") in _text(forged)
    # The deputy cannot bring in units.
    assert t("denied.director_only") in _text(engine.handle(deputy, Command("donvicon")))

    # /moky: the kind, the year, the whole year, the kind to collect, the deadline.
    kinds = [k.id for k in all_templates(FIXTURE_TEMPLATES)]
    year = school_year_of(today())
    engine.handle(director, Command("moky"))
    _press(engine, database, director, boss, f"d:kind:{kinds.index(KIND)}")
    _press(engine, database, director, boss, f"d:year:{year}")
    asked = _press(engine, database, director, boss, "d:term:0")
    assert "2 đơn vị trực thuộc" in _text(asked)
    _press(engine, database, director, boss, f"d:ch:col:{kinds.index(KIND)}")
    opened = engine.handle(director, Text(f"30/06/{year[-4:]}"))
    assert "Trường A" in _text(opened) and "Trường B" in _text(opened)
    told = {n.external_id for n in opened if isinstance(n, Notice)}
    assert told == {"S-a", "S-b"}

    with database.session() as session:
        parent = session.exec(select(Period).where(Period.unit_id == office_id)).one()
        assert parent.collect_template_id == KIND
        kids = session.exec(select(Period).where(Period.parent_period_id == parent.id)).all()
        assert len(kids) == 2 and all(k.deadline == parent.deadline for k in kids)
        school_a = next(
            k for k in kids if store.unit_by_id(session, unit_id=k.unit_id).name == "Trường A"
        )  # type: ignore[union-attr]
        store.save_answer(
            session,
            period_id=require_id(school_a),
            question_id="enrolled",
            value=120,
            member_id=None,
        )
        finalize(session, period=school_a)

    # School B's director marks her report final in chat: the district's leaders hear it.
    school_b_director = Sender("test", "S-b", "")
    engine.handle(school_b_director, Command("chot"))
    final = _press(engine, database, school_b_director, _member(database, "S-b"), "d:fin:yes")
    told = {n.external_id: n.text for n in final if isinstance(n, Notice)}
    assert set(told) == {"D-director", "D-deputy"}
    assert "Trường B đã hoàn tất báo cáo (2/2" in told["D-director"]
    with database.session() as session:
        school_b = next(k for k in kids if k.id != school_a.id)
        reopened = session.get(Period, school_b.id)
        assert reopened is not None
        reopened.status = "open"
        session.add(reopened)

    # A school sees its own progress and nothing of its sibling.
    own = _text(engine.handle(Sender("test", "S-a", ""), Command("tiendo")))
    assert "Trường B" not in own
    progress = _text(engine.handle(director, Command("tiendo")))
    assert "Trường A: đã hoàn tất" in progress
    assert "Trường B: chưa bắt đầu" in progress

    # The deputy adjusts a summed figure with a note; the draft shows both.
    engine.handle(deputy, Command("dieuchinh"))
    done = engine.handle(
        deputy, Text("enrolled 125 Thêm 5 học viên chuyển đến sau ngày chốt số liệu.")
    )
    assert "125" in _text(done)
    replies = engine.handle(director, Command("duthao"))
    document = next(r for r in replies if isinstance(r, DocumentReply))
    text = text_of(open_docx(document.data))
    assert "Thêm 5 học viên chuyển đến" in text
    assert "(tổng các đơn vị: 120)" in text
    assert "Trường B (chưa bắt đầu)" in text

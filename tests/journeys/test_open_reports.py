"""Several open reports of one unit: all reachable from /viec and /baocao, one choice
switches, and the choice holds across events and restarts until that report is final."""

from __future__ import annotations

from sqlmodel import select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import ButtonPress
from bot.questionnaire.loader import load_template
from bot.store import queries as store
from bot.store.database import Database
from bot.workflow import periods
from models import Answer, Period, Unit, require_id
from tests.conftest import FIXTURE_TEMPLATES
from tests.support.transcript import Chat


def _second_report(database: Database) -> int:
    """A term report opened beside the demo unit's annual one; its id."""
    template = load_template("mini-report", FIXTURE_TEMPLATES)
    with database.session() as session:
        unit = session.exec(select(Unit)).one()
        first = session.exec(select(Period)).one()
        opened = periods.open_period(
            session, unit=unit, template=template, year=first.year, term=1
        )
        session.commit()
        return require_id(opened.period)


def _answers_by_period(database: Database) -> dict[int, dict[str, object]]:
    found: dict[int, dict[str, object]] = {}
    with database.session() as session:
        for answer in session.exec(select(Answer)).all():
            found.setdefault(answer.period_id, {})[answer.question_id] = answer.value
    return found


def test_both_open_reports_are_reachable_and_the_choice_holds(
    chat: Chat, database: Database, options: EngineOptions
) -> None:
    chat.say("/start")
    with database.session() as session:
        annual = require_id(session.exec(select(Period)).one())
    term = _second_report(database)
    # The newest is shown; the other open one is offered in the menu.
    text = chat.say("/viec")
    assert "Đơn vị đang mở 2 báo cáo" in text
    assert "học kỳ 1" in text.splitlines()[0]
    chat.press("🔀")
    assert "Đã chuyển sang báo cáo" in chat.text
    assert "học kỳ 1" not in chat.text.splitlines()[1]
    chat.say("1")
    chat.say("Tốt")
    chat.say("591")
    # A restart keeps the member in the report they chose.
    restarted = Chat(ConversationEngine(database, options))
    text = restarted.say("/tiep")
    assert "Phần 1 • Câu 3/5" in text
    restarted.say("53")
    assert _answers_by_period(database)[annual] == {
        "summary": "Tốt",
        "enrolled": 591,
        "dropouts": 53,
    }
    assert term not in _answers_by_period(database)
    # /baocao lists both, numbered; /baocao 1 (the newest) switches back in one step.
    text = restarted.say("/baocao")
    assert "1. Báo cáo thử nghiệm" in text and "học kỳ 1" in text and "◀" in text
    assert "Đã chuyển sang báo cáo" in restarted.say("/baocao 1")
    assert "học kỳ 1" in restarted.text
    assert "(0/5)" in restarted.text


def test_a_final_choice_falls_back_to_the_newest_open_report(
    chat: Chat, database: Database
) -> None:
    chat.say("/start")
    _second_report(database)
    chat.say("/viec")
    chat.press("🔀")
    with database.session() as session:
        chosen = session.exec(select(Period).order_by(Period.id)).first()
        assert chosen is not None
        chosen.status = "final"
        session.add(chosen)
        session.commit()
    text = chat.say("/viec")
    assert "Đơn vị đang mở" not in text
    assert "(0/5)" in text


def test_a_forged_switch_to_another_units_report_is_refused(
    chat: Chat, database: Database
) -> None:
    chat.say("/start")
    template = load_template("mini-report", FIXTURE_TEMPLATES)
    with database.session() as session:
        other = store.create_unit(session, name="Trường khác", place="Quận 3")
        foreign = periods.open_period(session, unit=other, template=template, year="2025-2026")
        session.commit()
        foreign_id = foreign.period.id
    for code in (f"1:p:{foreign_id}", "1:p:99999999999999999999", "1:p:²"):
        text = chat.send(ButtonPress(code))
        assert "Nút này thuộc một câu hỏi trước đó" in text
        assert "Trường khác" not in text


def test_staff_see_and_switch_between_the_open_reports_too(
    chat: Chat, database: Database, engine: ConversationEngine
) -> None:
    chat.say("/start")
    _second_report(database)
    with database.session() as session:
        unit = session.exec(select(Unit)).one()
        store.add_member(
            session,
            unit=unit,
            display_name="Thầy Nam",
            role="staff",
            channel="test",
            external_id="teacher-2",
        )
        session.commit()
    teacher = Chat(engine, "teacher-2")
    text = teacher.say("/viec")
    assert "Đơn vị đang mở 2 báo cáo" in text
    assert "học kỳ 1" in text.splitlines()[0]
    teacher.press("🔀")
    assert "Đã chuyển sang báo cáo" in teacher.text
    assert "học kỳ 1" not in teacher.say("/viec").splitlines()[0]

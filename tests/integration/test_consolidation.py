"""Reports that travel up: a district sums its schools, a province its districts, on SQLite
and PostgreSQL, and the .docx drafts are read back."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session

from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, load_template
from bot.report.answers_file import load_answers_file
from bot.report.build import build_draft
from bot.report.consolidate import summed_answers
from bot.store import queries as store
from bot.store.database import Database
from bot.workflow.hierarchy import (
    HierarchyError,
    adjust,
    child_periods,
    create_child_unit,
    draft_inputs,
    open_collection,
    set_parent,
)
from bot.workflow.periods import finalize
from bot.workflow.progress import period_progress
from bot.workflow.render import progress_text
from models import Period, Unit, require_id
from tests.support.docx_helpers import open_docx, table_with, text_of

pytestmark = pytest.mark.dialect

KIND = "bao-cao-nhiem-vu-nam-hoc-phong-gddt"
YEAR = "2019-2020"
DEADLINE = date(2030, 6, 15)
SAMPLE = DEFAULT_TEMPLATES_DIR / KIND / "sample-answers.yaml"


def school_answers(public: int, private: int, graduates: int, candidates: int) -> dict[str, Any]:
    """The sample answers with a school's own preschool count and graduation figures."""
    values = copy.deepcopy(load_answers_file(SAMPLE).values)
    values["preschool"]["schools"] = {"public": public, "private": private}
    values["graduates"] = graduates
    values["graduation_candidates"] = candidates
    return values


def fill(session: Session, period: Period, values: dict[str, Any]) -> None:
    for question_id, value in values.items():
        store.save_answer(
            session,
            period_id=require_id(period),
            question_id=question_id,
            value=value,
            member_id=None,
        )


def period_of(session: Session, parent: Period, unit: Unit) -> Period:
    return next(
        p for p in child_periods(session, period_id=require_id(parent)) if p.unit_id == unit.id
    )


def draft_text(session: Session, period: Period) -> tuple[str, Any]:
    """The period's draft as it would be sent, read back from the .docx."""
    template = load_template(period.template_id)
    unit = store.unit_by_id(session, unit_id=period.unit_id)
    assert unit is not None
    own, _ = store.answer_values(session, period_id=require_id(period))
    values, notes = draft_inputs(session, period=period, template=template, values=own)
    draft = build_draft(
        template=template, unit=unit, period=period, values=values, confirmed=set(), notes=notes
    )
    document = open_docx(draft.data)
    return text_of(document), document


def preschool_schools(document: Any) -> list[str]:
    """The cells of the "Số trường" row of the preschool table: public, private, total."""
    table = table_with(document, "Số trẻ")
    row = next(r for r in table.rows if r.cells[0].text.strip() == "Số trường")
    return [c.text.strip() for c in row.cells[1:]]


def district(session: Session, name: str) -> Unit:
    return store.create_unit(session, name=name, place="Quận 3")


def test_a_district_sums_its_finished_schools_and_names_the_missing_one(
    database: Database,
) -> None:
    kind = load_template(KIND)
    with database.session() as session:
        office = district(session, "Phòng Giáo dục và Đào tạo Quận 3")
        a = create_child_unit(session, parent=office, name="Trường A")
        b = create_child_unit(session, parent=office, name="Trường B")
        c = create_child_unit(session, parent=office, name="Trường C")
        collection = open_collection(
            session,
            unit=office,
            template=kind,
            collect=kind,
            year=YEAR,
            term=None,
            deadline=DEADLINE,
        )
        parent = collection.period
        assert [p.unit_id for p in collection.children] == [a.id, b.id, c.id]
        for child in collection.children:
            assert (child.deadline, child.year, child.parent_period_id) == (
                DEADLINE,
                YEAR,
                parent.id,
            )
        fill(session, period_of(session, parent, a), school_answers(3, 1, 99, 100))
        fill(session, period_of(session, parent, b), school_answers(2, 0, 30, 60))
        fill(session, period_of(session, parent, c), school_answers(50, 50, 10, 10))
        finalize(session, period=period_of(session, parent, a))
        finalize(session, period=period_of(session, parent, b))
        session.commit()

        text, document = draft_text(session, parent)
        # 3 + 2 public, 1 + 0 private, 6 in all: school C is not in yet.
        assert preschool_schools(document) == ["5", "1", "6"]
        # 129 of 160 = 80,625% from the sums, not (99% + 50%) / 2 = 74,5%.
        assert "Tốt nghiệp THCS: 129/160, tỉ lệ 80,63%" in text
        assert "74,5" not in text
        assert "Trường C (chưa bắt đầu)" not in text
        assert "Trường C (đang làm)" in text
        assert "2/3 đơn vị" in text

        progress = period_progress(session, period=parent, template=kind).as_dict()
        assert "sections" in progress and "people" in progress
        states = {c["unit_name"]: c for c in progress["children"]}
        assert states["Trường A"]["status"] == "final"
        assert states["Trường C"]["status"] == "in_progress"
        assert states["Trường C"]["sections_total"] == len(kind.sections)
        assert states["Trường C"]["period_id"] == period_of(session, parent, c).id
        assert "Trường C" in progress_text(
            period_progress(session, period=parent, template=kind), kind
        )


def test_a_child_sees_nothing_of_its_siblings(database: Database) -> None:
    kind = load_template(KIND)
    with database.session() as session:
        office = district(session, "Phòng Giáo dục và Đào tạo Quận 3")
        a = create_child_unit(session, parent=office, name="Trường A")
        create_child_unit(session, parent=office, name="Trường B")
        parent = open_collection(
            session,
            unit=office,
            template=kind,
            collect=kind,
            year=YEAR,
            term=None,
            deadline=DEADLINE,
        ).period
        fill(session, period_of(session, parent, a), school_answers(3, 1, 99, 100))
        sibling = child_periods(session, period_id=require_id(parent))[1]
        fill(session, sibling, school_answers(40, 40, 10, 10))
        finalize(session, period=sibling)
        mine = period_of(session, parent, a)

        progress = period_progress(session, period=mine, template=kind)
        assert progress.as_dict()["children"] == []
        assert "Trường B" not in progress_text(progress, kind)
        text, document = draft_text(session, mine)
        assert "Trường B" not in text
        assert preschool_schools(document) == ["3", "1", "4"]


def test_a_province_sums_its_districts_which_sum_their_schools(database: Database) -> None:
    kind = load_template(KIND)
    with database.session() as session:
        province = store.create_unit(session, name="Sở Giáo dục và Đào tạo", place="TP. HCM")
        first = district(session, "Phòng GD&ĐT Quận 1")
        second = district(session, "Phòng GD&ĐT Quận 3")
        set_parent(session, unit=first, parent_id=province.id)
        set_parent(session, unit=second, parent_id=province.id)
        s1 = create_child_unit(session, parent=first, name="Trường 1")
        s2 = create_child_unit(session, parent=first, name="Trường 2")
        s3 = create_child_unit(session, parent=first, name="Trường 3")
        s4 = create_child_unit(session, parent=second, name="Trường 4")
        s5 = create_child_unit(session, parent=second, name="Trường 5")
        collection = open_collection(
            session,
            unit=province,
            template=kind,
            collect=kind,
            year=YEAR,
            term=None,
            deadline=DEADLINE,
        )
        top = collection.period
        assert len(collection.children) == 7  # two districts and their five schools
        d1, d2 = period_of(session, top, first), period_of(session, top, second)
        answers = [
            (s1, (3, 1, 99, 100)),
            (s2, (2, 0, 30, 60)),
            (s3, (50, 50, 10, 10)),
            (s4, (4, 2, 80, 90)),
            (s5, (1, 1, 20, 40)),
        ]
        for school, figures in answers:
            parent = d1 if school.parent_id == first.id else d2
            child = period_of(session, parent, school)
            assert child.deadline == DEADLINE
            fill(session, child, school_answers(*figures))
            if school is not s3:
                finalize(session, period=child)
        finalize(session, period=d1)
        session.commit()

        text, document = draft_text(session, top)
        # Quận 3 is not final yet: the province has Quận 1 only (schools 1 and 2).
        assert preschool_schools(document) == ["5", "1", "6"]
        assert "Phòng GD&ĐT Quận 3 (đã xong" not in text
        assert "Phòng GD&ĐT Quận 3 (" in text

        finalize(session, period=d2)
        session.commit()
        text, document = draft_text(session, top)
        # 3 + 2 + 4 + 1 public, 1 + 0 + 2 + 1 private; school 3 still out.
        assert preschool_schools(document) == ["10", "4", "14"]
        # (99 + 30 + 80 + 20) / (100 + 60 + 90 + 40) = 229/290 = 78,965…%
        assert "Tốt nghiệp THCS: 229/290, tỉ lệ 78,97%" in text
        assert "2/2 đơn vị" in text
        district_text, _ = draft_text(session, d1)
        assert "Trường 3 (đang làm)" in district_text


def test_the_directors_adjusted_figure_and_its_note_are_in_the_draft(database: Database) -> None:
    kind = load_template(KIND)
    with database.session() as session:
        office = district(session, "Phòng Giáo dục và Đào tạo Quận 3")
        a = create_child_unit(session, parent=office, name="Trường A")
        parent = open_collection(
            session,
            unit=office,
            template=kind,
            collect=kind,
            year=YEAR,
            term=None,
            deadline=DEADLINE,
        ).period
        fill(session, period_of(session, parent, a), school_answers(3, 1, 99, 100))
        finalize(session, period=period_of(session, parent, a))
        adjust(
            session,
            period=parent,
            template=kind,
            target="preschool.schools.private",
            value="2",
            note="Trường mầm non tư thục Hoa Mai mới thành lập.",
            member_id=None,
        )
        with pytest.raises(HierarchyError):
            adjust(
                session,
                period=parent,
                template=kind,
                target="preschool.nothing.public",
                value="2",
                note="x",
                member_id=None,
            )
        with pytest.raises(HierarchyError):
            adjust(
                session,
                period=parent,
                template=kind,
                target="graduates",
                value="-3",
                note="x",
                member_id=None,
            )
        text, document = draft_text(session, parent)
        assert preschool_schools(document) == ["3", "2", "5"]
        assert "Mầm non – Số trường – Ngoài công lập: 2 (tổng các đơn vị: 1)" in text
        assert "Hoa Mai mới thành lập" in text


def test_a_unit_cannot_be_put_under_its_own_child(database: Database) -> None:
    with database.session() as session:
        office = district(session, "Phòng Giáo dục và Đào tạo Quận 3")
        school = create_child_unit(session, parent=office, name="Trường A")
        with pytest.raises(HierarchyError) as caught:
            set_parent(session, unit=office, parent_id=school.id)
        assert caught.value.reason == "cycle"


def test_distribution_tables_are_summed_per_category_and_rates_computed_from_the_sums() -> None:
    kind = load_template("bao-cao-tong-ket-nam-hoc-gdnn-gdtx")
    first = {
        "academic": {
            "thcs": {
                "total": 100,
                "poor": 0,
                "weak": 10,
                "average": 40,
                "good": 30,
                "excellent": 20,
            },
            "thpt": None,
            "linked": None,
        },
        "academic_previous": {
            "thcs": {"rate": "88.5"},
            "thpt": None,
            "linked": None,
            "total": None,
        },
    }
    second = {
        "academic": {
            "thcs": {"total": 50, "poor": 5, "weak": 20, "average": 15, "good": 5, "excellent": 5},
            "thpt": {"total": 10, "poor": 0, "weak": 0, "average": 5, "good": 5, "excellent": 0},
            "linked": None,
        }
    }
    sums = summed_answers(kind, [first, second])
    assert sums["academic"] == {
        "thcs": {"total": 150, "poor": 5, "weak": 30, "average": 55, "good": 35, "excellent": 25},
        "thpt": {"total": 10, "poor": 0, "weak": 0, "average": 5, "good": 5, "excellent": 0},
        "linked": None,
    }
    # Last year's rates are percentages: never added, the parent keeps its own.
    assert "academic_previous" not in sums
    numbers = evaluate(kind, sums).numbers
    # THCS: 115/150 = 76,67% (the rates 90% and 50% would average 70%).
    assert numbers["academic.thcs.avg_up_rate"] == Decimal("76.67")
    # All: 125/160 = 78,125% rounded half up.
    assert numbers["academic.total.avg_up_rate"] == Decimal("78.13")

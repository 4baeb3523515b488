"""The operator's commands for units under a parent and reports that travel up."""

from __future__ import annotations

from sqlmodel import select

from bot.cli import app
from bot.store import queries as store
from bot.store.database import Database
from bot.workflow.invites import redeem
from bot.workflow.periods import finalize
from models import Reminder
from tests.support.cli import baocao_json, runner

KIND = "bao-cao-nhiem-vu-nam-hoc-phong-gddt"


def test_a_district_collects_its_schools_reports_from_the_command_line(
    cli_database: Database,
) -> None:
    office = baocao_json("unit", "create", "--name", "Phòng GD&ĐT Quận 3", "--place", "Quận 3")
    schools = [
        baocao_json(
            "unit",
            "create",
            "--name",
            name,
            "--place",
            "Quận 3",
            "--parent",
            str(office["unit_id"]),
        )
        for name in ("Trường A", "Trường B")
    ]
    assert schools[0]["parent_id"] == office["unit_id"]
    listed = {u["unit_id"]: u for u in baocao_json("unit", "list")}
    assert listed[schools[1]["unit_id"]]["parent_id"] == office["unit_id"]
    assert listed[office["unit_id"]]["parent_id"] is None
    with cli_database.session() as session:
        redeem(
            session,
            code=schools[0]["invite_code"],
            channel="telegram",
            external_id="601",
            display_name="Lê Thị Hoa",
            current=None,
        )

    opened = baocao_json(
        "period", "open", "--unit", str(office["unit_id"]), "--template", KIND,
        "--collect", KIND, "--deadline", "2030-06-15", "--year", "2029-2030",
    )  # fmt: skip
    assert [c["unit_name"] for c in opened["children"]] == ["Trường A", "Trường B"]
    child_ids = [c["period_id"] for c in opened["children"]]
    listed_periods = baocao_json("period", "list", "--unit", str(schools[0]["unit_id"]))
    assert listed_periods[0]["parent_period_id"] == opened["period_id"]
    assert listed_periods[0]["deadline"] == "2030-06-15"

    with cli_database.session() as session:
        # The school's director is reminded of her own period's deadline.
        planned = session.exec(select(Reminder).where(Reminder.period_id == child_ids[0])).all()
        assert planned
        child = store.period_by_id(session, period_id=child_ids[0])
        assert child is not None
        store.save_answer(session, period_id=child_ids[0], question_id="graduates", value=97,
                          member_id=None)  # fmt: skip
        store.save_answer(session, period_id=child_ids[0], question_id="graduation_candidates",
                          value=100, member_id=None)  # fmt: skip
        finalize(session, period=child)

    # `check --period` and `render --period` draw a collecting period from its children's
    # sums, as /duthao does: the rate is worked out from the summed figures.
    checked = baocao_json("check", "--period", str(opened["period_id"]))
    rates = [f["text"] for f in checked["figures"].values() if f["kind"] == "rate"]
    assert "97%" in rates

    progress = baocao_json("progress", "--period", str(opened["period_id"]))
    assert "sections" in progress
    assert [(c["unit_name"], c["status"]) for c in progress["children"]] == [
        ("Trường A", "final"),
        ("Trường B", "not_started"),
    ]
    assert set(progress["children"][0]) == {
        "unit_id", "unit_name", "period_id", "status", "sections_done", "sections_total"
    }  # fmt: skip
    mine = baocao_json("progress", "--period", str(child_ids[1]))
    assert mine["children"] == []

    adjusted = baocao_json(
        "period", "adjust", "--period", str(opened["period_id"]), "--figure", "graduates",
        "--value", "120", "--note", "Theo số liệu thi tốt nghiệp của Sở.",
    )  # fmt: skip
    assert adjusted["value"] == "120"
    refused = runner.invoke(
        app,
        ["period", "adjust", "--period", str(child_ids[1]), "--figure", "graduates",
         "--value", "1", "--note", "x"],
    )  # fmt: skip
    assert refused.exit_code == 2
    assert "không tổng hợp" in refused.output


def test_a_unit_without_children_collects_nothing(cli_database: Database) -> None:
    office = baocao_json("unit", "create", "--name", "Phòng GD&ĐT Quận 3", "--place", "Quận 3")
    result = runner.invoke(
        app,
        ["period", "open", "--unit", str(office["unit_id"]), "--template", KIND,
         "--collect", KIND, "--deadline", "2030-06-15"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "chưa có đơn vị trực thuộc" in result.output
    bad_parent = runner.invoke(
        app, ["unit", "create", "--name", "Trường A", "--place", "Quận 3", "--parent", "999"]
    )
    assert bad_parent.exit_code == 2
    assert "999" in bad_parent.output

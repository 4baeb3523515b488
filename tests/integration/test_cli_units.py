"""The operator's commands: a unit, its director's invite, a period, assignments and
progress, from the command line with --json, on the test database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine

from bot.cli import app
from bot.core.clock import VIETNAM
from bot.questionnaire.loader import load_template
from bot.report.build import build_draft
from bot.store import queries as store
from bot.store.database import Database
from bot.workflow.invites import redeem
from models import require_id
from tests.support.cli import baocao_json, runner
from tests.support.docx_helpers import open_docx, text_of

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"


def test_a_unit_with_its_director_a_period_an_assignment_and_progress(
    cli_database: Database,
) -> None:
    unit = baocao_json(
        "unit", "create", "--name", "Trung tâm GDNN-GDTX quận Phú Nhuận", "--place", "Phú Nhuận"
    )
    assert isinstance(unit["unit_id"], int)
    assert unit["invite_link"] == f"https://t.me/baocao_pn_bot?start={unit['invite_code']}"

    with cli_database.session() as session:
        redeem(
            session,
            code=unit["invite_code"],
            channel="telegram",
            external_id="501",
            display_name="Nguyễn Thị Lan",
            current=None,
        )
    staff_invite = baocao_json("invite", "create", "--unit", str(unit["unit_id"]))
    with cli_database.session() as session:
        redeem(
            session,
            code=staff_invite["invite_code"],
            channel="telegram",
            external_id="502",
            display_name="Trần Văn Hùng",
            current=None,
        )

    members = baocao_json("member", "list", "--unit", str(unit["unit_id"]))
    assert [(m["name"], m["role"]) for m in members] == [
        ("Nguyễn Thị Lan", "director"),
        ("Trần Văn Hùng", "staff"),
    ]
    assert members[1]["chats"] == ["telegram:502"]
    teacher_id = members[1]["member_id"]

    period = baocao_json(
        "period",
        "open",
        "--unit",
        str(unit["unit_id"]),
        "--template",
        KIND,
        "--year",
        "2025-2026",
        "--deadline",
        "2026-06-30",
    )
    assert isinstance(period["period_id"], int) and period["carried_from"] is None

    # A section by its number, as the director sees it.
    given = baocao_json(
        "assign",
        "--period",
        str(period["period_id"]),
        "--section",
        "3",
        "--member",
        str(teacher_id),
    )
    assert (given["section"], given["changed"]) == ("curriculum", True)

    with cli_database.session() as session:
        store.save_answer(
            session,
            period_id=period["period_id"],
            question_id="enrolled",
            value=591,
            member_id=teacher_id,
        )
    progress = baocao_json("progress", "--period", str(period["period_id"]))
    curriculum = next(s for s in progress["sections"] if s["section"] == "curriculum")
    assert curriculum["answered"] == 1 and curriculum["assignees"] == [teacher_id]
    people = {p["name"]: p for p in progress["people"]}
    assert people["Trần Văn Hùng"]["sections"] == ["curriculum"]

    text = runner.invoke(app, ["progress", "--period", str(period["period_id"])])
    assert "Trần Văn Hùng" in text.stdout and "3. " in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["period", "open", "--unit", "999", "--template", KIND, "--deadline", "2026-06-30"],
            "Không có đơn vị mã 999",
        ),
        (
            ["period", "open", "--unit", "1", "--template", "nope", "--deadline", "2026-06-30"],
            "Không có loại báo cáo",
        ),
        (
            ["period", "open", "--unit", "1", "--template", KIND, "--deadline", "30/06/2026"],
            "YYYY-MM-DD",
        ),
        (
            [
                "period",
                "open",
                "--unit",
                "1",
                "--template",
                KIND,
                "--year",
                "2025",
                "--deadline",
                "2026-06-30",
            ],
            "2025-2026",
        ),
        (
            ["assign", "--period", "999", "--section", "3", "--member", "1"],
            "Không có kỳ báo cáo mã 999",
        ),
        (["progress", "--period", "999"], "Không có kỳ báo cáo mã 999"),
        (["member", "list", "--unit", "999"], "Không có đơn vị mã 999"),
    ],
)
def test_wrong_arguments_are_refused_clearly(
    cli_database: Database, args: list[str], message: str
) -> None:
    runner.invoke(app, ["unit", "create", "--name", "Trường A", "--place", "Quận 1"])
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_member_of_another_unit_cannot_be_assigned(cli_database: Database) -> None:
    first = baocao_json("unit", "create", "--name", "Trường A", "--place", "Quận 1")
    second = baocao_json("unit", "create", "--name", "Trường B", "--place", "Quận 3")
    with cli_database.session() as session:
        outsider = redeem(
            session,
            code=second["invite_code"],
            channel="telegram",
            external_id="9",
            display_name="Người ngoài",
            current=None,
        ).member.id
    period = baocao_json(
        "period",
        "open",
        "--unit",
        str(first["unit_id"]),
        "--template",
        KIND,
        "--deadline",
        "2026-06-30",
    )
    result = runner.invoke(
        app,
        [
            "assign",
            "--period",
            str(period["period_id"]),
            "--section",
            "1",
            "--member",
            str(outsider),
        ],
    )
    assert result.exit_code == 2 and "không thuộc đơn vị" in result.stderr


def unit_with_teacher(database: Database, name: str, external_id: str) -> tuple[Any, int]:
    """A unit made at the command line, and a teacher who joined it with a staff invite."""
    unit = baocao_json("unit", "create", "--name", "Trường A", "--place", "Quận 1")
    invite = baocao_json("invite", "create", "--unit", str(unit["unit_id"]))
    with database.session() as session:
        joined = redeem(
            session,
            code=invite["invite_code"],
            channel="telegram",
            external_id=external_id,
            display_name=name,
            current=None,
        )
        return unit, require_id(joined.member)


def test_a_member_who_left_is_removed_from_the_command_line(cli_database: Database) -> None:
    unit, teacher = unit_with_teacher(cli_database, "Giáo viên cũ", "77")
    removed = baocao_json(
        "member", "remove", "--unit", str(unit["unit_id"]), "--member", str(teacher)
    )
    assert removed["name"] == "Giáo viên cũ"
    assert baocao_json("member", "list", "--unit", str(unit["unit_id"])) == []
    with cli_database.session() as session:
        assert store.member_by_identity(session, channel="telegram", external_id="77") is None
    again = runner.invoke(
        app, ["member", "remove", "--unit", str(unit["unit_id"]), "--member", str(teacher)]
    )
    assert again.exit_code == 2 and "không có thành viên" in again.stderr


def test_a_member_gets_another_role_from_the_command_line(cli_database: Database) -> None:
    unit, teacher = unit_with_teacher(cli_database, "Cô Hạnh", "78")
    unit_id, member_id = str(unit["unit_id"]), str(teacher)
    changed = baocao_json(
        "member", "role", "--unit", unit_id, "--member", member_id, "--role", "deputy"
    )
    assert changed == {
        "unit_id": unit["unit_id"],
        "member_id": teacher,
        "name": "Cô Hạnh",
        "role": "deputy",
        "previous_role": "staff",
    }
    [listed] = baocao_json("member", "list", "--unit", unit_id)
    assert listed["role"] == "deputy"
    text = runner.invoke(
        app, ["member", "role", "--unit", unit_id, "--member", member_id, "--role", "director"]
    )
    assert text.exit_code == 0 and "Cô Hạnh: Phó Giám đốc → Giám đốc." in text.stdout
    # Another unit's id, or a role that does not exist, is refused.
    other = runner.invoke(
        app, ["member", "role", "--unit", "999", "--member", member_id, "--role", "staff"]
    )
    assert other.exit_code == 2 and "không có thành viên" in other.stderr
    bad = runner.invoke(
        app, ["member", "role", "--unit", unit_id, "--member", member_id, "--role", "admin"]
    )
    assert bad.exit_code == 2


# -- a period's deadline ---------------------------------------------------------------------


def planned_days(period_id: int) -> set[str]:
    """The days (Vietnam time) of the period's planned reminders."""
    listed = baocao_json("reminders", "--period", str(period_id))
    return {r["due_at"][:10] for r in listed["reminders"] if r["status"] == "planned"}


@time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=VIETNAM), tick=False)
def test_the_deadline_of_an_open_period_changes_and_reminders_follow(
    cli_database: Database,
) -> None:
    unit, teacher = unit_with_teacher(cli_database, "Cô Hạnh", "79")
    period = baocao_json(
        "period",
        "open",
        "--unit",
        str(unit["unit_id"]),
        "--template",
        KIND,
        "--deadline",
        "2026-06-30",
    )
    period_id = str(period["period_id"])
    baocao_json("assign", "--period", period_id, "--section", "1", "--member", str(teacher))
    moved = baocao_json("period", "deadline", "--period", period_id, "--deadline", "2026-07-20")
    assert moved == {
        "period_id": period["period_id"],
        "unit_id": unit["unit_id"],
        "deadline": "2026-07-20",
        "previous_deadline": "2026-06-30",
    }
    # Planned again at once (the command line's open and assign leave it to the sweep).
    after = planned_days(period["period_id"])
    assert after and "2026-06-30" < max(after) <= "2026-07-20"
    [listed] = baocao_json("period", "list", "--unit", str(unit["unit_id"]))
    assert listed["deadline"] == "2026-07-20"

    text = runner.invoke(
        app, ["period", "deadline", "--period", period_id, "--deadline", "2026-07-25"]
    )
    assert text.exit_code == 0, text.output
    assert "hạn nộp 25/07/2026 (trước đó: 20/07/2026)" in text.stdout
    later = planned_days(period["period_id"])
    assert "2026-07-20" < max(later) <= "2026-07-25"

    # A day already past is refused, as in chat; the deadline stays.
    past = runner.invoke(
        app, ["period", "deadline", "--period", period_id, "--deadline", "2026-05-03"]
    )
    assert past.exit_code == 2
    assert "Hạn nộp 03/05/2026 đã qua" in past.stderr
    bad = runner.invoke(app, ["period", "deadline", "--period", period_id, "--deadline", "mai"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr
    missing = runner.invoke(
        app, ["period", "deadline", "--period", "999", "--deadline", "2026-07-01"]
    )
    assert missing.exit_code == 2 and "Không có kỳ báo cáo mã 999" in missing.stderr
    baocao_json("period", "final", "--period", period_id)
    final = runner.invoke(
        app, ["period", "deadline", "--period", period_id, "--deadline", "2026-08-01"]
    )
    assert final.exit_code == 2 and "đã chốt" in final.stderr
    [listed] = baocao_json("period", "list", "--unit", str(unit["unit_id"]))
    assert listed["deadline"] == "2026-07-25"


# -- the unit's settings ---------------------------------------------------------------------


def test_unit_settings_are_listed_and_changed_from_the_command_line(
    cli_database: Database,
) -> None:
    unit = baocao_json("unit", "create", "--name", "Trường A", "--place", "Quận 1")
    unit_id = str(unit["unit_id"])
    changed = baocao_json(
        "unit",
        "update",
        "--unit",
        unit_id,
        "--name",
        "Trung tâm GDNN-GDTX quận 3",
        "--parent-body",
        "UBND quận 3",
        "--place",
        "Quận 3",
        "--address",
        "12 Lý Chính Thắng",
        "--signer-title",
        "Phó Giám đốc",
        "--signer-name",
        "Lê Văn Phó",
        "--on-behalf-of",
        "Giám đốc",
        "--number-prefix",
        "BC-TTGDNN",
        "--recipient",
        "Phòng GD&ĐT quận 3;",
        "--recipient",
        "Lưu: VT",
    )
    assert changed["changed"] == [
        "name",
        "parent_body",
        "place",
        "address",
        "signer_title",
        "signer_name",
        "on_behalf_of",
        "number_prefix",
        "recipients",
    ]
    [listed] = baocao_json("unit", "list")
    assert listed == {
        "unit_id": unit["unit_id"],
        "name": "Trung tâm GDNN-GDTX quận 3",
        "parent_body": "UBND quận 3",
        "place": "Quận 3",
        "address": "12 Lý Chính Thắng",
        "phone": "",
        "signer_title": "Phó Giám đốc",
        "signer_name": "Lê Văn Phó",
        "on_behalf_of": "Giám đốc",
        "number_prefix": "BC-TTGDNN",
        "recipients": ["- Phòng GD&ĐT quận 3;", "- Lưu: VT."],
        "is_demo": False,
        "parent_id": None,
    }
    text = runner.invoke(app, ["unit", "list"])
    assert text.exit_code == 0
    assert f"Đơn vị {unit_id}: Trung tâm GDNN-GDTX quận 3" in text.stdout
    assert "Ký thay (KT.) cho: Giám đốc" in text.stdout
    assert "    - Lưu: VT." in text.stdout and "- - " not in text.stdout

    # Only what is given changes; '' clears an optional setting.
    again = baocao_json(
        "unit", "update", "--unit", unit_id, "--on-behalf-of", "", "--recipient", ""
    )
    assert again["changed"] == ["on_behalf_of", "recipients"]
    assert (again["on_behalf_of"], again["recipients"], again["signer_name"]) == (
        None,
        [],
        "Lê Văn Phó",
    )
    # A required setting cannot be emptied; nothing at all to change is said so.
    empty = runner.invoke(app, ["unit", "update", "--unit", unit_id, "--name", "  "])
    assert empty.exit_code == 2 and "Tên đơn vị không được để trống." in empty.stderr
    nothing = runner.invoke(app, ["unit", "update", "--unit", unit_id])
    assert nothing.exit_code == 2 and "Chưa có gì để đổi" in nothing.stderr
    missing = runner.invoke(app, ["unit", "update", "--unit", "999", "--name", "X"])
    assert missing.exit_code == 2 and "Không có đơn vị mã 999" in missing.stderr


def test_the_draft_prints_the_units_settings(cli_database: Database) -> None:
    unit = baocao_json("unit", "create", "--name", "Trường A", "--place", "Quận 1")
    unit_id = str(unit["unit_id"])
    baocao_json(
        "unit",
        "update",
        "--unit",
        unit_id,
        "--name",
        "Trung tâm GDNN-GDTX quận 3",
        "--parent-body",
        "UBND quận 3",
        "--place",
        "Quận 3",
        "--signer-title",
        "Phó Giám đốc",
        "--signer-name",
        "Lê Văn Phó",
        "--on-behalf-of",
        "Giám đốc",
        "--number-prefix",
        "BC-TTGDNN",
        "--recipient",
        "Phòng GD&ĐT quận 3;",
        "--recipient",
        "Lưu: VT.",
    )
    with cli_database.session() as session:
        found = store.unit_by_id(session, unit_id=unit["unit_id"])
        assert found is not None
        period = store.open_period(
            session, unit=found, template_id=KIND, template_version=1, year="2025-2026"
        )
        draft = build_draft(
            template=load_template(KIND), unit=found, period=period, values={}, confirmed=set()
        )
    text = text_of(open_docx(draft.data))
    assert "UBND QUẬN 3" in text and "TRUNG TÂM GDNN-GDTX QUẬN 3" in text
    assert "/BC-TTGDNN" in text and "BC-GDNN-GDTX" not in text
    assert "Quận 3, ngày" in text
    assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text and "Lê Văn Phó" in text
    assert "Phòng GD&ĐT quận 3;" in text and "Lưu: VT." in text


# -- text output for people ------------------------------------------------------------------


@time_machine.travel(datetime(2026, 5, 4, 23, 30, tzinfo=VIETNAM), tick=False)
def test_text_output_names_people_sections_and_roles_in_vietnamese_time(
    cli_database: Database,
) -> None:
    unit, teacher = unit_with_teacher(cli_database, "Trần Văn Hùng", "80")
    unit_id = str(unit["unit_id"])
    created = runner.invoke(app, ["unit", "create", "--name", "Trường B", "--place", "Quận 3"])
    # 23:30 in Vietnam is 16:30 UTC the same day; invites last days, not minutes.
    assert "Lời mời tham gia với vai trò Giám đốc, hết hạn lúc " in created.stdout
    assert "(director)" not in created.stdout and "T16:30" not in created.stdout
    invite = runner.invoke(app, ["invite", "create", "--unit", unit_id])
    assert "vai trò Cán bộ, giáo viên" in invite.stdout and "(staff)" not in invite.stdout

    members = runner.invoke(app, ["member", "list", "--unit", unit_id])
    assert f"{teacher}. Trần Văn Hùng – Cán bộ, giáo viên, tham gia lúc 04/05/2026 23:30" in (
        members.stdout
    )
    assert "staff" not in members.stdout and "+00:00" not in members.stdout

    period = baocao_json(
        "period", "open", "--unit", unit_id, "--template", KIND, "--deadline", "2026-06-30"
    )
    period_id = str(period["period_id"])
    given = runner.invoke(
        app, ["assign", "--period", period_id, "--section", "3", "--member", str(teacher)]
    )
    assert given.stdout.startswith("Đã giao phần 3. ")
    assert "cho Trần Văn Hùng." in given.stdout and "curriculum" not in given.stdout
    taken = runner.invoke(
        app,
        ["assign", "--period", period_id, "--section", "3", "--member", str(teacher), "--remove"],
    )
    assert taken.stdout.startswith("Đã bỏ giao phần 3. ") and "của Trần Văn Hùng." in taken.stdout

    listed = runner.invoke(app, ["period", "list", "--unit", unit_id])
    assert "năm học 2025 - 2026 – hạn nộp 30/06/2026 – Đang mở" in listed.stdout
    assert KIND not in listed.stdout and "open" not in listed.stdout

    baocao_json("assign", "--period", period_id, "--section", "3", "--member", str(teacher))
    baocao_json("period", "deadline", "--period", period_id, "--deadline", "2026-06-30")
    reminders = runner.invoke(app, ["reminders", "--period", period_id])
    assert reminders.exit_code == 0
    assert "• 23/06/2026 08:00 — Trần Văn Hùng: nhắc trước 7 ngày (đã lên lịch)" in (
        reminders.stdout
    )
    assert "planned" not in reminders.stdout and "+07:00" not in reminders.stdout


def test_the_units_phone_is_set_from_the_command_line_and_printed(
    cli_database: Database,
) -> None:
    unit = baocao_json("unit", "create", "--name", "Trung tâm GDNN-GDTX", "--place", "Quận 3")
    unit_id = str(unit["unit_id"])
    updated = baocao_json(
        "unit", "update", "--unit", unit_id,
        "--address", "124 Hoàng Văn Thụ", "--phone", "(028) 3844 2157",
    )  # fmt: skip
    assert updated["phone"] == "(028) 3844 2157" and updated["changed"] == ["address", "phone"]
    listed = {u["unit_id"]: u for u in baocao_json("unit", "list")}
    assert listed[unit["unit_id"]]["phone"] == "(028) 3844 2157"
    semester = "bao-cao-so-ket-hoc-ky-gdnn-gdtx"
    with cli_database.session() as session:
        found = store.unit_by_id(session, unit_id=unit["unit_id"])
        assert found is not None
        period = store.open_period(
            session, unit=found, template_id=semester, template_version=1, year="2025-2026", term=1
        )
        draft = build_draft(
            template=load_template(semester), unit=found, period=period, values={}, confirmed=set()
        )
    assert "(028) 3844 2157" in text_of(open_docx(draft.data))

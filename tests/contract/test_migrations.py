"""The Alembic migrations: they build the models' schema and upgrade a 0.1.0 database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from bot.conversation import transaction
from bot.core.replies import Button, Reply
from bot.store import queries as store
from bot.store.database import Database, _alembic_config
from models import Answer, Assignment, Member, Period, SectionProgress
from models import Unit as UnitRow

pytestmark = pytest.mark.dialect

RELEASE_0_1_0 = Path(__file__).parents[1] / "fixtures" / "db" / "release-0.1.0.sql"


# The newest migration: every fresh or upgraded database ends here.
HEAD_REVISION = "0016_fewer_pages"


def _schema_differences(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_migrations_build_exactly_the_models_schema(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    database.migrate()
    assert database.revision() == HEAD_REVISION
    assert _schema_differences(database) == []
    database.dispose()


def test_the_migrations_build_exactly_the_models_schema_on_each_dialect(
    database: Database,
) -> None:
    # The test's database: a copy of one the migrations built once per run.
    assert database.revision() == HEAD_REVISION
    assert _schema_differences(database) == []


def test_a_database_of_release_0_1_0_upgrades_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(RELEASE_0_1_0.read_text(encoding="utf-8"))
    database = Database(f"sqlite:///{path}")
    assert database.revision() is None

    database.migrate()

    assert database.revision() == HEAD_REVISION
    assert _schema_differences(database) == []
    with database.session() as session:
        member = session.exec(select(Member)).one()
        assert (member.display_name, member.role, member.active) == (
            "Nguyễn Thị Lan",
            "director",
            True,
        )
        found = store.member_by_identity(session, channel="telegram", external_id="1001")
        assert found is not None and found.id == member.id
        answer = session.exec(select(Answer)).one()
        assert answer.value == "Trung tâm đã hoàn thành nhiệm vụ."
        assert answer.updated_at.tzinfo is not None
        period = session.exec(select(Period)).one()
        assert (period.status, period.opened_by) == ("open", None)
        # The new tables work on the upgraded database.
        session.add(Assignment(period_id=period.id, section_id="campaigns", member_id=member.id))  # type: ignore[arg-type]
        session.add(SectionProgress(period_id=period.id, section_id="campaigns"))  # type: ignore[arg-type]
    with database.session() as session:
        assert len(session.exec(select(Assignment)).all()) == 1
    database.dispose()


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'twice.db'}")
    database.migrate()
    database.migrate()
    assert database.revision() == HEAD_REVISION
    database.dispose()


def test_kept_checks_move_to_the_keys_of_inferred_checks(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'kept.db'}")
    database.migrate("0003_reminders")
    with database.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO unit (id, name, parent_body, place, address, signer_title, signer_name,"
            " number_pattern, is_demo, created_at) VALUES (1, 'A', '', 'Q1', '', 'GĐ', '', '',"
            " 0, '2026-01-01 00:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO period (id, unit_id, template_id, template_version, year, status,"
            " created_at) VALUES (1, 1, 'bao-cao-tong-ket-nam-hoc-gdnn-gdtx', 1, '2025-2026',"
            " 'open', '2026-01-01 00:00:00')"
        )
        for key in ("conduct.thpt.0", "dropouts_within_enrolled", "gifted_city.maths.1"):
            connection.exec_driver_sql(
                "INSERT INTO confirmedcheck (period_id, check_key, confirmed_at)"
                f" VALUES (1, '{key}', '2026-01-01 00:00:00')"
            )
    database.migrate()
    with database.session() as session:
        keys = store.confirmed_checks(session, period_id=1)
    assert keys == {"conduct.thpt.sum:total", "not_above:dropouts:enrolled", "gifted_city.maths.1"}
    database.dispose()


def test_a_deputy_signing_kt_becomes_the_signer_for_the_director(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'units.db'}")
    database.migrate("0004_inferred_check_keys")
    with database.engine.begin() as connection:
        for unit_id, deputy_title, deputy_name in (
            (1, "'Phó Giám đốc'", "'Lê Văn Phó'"),
            (2, "NULL", "NULL"),
        ):
            connection.exec_driver_sql(
                "INSERT INTO unit (id, name, parent_body, place, address, signer_title,"
                " signer_name, deputy_title, deputy_name, number_pattern, is_demo, created_at)"
                f" VALUES ({unit_id}, 'A', '', 'Q1', '', 'Giám đốc', 'Trần Thị Giám',"
                f" {deputy_title}, {deputy_name}, '', 0, '2026-01-01 00:00:00')"
            )
    database.migrate()
    with database.session() as session:
        deputy, director = session.get(UnitRow, 1), session.get(UnitRow, 2)
        assert deputy is not None and director is not None
        assert (deputy.on_behalf_of, deputy.signer_title, deputy.signer_name) == (
            "Giám đốc",
            "Phó Giám đốc",
            "Lê Văn Phó",
        )
        assert (director.on_behalf_of, director.signer_title, director.signer_name) == (
            None,
            "Giám đốc",
            "Trần Thị Giám",
        )
        assert deputy.number_prefix == ""
    with database.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0004_inferred_check_keys")
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT signer_title, deputy_title, deputy_name FROM unit ORDER BY id"
        ).all()
    assert [tuple(r) for r in rows] == [
        ("Giám đốc", "Phó Giám đốc", "Lê Văn Phó"),
        ("Giám đốc", None, None),
    ]
    database.dispose()


KEPT = '[{"text": "Đã lưu", "buttons": [[["3:skip", "Bỏ qua", "/boqua"]]]}]'


def test_kept_replies_move_to_the_processed_events_and_back(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'replies.db'}")
    database.migrate("0015_hot_path_revisions")
    moment = "'2026-03-02 02:15:30.000000'"
    with database.engine.begin() as connection:
        for event_id in ("7", "8"):
            connection.exec_driver_sql(
                "INSERT INTO processedevent (channel, event_id, processed_at)"
                f" VALUES ('telegram', '{event_id}', {moment})"
            )
        connection.exec_driver_sql(
            "INSERT INTO eventattempt (channel, event_id, attempts, replies, updated_at)"
            f""" VALUES ('telegram', '7', 0, '{KEPT}', {moment})"""
        )
    database.migrate()
    with database.session() as session:
        assert transaction.replayed(session, channel="telegram", event_id="7") == [
            Reply("Đã lưu", [[Button("3:skip", "Bỏ qua", "/boqua")]])
        ]
        assert transaction.replayed(session, channel="telegram", event_id="8") == []
    with database.engine.connect() as connection:
        indexes = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'"
        ).scalars()
        assert "ix_answer_period_id" not in set(indexes)
    with database.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0015_hot_path_revisions")
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT event_id, attempts, replies FROM eventattempt ORDER BY event_id"
        ).all()
    assert [(r[0], r[1], json.loads(r[2])) for r in rows] == [("7", 0, json.loads(KEPT))]
    database.dispose()

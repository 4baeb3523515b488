"""`baocao restore` puts a `baocao backup` back, and `backup --keep-days` rotates old ones."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.clock import VIETNAM
from bot.core.settings import get_settings
from bot.ops.checks import head_revisions
from bot.store import hot_path
from bot.store import queries as store
from bot.store.database import Database
from models import Answer
from tests.integration.test_backup import (  # noqa: F401  (fixtures)
    counts,
    data_dir,
    needs_pg_dump,
    period_id,
)
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.dialect

runner = CliRunner()
_NUMBERS = itertools.count(1)


@pytest.fixture
def fresh_url(database: Database, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the same engine with nothing in it, not even tables."""
    if database.engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'baocao.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"restored_{next(_NUMBERS)}"
    yield server.create_database(name)
    server.drop_database(name)


def invoke(*args: str, url: str | None = None, monkeypatch: pytest.MonkeyPatch) -> Any:
    if url is not None:
        monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    return runner.invoke(app, list(args))


def answers_of(url: str) -> list[tuple[int, str, str]]:
    """Every answer as (period, question, value), in order."""
    database = Database(url)
    try:
        with database.session() as session:
            rows = session.exec(select(Answer)).all()
            return sorted((row.period_id, row.question_id, json.dumps(row.value)) for row in rows)
    finally:
        database.dispose()


def test_a_backup_restores_into_a_fresh_database(
    database: Database,
    data_dir: Path,  # noqa: F811
    period_id: int,  # noqa: F811
    fresh_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    needs_pg_dump(database)
    made = invoke("backup", "--json", monkeypatch=monkeypatch)
    assert made.exit_code == 0, made.output
    backup = json.loads(made.stdout)
    original = answers_of(database.url)
    assert len(original) == backup["answers"] > 20

    restored = invoke("restore", backup["file"], "--json", url=fresh_url, monkeypatch=monkeypatch)
    assert restored.exit_code == 0, restored.output
    payload = json.loads(restored.stdout)
    assert payload["answers"] == len(original)
    assert payload["revision"] == backup["revision"] in head_revisions()
    assert answers_of(fresh_url) == original
    # The restored database is one the bot runs on: migrated (nothing to do) and readable.
    upgraded = invoke("db", "upgrade", "--json", monkeypatch=monkeypatch)
    assert upgraded.exit_code == 0, upgraded.output
    assert json.loads(upgraded.stdout)["previous"] == backup["revision"]
    progress = invoke("progress", "--period", str(period_id), "--json", monkeypatch=monkeypatch)
    assert progress.exit_code == 0, progress.output


def test_restore_refuses_a_database_holding_data_unless_forced(
    database: Database,
    data_dir: Path,  # noqa: F811
    period_id: int,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    needs_pg_dump(database)
    made = invoke("backup", "--json", monkeypatch=monkeypatch)
    backup = json.loads(made.stdout)
    original = answers_of(database.url)
    with database.session() as session:
        store.save_answer(
            session,
            period_id=period_id,
            question_id="typed_after_the_backup",
            value="Câu trả lời gõ sau khi sao lưu",
            member_id=None,
        )
    database.dispose()
    changed = answers_of(database.url)
    assert len(changed) == len(original) + 1

    refused = invoke("restore", backup["file"], monkeypatch=monkeypatch)
    assert refused.exit_code == 2
    assert "--force" in refused.stderr and "đang có dữ liệu" in refused.stderr
    assert answers_of(database.url) == changed

    forced = invoke("restore", backup["file"], "--force", monkeypatch=monkeypatch)
    assert forced.exit_code == 0, forced.output
    assert forced.stdout.startswith("Đã khôi phục ")
    assert answers_of(database.url) == original


def test_restore_refuses_a_missing_file_or_one_of_the_other_engine(
    database: Database,
    data_dir: Path,  # noqa: F811
    fresh_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = invoke("restore", str(tmp_path / "nope.db"), url=fresh_url, monkeypatch=monkeypatch)
    assert missing.exit_code == 2 and "Không có tệp sao lưu" in missing.stderr
    other = tmp_path / "other.backup"
    if database.engine.dialect.name == "sqlite":
        other.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(64))
    else:
        other.write_bytes(b"SQLite format 3\x00" + bytes(84))
    wrong = invoke("restore", str(other), monkeypatch=monkeypatch)
    assert wrong.exit_code == 2 and "không khôi phục được" in wrong.stderr


def test_nightly_backups_keep_the_last_days_and_nothing_else_is_deleted(
    database: Database,
    data_dir: Path,  # noqa: F811
    period_id: int,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    needs_pg_dump(database)
    last = datetime(2026, 12, 10, 2, 0, tzinfo=VIETNAM)
    nights = [last - timedelta(days=days) for days in (10, 8, 7, 6, 1)]
    made: list[Path] = []
    for night in nights:
        with time_machine.travel(night, tick=False):
            result = invoke("backup", "--keep-days", "30", "--json", monkeypatch=monkeypatch)
        assert result.exit_code == 0, result.output
        made.append(Path(json.loads(result.stdout)["file"]))
    folder = made[0].parent
    # Files the rotation did not write are never its business.
    others = [folder / "notes.txt", folder / "baocao-before-upgrade.db", folder / "baocao.db"]
    for other in others:
        other.write_text("kept")
    (folder / "baocao-2026-11-01-0200.db.d").mkdir()

    # A night whose backup fails deletes nothing.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data_dir / 'missing.db'}")
    if database.engine.dialect.name == "postgresql":
        monkeypatch.setenv("DATABASE_URL", database.url.rsplit("/", 1)[0] + "/no_such_db")
    with time_machine.travel(last, tick=False):
        failed = invoke("backup", "--keep-days", "7", monkeypatch=monkeypatch)
    assert failed.exit_code == 2
    assert all(path.exists() for path in made)

    with time_machine.travel(last, tick=False):
        result = invoke(
            "backup", "--keep-days", "7", "--json", url=database.url, monkeypatch=monkeypatch
        )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    newest = Path(payload["file"])
    # 10 and 8 nights ago are older than 7 days; exactly 7 days ago is kept.
    assert sorted(payload["removed"]) == sorted(str(path) for path in made[:2])
    assert {path.name for path in folder.iterdir()} == {
        *(path.name for path in made[2:]),
        newest.name,
        *(other.name for other in others),
        "baocao-2026-11-01-0200.db.d",
    }
    with time_machine.travel(last + timedelta(days=2), tick=False):
        text = invoke("backup", "--keep-days", "1", monkeypatch=monkeypatch)
    assert "Đã xóa 4 bản sao lưu cũ hơn 1 ngày." in text.stdout


def test_a_restore_that_fails_half_way_leaves_the_database_as_it_was(
    database: Database,
    data_dir: Path,  # noqa: F811
    period_id: int,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    needs_pg_dump(database)
    made = invoke("backup", "--json", monkeypatch=monkeypatch)
    backup = Path(json.loads(made.stdout)["file"])
    before = answers_of(database.url)
    database.dispose()
    # The first two thirds of the file: its start says what it is, its end is missing.
    broken = tmp_path / f"broken{backup.suffix}"
    content = backup.read_bytes()
    broken.write_bytes(content[: len(content) * 2 // 3])
    result = invoke("restore", str(broken), "--force", monkeypatch=monkeypatch)
    assert result.exit_code == 2, result.output
    assert "giữ nguyên như trước" in result.stderr
    assert answers_of(database.url) == before


def test_a_restore_under_a_running_bot_never_matches_the_answers_it_keeps(
    database: Database,
    data_dir: Path,  # noqa: F811
    period_id: int,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    needs_pg_dump(database)
    made = invoke("backup", "--json", monkeypatch=monkeypatch)
    assert made.exit_code == 0, made.output
    # The running bot reads the period after one more answer: it keeps it at the backup's
    # revision plus one (bot/store/answers_cache.py).
    with database.session() as session:
        store.save_answer(
            session, period_id=period_id, question_id="typed_later", value="sau", member_id=None
        )
    with database.session() as session:
        assert "typed_later" in hot_path.period_answers(session, period_id=period_id).values

    forced = invoke("restore", json.loads(made.stdout)["file"], "--force", monkeypatch=monkeypatch)
    assert forced.exit_code == 0, forced.output
    # One write on the restored database: had the backup's revisions come back as they were,
    # the period would be at the revision the bot keeps, with other answers.
    other = Database(database.url)
    try:
        with other.session() as session:
            store.save_answer(
                session, period_id=period_id, question_id="typed_after", value=1, member_id=None
            )
    finally:
        other.dispose()
    with database.session() as session:
        read = hot_path.period_answers(session, period_id=period_id).values
        truth, _skipped = store.answer_values(session, period_id=period_id)
    assert "typed_later" not in read and read["typed_after"] == 1
    assert read == truth

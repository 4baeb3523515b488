"""`baocao backup`: a consistent, verified copy of the database while the bot writes."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlmodel import func, select
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.core.clock import VIETNAM
from bot.core.settings import get_settings
from bot.data.backup import BackupError, backup_database, verify_sqlite
from bot.questionnaire.loader import sample_answers_path
from bot.report.answers_file import load_answers_file
from bot.store import queries as store
from bot.store.database import Database
from models import Answer, AnswerChange

pytestmark = pytest.mark.dialect

KIND = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"

runner = CliRunner()


@pytest.fixture
def data_dir(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """`baocao` commands run against the test's database, with their own data folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("BAOCAO_DATA_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


@pytest.fixture
def period_id(database: Database) -> int:
    """A unit's period holding the sample answers."""
    loaded = load_answers_file(sample_answers_path(KIND))
    with database.session() as session:
        unit = store.create_unit(session, name="Trung tâm GDNN-GDTX quận Phú Nhuận", place="PN")
        teacher = store.add_member(session, unit=unit, display_name="Trần Văn Bình", role="staff")
        period = store.open_period(
            session, unit=unit, template_id=KIND, template_version=1, year="2025-2026"
        )
        assert period.id is not None
        for question_id, value in loaded.values.items():
            store.save_answer(
                session,
                period_id=period.id,
                question_id=question_id,
                value=value,
                member_id=teacher.id,
            )
        return period.id


def needs_pg_dump(database: Database) -> None:
    if database.engine.dialect.name == "postgresql" and not (
        shutil.which("pg_dump") and shutil.which("pg_restore")
    ):
        pytest.skip("pg_dump / pg_restore not on PATH")


def counts(database: Database) -> tuple[int, int]:
    """The number of answers and of recorded changes."""
    with database.session() as session:
        answers = session.exec(select(func.count()).select_from(Answer)).one()
        changes = session.exec(select(func.count()).select_from(AnswerChange)).one()
    return answers, changes


def backup_json(*args: str) -> dict[str, Any]:
    result: Result = runner.invoke(app, ["backup", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def sqlite_counts(path: Path) -> tuple[int, int]:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        answers = connection.execute("SELECT count(*) FROM answer").fetchone()[0]
        changes = connection.execute("SELECT count(*) FROM answerchange").fetchone()[0]
        return answers, changes
    finally:
        connection.close()


def test_backup_while_the_bot_writes(
    database: Database, data_dir: Path, period_id: int, tmp_path: Path
) -> None:
    needs_pg_dump(database)
    before, _ = counts(database)
    written = 0
    started = threading.Event()
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        # Another connection answering questions the whole time: each commit adds one answer
        # and its change together, so a consistent copy has as many of one as of the other.
        nonlocal written
        try:
            while not stop.is_set():
                with database.session() as session:
                    store.save_answer(
                        session,
                        period_id=period_id,
                        question_id=f"extra_{written}",
                        value=f"Câu trả lời thêm số {written}",
                        member_id=None,
                    )
                written += 1
                if written == 20:
                    started.set()
        except BaseException as err:  # reported by the test below
            failures.append(err)
            started.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert started.wait(30)
        copies = []
        for number in range(3):
            out = tmp_path / f"copy-{number}.backup"
            copies.append((out, backup_json("--out", str(out)), written))
    finally:
        stop.set()
        thread.join(30)
    assert not failures, failures
    after, _ = counts(database)
    assert after == before + written

    for out, payload, written_by_then in copies:
        assert payload["file"] == str(out)
        assert payload["size"] == out.stat().st_size > 0
        assert payload["integrity"] == "ok"
        assert payload["revision"]
        # The copy holds the answers as of one moment between the start and the end.
        assert before + 20 <= payload["answers"] <= after
        assert payload["answers"] <= before + written_by_then + 1
        if payload["engine"] == "sqlite":
            assert verify_sqlite(out)[0] == "ok"
            answers, changes = sqlite_counts(out)
            assert answers == payload["answers"]
            # Every sample answer and every extra one was written once, with one change.
            assert changes == answers
            # One self-contained file: no write-ahead log beside it.
            assert not out.with_name(out.name + "-wal").exists()
    # The bot went on writing while the copies were made.
    assert after > copies[0][1]["answers"]


@time_machine.travel(datetime(2026, 11, 25, 10, 30, 12, tzinfo=VIETNAM), tick=False)
def test_default_file_is_dated_under_the_data_folder(
    database: Database, data_dir: Path, period_id: int
) -> None:
    needs_pg_dump(database)
    first = backup_json()
    second = backup_json()
    suffix = ".db" if first["engine"] == "sqlite" else ".dump"
    folder = data_dir / "backups"
    assert first["file"] == str(folder / f"baocao-2026-11-25-1030{suffix}")
    assert second["file"] == str(folder / f"baocao-2026-11-25-1030-2{suffix}")
    answers, _ = counts(database)
    assert first["answers"] == second["answers"] == answers
    # Nothing half-written is left in the folder.
    assert {p.name for p in folder.iterdir()} == {
        f"baocao-2026-11-25-1030{suffix}",
        f"baocao-2026-11-25-1030-2{suffix}",
    }


def test_text_output(database: Database, data_dir: Path, period_id: int) -> None:
    needs_pg_dump(database)
    result = runner.invoke(app, ["backup"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Đã sao lưu cơ sở dữ liệu vào ")
    assert "kiểm tra toàn vẹn: ok" in result.stdout
    answers, _ = counts(database)
    assert f"; {answers} câu trả lời." in result.stdout


# -- refusals (no database needed) -----------------------------------------------------------


def test_missing_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="Không tìm thấy tệp cơ sở dữ liệu"):
        backup_database(f"sqlite:///{tmp_path / 'none.db'}", out=None, folder=tmp_path)
    with pytest.raises(BackupError, match="trong bộ nhớ"):
        backup_database("sqlite://", out=None, folder=tmp_path)
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_backup_onto_the_database_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "baocao.db"
    sqlite3.connect(path).close()
    with pytest.raises(BackupError, match="trùng"):
        backup_database(f"sqlite:///{path}", out=path, folder=tmp_path)


def test_postgresql_without_pg_dump_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="Cần pg_dump"):
        backup_database(
            "postgresql+psycopg://baocao:secret@127.0.0.1:1/baocao", out=None, folder=tmp_path
        )


def test_unsupported_engine(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="Chưa hỗ trợ"):
        backup_database("mysql://u@localhost/x", out=None, folder=tmp_path)


def test_a_damaged_copy_fails_verification(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE answer (id INTEGER PRIMARY KEY, value TEXT)")
    connection.executemany(
        "INSERT INTO answer (value) VALUES (?)", [("x" * 500,) for _ in range(200)]
    )
    connection.commit()
    connection.close()
    assert verify_sqlite(path) == ("ok", 200, None)
    data = bytearray(path.read_bytes())
    data[4096 + 8 : 4096 * 3] = b"\xff" * (4096 * 3 - 4096 - 8)
    path.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="Bản sao lưu bị lỗi"):
        verify_sqlite(path)


# -- where a backup may be written ----------------------------------------------------------


def backup_refused(*args: str) -> str:
    """Runs `baocao backup` expecting a clean refusal; returns what it said."""
    result: Result = runner.invoke(app, ["backup", *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.output


def test_an_existing_file_is_kept_unless_forced(
    database: Database, data_dir: Path, period_id: int, tmp_path: Path
) -> None:
    needs_pg_dump(database)
    out = tmp_path / "keep.db"
    out.write_bytes(b"a report someone needs")
    said = backup_refused("--out", str(out))
    assert "Đã có tệp" in said and "--force" in said
    assert out.read_bytes() == b"a report someone needs"
    forced = backup_json("--out", str(out), "--force")
    assert forced["integrity"] == "ok"
    assert out.stat().st_size == forced["size"] > len(b"a report someone needs")


def test_a_device_a_pipe_or_a_folder_is_never_replaced_even_forced(
    database: Database, data_dir: Path, period_id: int, tmp_path: Path
) -> None:
    needs_pg_dump(database)
    # Not the real /dev/null: a failing run would replace it for the whole machine.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    targets = [pipe, tmp_path]
    if os.geteuid() == 0:
        device = tmp_path / "null"
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        targets.append(device)
    for target in targets:
        for force in ([], ["--force"]):
            said = backup_refused("--out", str(target), *force)
            assert "không phải là một tệp thông thường" in said
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    if os.geteuid() == 0:
        assert (tmp_path / "null").is_char_device()


def test_the_live_database_files_are_never_the_target(tmp_path: Path) -> None:
    path = tmp_path / "baocao.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE answer (id INTEGER PRIMARY KEY, value TEXT)")
    connection.execute("INSERT INTO answer (value) VALUES ('kept')")
    connection.commit()
    wal = tmp_path / "baocao.db-wal"
    assert wal.exists()
    wal_before = wal.read_bytes()
    for suffix in ("", "-wal", "-shm", "-journal"):
        for force in (False, True):
            with pytest.raises(BackupError, match="trùng"):
                backup_database(
                    f"sqlite:///{path}",
                    out=tmp_path / f"baocao.db{suffix}",
                    folder=tmp_path,
                    force=force,
                )
    assert wal.read_bytes() == wal_before
    assert connection.execute("SELECT value FROM answer").fetchall() == [("kept",)]
    connection.close()


def test_the_wal_is_refused_from_the_command_line(
    database: Database, data_dir: Path, period_id: int
) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite files only")
    source = Path(str(database.engine.url.database))
    said = backup_refused("--out", f"{source}-wal", "--force")
    assert "trùng" in said


def test_an_unwritable_folder_is_told_clearly(
    database: Database, data_dir: Path, period_id: int, tmp_path: Path
) -> None:
    needs_pg_dump(database)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    # A missing folder is made, as for the default folder.
    made = backup_json("--out", str(tmp_path / "new" / "folder" / "copy.db"))
    assert Path(made["file"]).is_file()
    said = backup_refused("--out", str(a_file / "copy.db"))
    assert f"Không ghi được vào thư mục {a_file}: đường dẫn đi qua một tệp" in said
    # /sys refuses new files even to root.
    said = backup_refused("--out", "/sys/baocao-copy.db")
    assert "Không ghi được vào thư mục /sys: không có quyền ghi" in said

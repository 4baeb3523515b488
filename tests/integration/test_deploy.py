"""The files of deploy/: they name real settings and commands, and they work when run."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.core.clock import now
from bot.core.settings import Settings, get_settings
from bot.ops.checks import head_revisions
from bot.store import queries as store
from bot.store.database import Database
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTANCE = DEPLOY / "bin" / "baocao-instance"
# Read by the backup unit only, not by baocao.
UNIT_ONLY = {"BAOCAO_BACKUP_KEEP_DAYS"}

runner = CliRunner()


def env_keys(path: Path) -> set[str]:
    keys = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=", line)
        if found:
            keys.add(found.group(1))
    return keys


def test_the_environment_files_name_only_real_settings() -> None:
    aliases = {field.alias for field in Settings.model_fields.values() if field.alias}
    for example in DEPLOY.glob("*.env.example"):
        keys = env_keys(example)
        assert keys, example
        assert keys - UNIT_ONLY <= aliases, (example.name, sorted(keys - UNIT_ONLY - aliases))
    # Every setting is documented in the project's own example too.
    assert aliases <= env_keys(ROOT / ".env.example"), sorted(
        aliases - env_keys(ROOT / ".env.example")
    )


def baocao_commands() -> list[list[str]]:
    """Each `baocao …` command line of the units and the cron file, as arguments."""
    found = []
    for path in [*DEPLOY.glob("systemd/*"), *DEPLOY.glob("cron/*")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                continue
            for marker in (".venv/bin/baocao ", "baocao-instance main "):
                if marker in line:
                    words = shlex.split(line.split(marker, 1)[1].split("|")[0])
                    found.append([word for word in words if not word.startswith(("$", "2>"))])
    return found


def test_the_units_and_cron_run_real_commands_and_options() -> None:
    commands = baocao_commands()
    assert ["run"] in commands
    assert sum(command[:1] == ["backup"] for command in commands) >= 2
    for command in commands:
        words = [word for word in command if not word.isdigit()]
        options = [word for word in words if word.startswith("--")]
        path = [word for word in words if not word.startswith("--")]
        helped = runner.invoke(app, [*path, "--help"])
        assert helped.exit_code == 0, (command, helped.output)
        for option in options:
            assert option in helped.output, (command, option)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    for unit in DEPLOY.glob("systemd/*"):
        text = unit.read_text(encoding="utf-8").replace("/srv/baocao", str(ROOT))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    names = ["baocao@main.service", "baocao-backup@main.service", "baocao-backup@main.timer"]
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{name}" for name in names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done


def instance(etc: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """deploy/bin/baocao-instance as the cron file runs it, with its settings in `etc`."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "BAOCAO_ETC": str(etc),
        "BAOCAO_HOME": str(ROOT),
    }
    return subprocess.run(
        [str(INSTANCE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_nightly_script_rotates_and_its_backup_restores(
    migrated_sqlite: Path, tmp_path: Path
) -> None:
    source = tmp_path / "main" / "baocao.db"
    source.parent.mkdir()
    shutil.copyfile(migrated_sqlite, source)
    database = Database(f"sqlite:///{source}")
    with database.session() as session:
        store.create_unit(session, name="Trường THCS Lê Lợi", place="Huế")
    database.dispose()
    backups = tmp_path / "backups"
    backups.mkdir()
    old = backups / f"baocao-{now() - timedelta(days=20):%Y-%m-%d-%H%M}.db"
    recent = backups / f"baocao-{now() - timedelta(days=3):%Y-%m-%d-%H%M}.db"
    keep = backups / "before-upgrade.db"
    for path in (old, recent, keep):
        path.write_text("an older backup")
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "baocao.env").write_text(
        f"BAOCAO_BACKUP_DIR={backups}\nLOG_FORMAT=json\nTELEGRAM_BOT_TOKEN=\n", encoding="utf-8"
    )
    (etc / "main.env").write_text(f"DATABASE_URL=sqlite:///{source}\n", encoding="utf-8")
    (etc / "fresh.env").write_text(
        f"DATABASE_URL=sqlite:///{tmp_path / 'fresh' / 'baocao.db'}\n", encoding="utf-8"
    )

    made = instance(etc, "main", "backup", "--keep-days", "14", "--json")
    assert made.returncode == 0, made.stderr
    payload = json.loads(made.stdout)
    assert payload["removed"] == [str(old)]
    assert not old.exists() and recent.exists() and keep.exists()
    assert Path(payload["file"]).parent == backups

    restored = instance(etc, "fresh", "restore", payload["file"], "--json")
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["revision"] in head_revisions()
    with sqlite3.connect(tmp_path / "fresh" / "baocao.db") as connection:
        names = connection.execute("SELECT name FROM unit").fetchall()
    assert names == [("Trường THCS Lê Lợi",)]
    # Restoring again over what is now data is refused without --force.
    again = instance(etc, "fresh", "restore", payload["file"])
    assert again.returncode == 2 and "--force" in again.stderr


@pytest.mark.skipif(shutil.which("psql") is None, reason="psql is not installed")
def test_the_postgresql_setup_makes_a_database_the_bot_owns(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            "psql",
            "--no-psqlrc",
            "--host=127.0.0.1",
            f"--port={postgres_server.port}",
            "--username=baocao",
            "--dbname=postgres",
            "-v",
            "role=baocao_owner",
            "-v",
            "dbname=baocao_setup",
            "-v",
            "password=Setup-Pass-42",
            "--file",
            str(DEPLOY / "postgresql-setup.sql"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    try:
        url = (
            f"postgresql+psycopg://baocao_owner:Setup-Pass-42@127.0.0.1:{postgres_server.port}"
            "/baocao_setup"
        )
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("BAOCAO_DATA_DIR", str(tmp_path))
        get_settings.cache_clear()
        upgraded = runner.invoke(app, ["db", "upgrade", "--json"])
        assert upgraded.exit_code == 0, upgraded.output
        assert json.loads(upgraded.stdout)["revision"] in head_revisions()
        database = Database(url)
        with database.engine.connect() as connection:
            owner = connection.exec_driver_sql(
                "SELECT tableowner FROM pg_tables WHERE tablename = 'answer'"
            ).scalar()
            superuser = connection.exec_driver_sql(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            ).scalar()
        database.dispose()
        assert owner == "baocao_owner" and superuser is False
        # The account may replace its own schema: a restore over it works.
        made = runner.invoke(app, ["backup", "--json"])
        assert made.exit_code == 0, made.output
        restored = runner.invoke(app, ["restore", json.loads(made.stdout)["file"], "--force"])
        assert restored.exit_code == 0, restored.output
    finally:
        get_settings.cache_clear()
        postgres_server.drop_database("baocao_setup")
        postgres_server.execute("DROP ROLE IF EXISTS baocao_owner")

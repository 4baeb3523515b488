"""Shared fixtures: a database per test, the fixture report kinds, and a chat transcript.

Every test that takes a database runs on SQLite. A test module (or class, or test) marked
`dialect` runs on PostgreSQL as well: the marker is for code whose SQL or behaviour differs
between the two, not for rules that merely read and write rows through the ORM. The marked
modules, and why:

- test_processed_events: `claim_event` is `INSERT … ON CONFLICT DO UPDATE … RETURNING` per
  dialect, and pruning deletes with `FOR UPDATE SKIP LOCKED` on PostgreSQL;
- test_reminders, test_reminders_desk: the sweep claims reminders with `UPDATE … RETURNING`
  and on PostgreSQL `FOR UPDATE SKIP LOCKED`; planning and blocked chats insert with each
  dialect's `ON CONFLICT DO NOTHING`;
- test_races_processes, test_reminders_processes: real processes racing on one database,
  where SQLite's single writer and PostgreSQL's row locks are different mechanisms;
- test_workflow: an invite is redeemed by a conditional `UPDATE` whose row count decides
  (PostgreSQL's driver and SQLite's report row counts differently);
- test_backup: SQLite's online backup API against pg_dump/pg_restore;
- test_consolidation: issue 15 asks the consolidation test on SQLite and PostgreSQL;
- test_export: it reads stored moments back (timestamptz on PostgreSQL, text on SQLite)
  and orders the audit trail by them;
- test_group_commit: a batch is begun explicitly on SQLite (BEGIN IMMEDIATE) and relies on
  PostgreSQL's savepoints, advisory locks and deadlock detection; the commit failures
  differ (a write lock held elsewhere, a server connection dropped at COMMIT);
- test_webhook_instances: two `baocao run` processes sharing one database, SQLite's file
  lock against PostgreSQL's advisory and row locks;
- test_load_faults: real `baocao run` instances on a shared PostgreSQL: one SIGKILLed, the
  server restarted, the database made read-only (it starts servers of its own or databases
  on the run's; its SQLite faults, the disk full and the Bot API failing, are unmarked);
- test_migrations: the schema the migrations build, on each dialect (its other tests
  build SQLite files of their own; PostgreSQL's template is built by the migrations too).

Not marked, though they use the database: authorization, the conversation, the channels,
the desk, importing (issue 15 asks both dialects for the consolidation test only, and an
import writes answers through the same ORM calls as a typed answer; its all-or-nothing
refusal is one transaction rolled back, the same on both), the CLI and the report drafts.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.core.settings import get_settings
from bot.store.database import Database
from tests.support.postgres import PostgresServer, PostgresUnavailableError, start_server
from tests.support.transcript import Chat

FIXTURE_TEMPLATES = Path(__file__).parent / "fixtures" / "templates"
# CI sets this: without a PostgreSQL server the PostgreSQL variants fail instead of skipping.
REQUIRE_POSTGRES = "BAOCAO_REQUIRE_POSTGRES"
POSTGRES_TEMPLATE = "baocao_template"
DIALECT_MARKER = "dialect"
_DATABASE_NUMBERS = itertools.count(1)

# CI explores the same examples on every run, so a gate never fails by chance; `make test`
# keeps drawing new ones, and what it finds is pinned with @example.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file brought to the newest schema by the migrations, once per run."""
    path = tmp_path_factory.mktemp("schema") / "migrated.db"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the run's own on a loopback port (skips when there is none)."""
    try:
        server = start_server()
    except PostgresUnavailableError as err:
        if os.environ.get(REQUIRE_POSTGRES) == "1":
            pytest.fail(f"{err} ({REQUIRE_POSTGRES}=1 requires the PostgreSQL tests to run)")
        pytest.skip(str(err))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    """A database brought to the newest schema, copied by each test (CREATE … TEMPLATE)."""
    database = Database(postgres_server.create_database(POSTGRES_TEMPLATE))
    database.migrate()
    database.dispose()
    return POSTGRES_TEMPLATE


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Runs a test that takes a database on SQLite, and on PostgreSQL too when marked `dialect`."""
    if "database_url" not in metafunc.fixturenames:
        return
    dialects = ["sqlite"]
    if metafunc.definition.get_closest_marker(DIALECT_MARKER) is not None:
        dialects.append("postgresql")
    metafunc.parametrize("database_url", dialects, indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own at the newest schema (SQLite, or PostgreSQL if marked).

    SQLite: a copy of a file migrated once per run. PostgreSQL: a copy of a template
    database migrated once per run, dropped after the test.
    """
    if request.param == "sqlite":
        path = tmp_path / "baocao.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"test_{next(_DATABASE_NUMBERS)}"
    yield server.create_database(name, template=template)
    server.drop_database(name)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A fresh database at the newest schema."""
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def other_instance(database: Database) -> Iterator[Database]:
    """Another instance on the same database (its own engine and pool)."""
    instance = Database(database.url)
    yield instance
    instance.dispose()


@pytest.fixture
def options() -> EngineOptions:
    """Demo mode over the small fixture report kind."""
    return EngineOptions(demo=True, templates_root=FIXTURE_TEMPLATES, demo_template="mini-report")


@pytest.fixture
def engine(database: Database, options: EngineOptions) -> ConversationEngine:
    """The conversation engine on the test database."""
    return ConversationEngine(database, options)


@pytest.fixture
def chat(engine: ConversationEngine) -> Chat:
    """A person talking to the engine, as in a transcript."""
    return Chat(engine)


@pytest.fixture
def cli_database(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The `baocao` commands work on the test's database (`tests/support/cli.py` runs them)."""
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@baocao_pn_bot")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    get_settings.cache_clear()
    yield database
    get_settings.cache_clear()

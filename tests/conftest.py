"""Shared fixtures: a database per test, the fixture report kinds, and a chat transcript."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.database import Database
from bot.engine.engine import ConversationEngine, EngineOptions
from tests.transcript import Chat

FIXTURE_TEMPLATES = Path(__file__).parent / "fixtures" / "templates"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file brought to the newest schema by the migrations, once per run."""
    path = tmp_path_factory.mktemp("schema") / "migrated.db"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.dispose()
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """An SQLite file of the test's own, a copy of the migrated one."""
    path = tmp_path / "baocao.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A fresh database at the newest schema."""
    db = Database(database_url)
    yield db
    db.dispose()


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

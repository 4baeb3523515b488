"""/healthz and /readyz, served by real uvicorn on loopback over a real database."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.ops.checks import head_revisions
from bot.store.database import Database
from handlers.web.health import health_routes
from tests.support.web import free_port, serving

pytestmark = pytest.mark.dialect


def test_a_migrated_database_is_live_and_ready(database: Database) -> None:
    with serving(health_routes(database)) as base:
        live = httpx.get(f"{base}/healthz")
        ready = httpx.get(f"{base}/readyz")
        head = httpx.head(f"{base}/readyz")
    assert live.status_code == 200 and live.json() == {"ok": True}
    assert ready.status_code == 200, ready.text
    assert ready.json()["ok"] is True
    assert ready.json()["revision"] in head_revisions()
    assert head.status_code == 200


def test_an_unmigrated_database_is_live_but_not_ready(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with serving(health_routes(database)) as base:
            live = httpx.get(f"{base}/healthz")
            ready = httpx.get(f"{base}/readyz")
            database.migrate()
            after = httpx.get(f"{base}/readyz")
    finally:
        database.dispose()
    assert live.status_code == 200
    assert ready.status_code == 503
    body = ready.json()
    assert body["ok"] is False and body["reason"] == "migrations_pending"
    assert body["revision"] is None and body["head"] == ", ".join(head_revisions())
    assert "nâng cấp" in body["message"]
    assert after.status_code == 200


def test_a_database_one_migration_behind_is_not_ready(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        database.migrate("head-1")
        with serving(health_routes(database)) as base:
            ready = httpx.get(f"{base}/readyz")
    finally:
        database.dispose()
    assert ready.status_code == 503
    assert ready.json()["reason"] == "migrations_pending"
    assert ready.json()["revision"] not in head_revisions()


def test_an_unreachable_database_is_live_but_not_ready() -> None:
    # Nothing listens on this port: the connection is refused at once.
    database = Database(f"postgresql+psycopg://baocao:secret@127.0.0.1:{free_port()}/baocao")
    try:
        with serving(health_routes(database)) as base:
            live = httpx.get(f"{base}/healthz")
            ready = httpx.get(f"{base}/readyz", timeout=15)
    finally:
        database.dispose()
    assert live.status_code == 200
    assert ready.status_code == 503
    body = ready.json()
    assert body["reason"] == "database_unreachable"
    assert "Không kết nối được" in body["message"]
    assert "secret" not in ready.text

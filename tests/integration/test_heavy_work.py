"""Heavy work (the draft, an upload's audit) runs after its event commits, in a worker."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.conversation import heavy
from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Command, Sender
from bot.core.clock import now
from bot.core.replies import DocumentReply, HeavyJob, Reply
from bot.reminders.sweep import claim_due
from bot.store.database import Database
from tests.e2e.test_heavy_upload_e2e import heavy_docx

DIRECTOR = Sender("telegram", "77", "Lan")


def sweep_write(database: Database) -> bool:
    """The reminder sweep's claiming write, without waiting for a lock; False when locked."""
    try:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            claim_due(connection, worker="test", now=now(), limit=10, lease=timedelta(minutes=5))
    except OperationalError as err:
        assert "locked" in str(err)
        return False
    return True


def test_the_reminder_sweep_writes_while_a_draft_is_rendered(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'baocao.db'}")
    database.migrate()
    engine = ConversationEngine(database, EngineOptions(demo=True))
    engine.handle(DIRECTOR, Command("start"))
    replies: list[object] = []
    drafting = threading.Thread(
        target=lambda: replies.extend(engine.handle(DIRECTOR, Command("duthao"), event_id="2"))
    )
    written = locked = 0
    drafting.start()
    while drafting.is_alive():
        if sweep_write(database):
            written += 1
        else:
            locked += 1
        time.sleep(0.005)
    drafting.join()
    print(f"sweep writes during the draft: {written} done, {locked} locked")
    assert isinstance(replies[0], DocumentReply)
    # The draft's transaction is short; its rendering holds no lock.
    assert written > 4 * locked, (written, locked)
    database.dispose()


def test_a_heavy_job_past_its_time_limit_is_stopped() -> None:
    job = heavy.job(heavy.audit_replies, heavy_docx(20_000), "dai.docx")
    started = time.monotonic()
    with pytest.raises(heavy.HeavyJobError) as raised:
        heavy.run_limited(job, limit=0.5)
    assert raised.value.reason == "timeout"
    # Not waited for: the bound only catches a hang (a loaded machine starts workers slowly).
    assert time.monotonic() - started < 30
    assert not heavy._running  # the worker was killed and reaped


def test_a_heavy_job_answers_from_its_worker() -> None:
    job = heavy.job(heavy.audit_replies, b"PK\x03\x04 not a zip", "hong.docx")
    (reply,) = heavy.run_limited(job, limit=30)
    assert isinstance(reply, Reply)
    assert "hong.docx" in reply.text


def test_the_engine_defers_the_draft_until_after_its_commit(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'baocao.db'}")
    database.migrate()
    engine = ConversationEngine(database, EngineOptions(demo=True))
    engine.handle(DIRECTOR, Command("start"))
    job = engine.handle(DIRECTOR, Command("duthao"), event_id="9", defer=True)[0]
    assert isinstance(job, HeavyJob)
    assert sweep_write(database)  # committed: nothing holds the write lock
    (draft,) = heavy.run_limited(job, limit=60)
    assert isinstance(draft, DocumentReply)
    assert draft.data.startswith(b"PK")
    database.dispose()

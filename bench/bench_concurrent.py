"""Users answering at the same time through the whole Telegram path: what group commit buys.

Each user plays the first `steps` steps of the report (typed), one update after another as
a phone does, and all users at once; an update is handed to `application.process_update`
as in the main bench, against the offline Bot API, on an SQLite file with full sync. The
database commits are counted on the real engine (a SQLAlchemy event listener), so the
figures say how many transactions (and fsyncs) an update costs under load.

Usage: .venv/bin/python bench/bench_concurrent.py [--users 40] [--steps 40] [--postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from telegram import Update
from telegram.ext import AIORateLimiter

from bot.conversation.engine import DEMO_TEMPLATE, ConversationEngine, EngineOptions
from bot.core.settings import Settings
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR
from bot.store.database import Database
from handlers.telegram.app import build_application, settle_memory
from tests.e2e.script import conversation
from tests.support.bot_api import OfflineBotApi
from tests.support.postgres import start_server
from tests.support.telegram_updates import message_update

TOKEN = "123456:BENCH"
NOT_ANSWERS = ("", "review")


class NotSavedCounter(logging.Handler):
    """Counts the updates the channel answered "not saved"."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "update %s not saved: %s":
            self.count += 1


async def bench_concurrent(
    users: int,
    steps: int,
    folder: Path,
    *,
    kind: str = DEMO_TEMPLATE,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Answers per second and commits per update with `users` users answering at once."""
    script = conversation("Hương Nguyễn", kind=kind, templates=DEFAULT_TEMPLATES_DIR)[:steps]
    database = Database(database_url or f"sqlite:///{folder / 'concurrent.db'}")
    database.create_schema()
    options = EngineOptions(demo=True, demo_template=kind)
    engine = ConversationEngine(database, options)
    api = OfflineBotApi(record=False)
    application = build_application(
        Settings(telegram_bot_token=TOKEN, _env_file=None),
        engine,
        request=api,
        get_updates_request=OfflineBotApi(record=False),
        rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3),
    )
    settle_memory()
    commits = [0]

    def counted(_connection: Any) -> None:
        commits[0] += 1

    event.listen(database.engine, "commit", counted)
    not_saved = NotSavedCounter()
    logging.getLogger("handlers.telegram.adapter").addHandler(not_saved)
    next_id = iter(range(1, 10**9))
    latencies: list[float] = []

    async def play(user_id: int) -> None:
        for step in script:
            raw = message_update(next(next_id), user_id, text=step.typed)
            began = time.perf_counter()
            await application.process_update(Update.de_json(raw, application.bot))
            latencies.append(time.perf_counter() - began)

    async with application:
        await play(1)  # warm-up: imports, caches, first queries
        commits[0], latencies[:] = 0, []
        began, cpu_began = time.perf_counter(), time.process_time()
        await asyncio.gather(*(play(10_000 + n) for n in range(users)))
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    database.dispose()
    updates = users * len(script)
    answers = users * sum(step.asks not in NOT_ANSWERS for step in script)
    latencies.sort()
    return {
        "database": database.engine.dialect.name,
        "users": users,
        "steps_per_user": len(script),
        "updates": updates,
        "seconds": round(seconds, 3),
        "updates_per_second": round(updates / seconds, 1),
        "answers_per_second": round(answers / seconds, 1),
        "commits": commits[0],
        "commits_per_update": round(commits[0] / updates, 3),
        # Updates answered "not saved" (the database locked, full or gone): should be 0.
        "not_saved": not_saved.count,
        "cpu_ms_per_update": round(1000 * cpu / updates, 3),
        "latency_ms_p50": round(1000 * latencies[len(latencies) // 2], 1),
        "latency_ms_p95": round(1000 * latencies[int(len(latencies) * 0.95)], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument(
        "--postgresql",
        action="store_true",
        help="on a throw-away PostgreSQL server (tests/support/postgres.py), made durable",
    )
    args = parser.parse_args()
    server = start_server() if args.postgresql else None
    try:
        url = None
        if server is not None:
            # The test server starts with durability off; a commit here must reach the disk
            # as in production, or group commit has nothing to save.
            server.execute(
                "ALTER SYSTEM SET fsync = on",
                "ALTER SYSTEM SET synchronous_commit = on",
                "ALTER SYSTEM SET full_page_writes = on",
                "SELECT pg_reload_conf()",
            )
            url = server.create_database("bench")
        with tempfile.TemporaryDirectory() as folder:
            result = asyncio.run(
                bench_concurrent(args.users, args.steps, Path(folder), database_url=url)
            )
    finally:
        if server is not None:
            server.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

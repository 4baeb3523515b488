"""`make load`: simulated staff answering at once through real webhook instances; one JSON.

    make load LOAD_ARGS="--users 1000 --seconds 60 --instances 2 --database postgresql"

Starts a fake Telegram Bot API that records every reply, K `baocao run` processes in webhook
mode behind a small round-robin proxy, a throw-away PostgreSQL server (tests/support/
postgres.py) or a shared SQLite file, seeds a unit per simulated person, then lets them all
answer the bundled report for the given seconds (see tests/support/load_run.py). Everything
listens on 127.0.0.1 and every size is bounded. Prints one JSON object: answers_per_second,
latency_ms (p50, p95, p99, from the update POST to the reply reaching the fake Bot API),
lost, duplicated, instances, database, peak_rss_mb per instance, and details.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.store.database import Database  # noqa: E402
from tests.support.load_run import LoadConfig, LoadRun  # noqa: E402
from tests.support.postgres import running_server  # noqa: E402

MAX_USERS = 5000
MAX_SECONDS = 600
MAX_INSTANCES = 8


def bounded(low: float, high: float, kind: type = int) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    return parse


async def measure(config: LoadConfig, url: str, kind: str, folder: Path) -> dict[str, Any]:
    database = Database(url)
    database.migrate()
    run = LoadRun(config, database, kind, folder)
    try:
        await run.start(url)
        return await run.play()
    finally:
        run.stop()
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=bounded(1, MAX_USERS), default=100)
    parser.add_argument("--seconds", type=bounded(1, MAX_SECONDS, float), default=30.0)
    parser.add_argument("--instances", type=bounded(1, MAX_INSTANCES), default=1)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--think-seconds",
        type=bounded(0, 60, float),
        default=5.0,
        help="mean pause of a person between a reply and their next message",
    )
    parser.add_argument(
        "--telegram-rate",
        type=bounded(0, 1000, float),
        default=30.0,
        help="TELEGRAM_RATE_LIMIT of each instance (30 as shipped; 0: the bot's own cost)",
    )
    args = parser.parse_args()
    config = LoadConfig(
        users=args.users,
        seconds=args.seconds,
        instances=args.instances,
        think_seconds=args.think_seconds,
        extra_env={"TELEGRAM_RATE_LIMIT": str(args.telegram_rate)},
    )
    with tempfile.TemporaryDirectory(prefix="baocao-load-") as name:
        folder = Path(name)
        if args.database == "sqlite":
            url = f"sqlite:///{folder / 'load.db'}"
            figures = asyncio.run(measure(config, url, args.database, folder))
        else:
            # Durable, as in production: each commit waits for its WAL flush.
            with running_server(durable=True) as server:
                url = server.create_database("load")
                figures = asyncio.run(measure(config, url, args.database, folder))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()

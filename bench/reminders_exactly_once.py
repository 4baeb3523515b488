"""Exactly-once reminders across processes: real processes sweep one PostgreSQL database.

    .venv/bin/python bench/reminders_exactly_once.py [--count 2000] [--database-url URL]

Plans `count` due reminders (one per member), then runs three scenarios and prints one JSON
object with the counts of each:

- `two_processes`: two sweeping processes at once;
- `killed_mid_sweep`: one of two processes SIGKILLs itself in the middle of a claimed batch
  (after 700 sends, before the next), and is restarted;
- `killed_from_outside`: the parent SIGKILLs a process at a random moment and restarts it.

Each process sends through a counting fake sender that appends the chat id to a shared file
(one write per message), so the file says how often each reminder really went out. Without
`--database-url` a throw-away PostgreSQL server is started (initdb + pg_ctl).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from bot.core.clock import now, today  # noqa: E402
from bot.reminders.messages import ReminderText  # noqa: E402
from bot.reminders.sweep import Sweeper, SweepOptions  # noqa: E402
from bot.store import queries as store  # noqa: E402
from bot.store.database import Database  # noqa: E402
from models import Assignment, ChatIdentity, Member, Reminder, ReminderPolicy  # noqa: E402

TEMPLATES = ROOT / "tests" / "fixtures" / "templates"
LEASE_SECONDS = 3.0


class CountingSender:
    """Appends "pid chat-id" to a file: one `write` per message, so lines never mix."""

    channel = "telegram"

    def __init__(self, path: Path, die_after: int | None) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.sent = 0
        self.die_after = die_after

    async def send(self, chat_id: str, message: ReminderText) -> None:
        if self.die_after is not None and self.sent >= self.die_after:
            os.kill(os.getpid(), signal.SIGKILL)
        os.write(self.fd, f"{os.getpid()} {chat_id}\n".encode())
        self.sent += 1


def seed(url: str, count: int) -> None:
    """A unit whose `count` members each owe a section, each with a nudge due now."""
    database = Database(url)
    database.migrate()
    with database.session() as session:
        unit = store.create_unit(session, name="Trung tâm thử tải", place="Quận 1")
        period = store.open_period(
            session,
            unit=unit,
            template_id="mini-report",
            template_version=1,
            year="2025-2026",
            deadline=today() + timedelta(days=10),
        )
        # No planned kinds and no quiet hours: only the nudges, whatever the hour.
        session.add(
            ReminderPolicy(
                period_id=period.id,  # type: ignore[arg-type]
                enabled=False,
                quiet_start_minute=0,
                quiet_end_minute=0,
            )
        )
        members = [
            Member(unit_id=unit.id, display_name=f"GV {i}", role="staff")  # type: ignore[arg-type]
            for i in range(count)
        ]
        session.add_all(members)
        session.flush()
        due = now() - timedelta(minutes=1)
        for member in members:
            session.add(
                ChatIdentity(member_id=member.id, channel="telegram", external_id=str(member.id))
            )  # type: ignore[arg-type]
            session.add(Assignment(period_id=period.id, section_id="general", member_id=member.id))  # type: ignore[arg-type]
            session.add(
                Reminder(period_id=period.id, member_id=member.id, kind="nudge", due_at=due)
            )  # type: ignore[arg-type]
    database.dispose()


async def work(url: str, log: Path, die_after: int | None) -> None:
    """Sweeps until no reminder is planned or claimed any more."""
    database = Database(url)
    sweeper = Sweeper(
        database,
        {"telegram": CountingSender(log, die_after)},
        SweepOptions(
            rate=None,
            chat_interval=0,
            lease=timedelta(seconds=LEASE_SECONDS),
            templates_root=TEMPLATES,
            batch=50,
        ),
    )
    while True:
        await sweeper.sweep()
        with database.session() as session:
            open_rows = session.exec(
                select(Reminder.id).where(Reminder.status.in_(["planned", "claimed"]))  # type: ignore[attr-defined]
            ).first()
        if open_rows is None:
            break
        await asyncio.sleep(0.2)
    database.dispose()


def start(url: str, log: Path, die_after: int | None = None) -> subprocess.Popen[bytes]:
    args = [sys.executable, __file__, "--worker", "--database-url", url, "--log", str(log)]
    if die_after is not None:
        args += ["--die-after", str(die_after)]
    return subprocess.Popen(args)


def tally(url: str, log: Path, count: int, started: float, **extra: object) -> dict[str, object]:
    lines = [line.split() for line in log.read_text().splitlines()] if log.exists() else []
    per_chat = Counter(chat for _pid, chat in lines)
    # How the work was shared: a process that sent nothing would prove nothing about claiming.
    per_process = sorted(Counter(pid for pid, _chat in lines).values(), reverse=True)
    database = Database(url)
    with database.session() as session:
        statuses = Counter(session.exec(select(Reminder.status)).all())
    database.dispose()
    return {
        "reminders": count,
        "messages": len(lines),
        "distinct_sent": len(per_chat),
        "sent_twice": sum(1 for n in per_chat.values() if n > 1),
        "never_sent": count - len(per_chat),
        "rows": dict(statuses),
        "sent_per_process": per_process,
        "seconds": round(time.monotonic() - started, 2),
        **extra,
    }


def scenario(server_url: str, name: str, count: int, workdir: Path) -> dict[str, object]:
    """Runs one scenario on a fresh database and returns its counts."""
    url = server_url(name) if callable(server_url) else server_url
    seed(url, count)
    log = workdir / f"{name}.log"
    log.unlink(missing_ok=True)
    started = time.monotonic()
    extra: dict[str, object] = {}
    if name == "two_processes":
        procs = [start(url, log), start(url, log)]
        codes = [p.wait(timeout=600) for p in procs]
        extra["exit_codes"] = codes
    elif name == "killed_mid_sweep":
        dying, other = start(url, log, die_after=count // 3), start(url, log)
        extra["killed_exit_code"] = dying.wait(timeout=600)
        restarted = start(url, log)
        extra["exit_codes"] = [other.wait(timeout=600), restarted.wait(timeout=600)]
    else:
        victim, other = start(url, log), start(url, log)
        while len(log.read_text().splitlines()) < count // 5 if log.exists() else True:
            time.sleep(0.01)
        time.sleep(random.uniform(0.0, 0.2))
        victim.send_signal(signal.SIGKILL)
        extra["killed_exit_code"] = victim.wait(timeout=60)
        extra["sent_before_kill"] = len(log.read_text().splitlines())
        restarted = start(url, log)
        extra["exit_codes"] = [other.wait(timeout=600), restarted.wait(timeout=600)]
    return tally(url, log, count, started, **extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (database 'postgres')")
    parser.add_argument(
        "--scenarios", default="two_processes,killed_mid_sweep,killed_from_outside"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--die-after", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(work(args.database_url, args.log, args.die_after))
        return
    print(json.dumps(run(args.count, args.scenarios.split(","), args.database_url), indent=2))


def run(count: int, names: list[str], database_url: str | None = None) -> dict[str, object]:
    """Every scenario on its own database of one server; the counts by scenario."""
    import tempfile

    from tests.support.postgres import start_server

    server = None
    if database_url is None:
        server = start_server()
    results: dict[str, object] = {}
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for name in names:
                if server is not None:
                    server.create_database(name)
                    url = server.url(name)
                else:
                    url = database_url
                results[name] = scenario(url, name, count, Path(workdir))  # type: ignore[arg-type]
    finally:
        if server is not None:
            server.stop()
    return results


if __name__ == "__main__":
    main()

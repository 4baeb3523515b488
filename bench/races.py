"""Two processes write the same rows at the same instant: is anything lost or done twice?

    .venv/bin/python bench/races.py [--trials 30] [--database-url URL] [--sqlite]

Seeds `trials` units, then starts two real processes that, trial after trial, meet at a
barrier and send one event each through the conversation engine at once:

- `table_row`: two leads of a unit each type one row of the same table question (THCS and
  THPT of the fixture report's `academic`); a row missing afterwards is a lost row;
- `table_row_without_ids`: the same with events that carry no id (the terminal and demo
  channels), so nothing is written before the answers are read;
- `invite`: two newcomers open the same single-use invite; more than one member joined is a
  double redemption.

Prints one JSON object with the counts per scenario. Without `--database-url` a throw-away
PostgreSQL server is started (initdb + pg_ctl); `--sqlite` runs on an SQLite file instead.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import col, select  # noqa: E402

from bot.conversation.engine import ConversationEngine, EngineOptions  # noqa: E402
from bot.conversation.events import Sender, parse_typed  # noqa: E402
from bot.store import queries as store  # noqa: E402
from bot.store.database import Database  # noqa: E402
from bot.workflow.access import Role  # noqa: E402
from bot.workflow.invites import create_invite  # noqa: E402
from models import Answer, Invite, Member, require_id  # noqa: E402

TEMPLATES = ROOT / "tests" / "fixtures" / "templates"
CHANNEL = "race"
# What each process types: the row it is on, with figures that add up.
ROWS = {"a": ("thcs", "538 44 193 301"), "b": ("thpt", "612 50 260 302")}
SCENARIOS = ("table_row", "table_row_without_ids", "invite")
TABLE_ROW = ("table_row", "table_row_without_ids")


def _engine(database: Database) -> ConversationEngine:
    return ConversationEngine(database, EngineOptions(templates_root=TEMPLATES))


def _say(engine: ConversationEngine, user: str, line: str) -> str:
    replies = engine.handle(Sender(CHANNEL, user, user), parse_typed(line))
    return "\n".join(getattr(r, "text", "") for r in replies)


def seed(url: str, scenario: str, trials: int) -> list[str]:
    """A unit per trial, ready for both processes; returns what each trial needs (codes)."""
    database = Database(url)
    database.migrate()
    codes: list[str] = []
    with database.session() as session:
        for trial in range(trials):
            unit = store.create_unit(session, name=f"Trung tâm {trial}", place="Quận 1")
            store.add_member(
                session,
                unit=unit,
                display_name=f"GĐ {trial}",
                role="director",
                channel=CHANNEL,
                external_id=f"a{trial}",
            )
            if scenario in TABLE_ROW:
                store.open_period(
                    session,
                    unit=unit,
                    template_id="mini-report",
                    template_version=1,
                    year="2025-2026",
                )
                store.add_member(
                    session,
                    unit=unit,
                    display_name=f"PGĐ {trial}",
                    role="deputy",
                    channel=CHANNEL,
                    external_id=f"b{trial}",
                )
            else:
                invite = create_invite(
                    session, unit_id=require_id(unit), role=Role.DEPUTY, created_by=None
                )
                codes.append(invite.code)
    if scenario in TABLE_ROW:
        engine = _engine(database)
        for trial in range(trials):
            # The director stops on the table's first row (THCS); the deputy leaves THCS
            # blank and stops on the second (THPT).
            steps = {f"a{trial}": ["/start", "2"], f"b{trial}": ["/start", "2", "-"]}
            for user, lines in steps.items():
                for line in lines:
                    _say(engine, user, line)
    database.dispose()
    return codes


def worker(
    url: str, scenario: str, side: str, codes: list[str], trials: int, barrier: Any
) -> None:
    """One process: at each trial, waits for the other, then sends its event."""
    database = Database(url)
    engine = _engine(database)
    with database.session() as session:  # the connection is open before the first trial
        store.unit_by_id(session, unit_id=1)
    for trial in range(trials):
        if scenario in TABLE_ROW:
            user, line = f"{side}{trial}", ROWS[side][1]
        else:
            user, line = f"new-{side}{trial}", f"/start {codes[trial]}"
        event_id = None if scenario == "table_row_without_ids" else f"{side}{trial}"
        barrier.wait(timeout=120)
        engine.handle(Sender(CHANNEL, user, user), parse_typed(line), event_id=event_id)
    database.dispose()


def tally(url: str, scenario: str, trials: int) -> dict[str, Any]:
    """How many trials lost a row, or redeemed their invite twice."""
    database = Database(url)
    with database.session() as session:
        if scenario in TABLE_ROW:
            tables = session.exec(
                select(Answer.value).where(Answer.question_id == "academic")
            ).all()
            complete = sum(
                1
                for table in tables
                if all(isinstance((table or {}).get(row), dict) for row, _ in ROWS.values())
            )
            counts = {"trials": trials, "lost_row": trials - complete}
        else:
            joined = session.exec(
                select(Member.unit_id).where(col(Member.display_name).startswith("new-"))
            ).all()
            per_unit = [joined.count(unit_id) for unit_id in set(joined)]
            uses = session.exec(select(Invite.uses)).all()
            counts = {
                "trials": trials,
                "redeemed_twice": sum(1 for n in per_unit if n > 1),
                "joined": len(joined),
                "max_uses": max(uses, default=0),
            }
    database.dispose()
    return counts


def scenario(url: str, name: str, trials: int) -> dict[str, Any]:
    """Runs one scenario on a fresh database and returns its counts."""
    codes = seed(url, name, trials)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    processes = [
        context.Process(target=worker, args=(url, name, side, codes, trials, barrier))
        for side in ("a", "b")
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=600)
    counts = tally(url, name, trials)
    counts["exit_codes"] = [p.exitcode for p in processes]
    counts["seconds"] = round(time.monotonic() - started, 2)
    return counts


def run(trials: int, names: list[str], database_url: str | None, sqlite: bool) -> dict[str, Any]:
    """Every scenario on its own database; the counts by scenario."""
    from tests.support.postgres import start_server

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as workdir:
        server = None if database_url or sqlite else start_server()
        try:
            for name in names:
                if sqlite:
                    url = f"sqlite:///{Path(workdir) / name}.db"
                elif server is not None:
                    url = server.create_database(name)
                else:
                    assert database_url is not None
                    url = database_url
                results[name] = scenario(url, name, trials)
        finally:
            if server is not None:
                server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--database-url", help="an empty database to run one scenario on")
    parser.add_argument("--sqlite", action="store_true", help="run on an SQLite file")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args()
    names = args.scenarios.split(",")
    print(json.dumps(run(args.trials, names, args.database_url, args.sqlite), indent=2))


if __name__ == "__main__":
    main()

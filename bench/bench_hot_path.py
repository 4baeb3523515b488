"""CPU per event of the group-commit writer's own reads and writes, part by part; one JSON.

One member answering in a period of `--answers` answers, event after event as the writer
handles them alone: the batch's session and BEGIN IMMEDIATE, the update-id claim, the member
context, the period's answers, the conversation row, the kept replies and the durable commit
(SQLite, WAL, synchronous=FULL). No questionnaire work: what is left is the store's cost,
next to the same statements run on a bare sqlite3 connection (`raw_event_us`).

Usage: .venv/bin/python bench/bench_hot_path.py [--events N] [--answers N] [--rounds N]
"""

from __future__ import annotations

import argparse
import inspect
import json
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.conversation.group_commit import begin
from bot.store import hot_path, processed_events
from bot.store.database import Database
from tests.support.factories import open_unit

CHANNEL, USER = "telegram", "42"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--answers", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        database = Database(f"sqlite:///{path}")
        database.create_schema()
        period_id = _fill(database, args.answers)
        session_of = _session_of(database)
        counter = iter(range(10**9))
        parts: dict[str, float] = defaultdict(float)

        def event() -> None:
            event_id = str(next(counter))
            clock = _Clock(parts)
            with session_of() as session:
                begin(session)
                clock.lap("begin")
                processed_events.claim_event(session, channel=CHANNEL, event_id=event_id)
                clock.lap("claim")
                context = hot_path.member_context(session, channel=CHANNEL, external_id=USER)
                assert context is not None
                clock.lap("member_context")
                answers = hot_path.period_answers(session, period_id=period_id)
                clock.lap("period_answers")
                hot_path.write_answer(
                    session,
                    period_id=period_id,
                    question_id="q0",
                    value=int(event_id),
                    member_id=context.member.id,
                    skipped=False,
                    exists="q0" in answers.stored,
                    old=answers.values.get("q0"),
                )
                clock.lap("write_answer")
                hot_path.write_conversation(
                    session,
                    conversation_id=context.conversation_id,
                    member_id=context.member.id or 0,
                    period_id=period_id,
                    # As the turn makes it (`state.dumped`), outside the store's cost.
                    state=f'{{"mode":"question","section_id":"s1","step":{int(event_id)}}}',
                    identity_id=context.identity_id,
                )
                clock.lap("conversation")
                processed_events.keep_replies(
                    session, channel=CHANNEL, event_id=event_id, replies=[{"text": "Đã lưu"}]
                )
                clock.lap("keep_replies")
            clock.lap("commit")

        raw = _raw_event(path, period_id)
        best: dict[str, float] = {}
        raw_best = float("inf")
        for _ in range(args.rounds):
            parts.clear()
            for _ in range(args.events):
                event()
            total = sum(parts.values())
            if total < sum(best.values() or [float("inf")]):
                best = dict(parts)
            started = time.thread_time()
            for _ in range(args.events):
                raw()
            raw_best = min(raw_best, time.thread_time() - started)
        database.dispose()
    per_event = {key: round(value / args.events * 1e6, 1) for key, value in best.items()}
    print(
        json.dumps(
            {
                "events": args.events,
                "answers": args.answers,
                "us_per_event": per_event,
                "total_us": round(sum(per_event.values()), 1),
                "raw_event_us": round(raw_best / args.events * 1e6, 1),
            }
        )
    )


class _Clock:
    """Adds the thread's CPU time since the last lap to `parts[name]`."""

    def __init__(self, parts: dict[str, float]) -> None:
        self.parts = parts
        self.last = time.thread_time()

    def lap(self, name: str) -> None:
        now = time.thread_time()
        self.parts[name] += now - self.last
        self.last = now


def _session_of(database: Database) -> Callable[[], Any]:
    """The writer's session: kept from batch to batch where the store can."""
    if "kept" in inspect.signature(database.session).parameters:
        return lambda: database.session(kept=True)  # type: ignore[call-arg]
    return database.session


def _fill(database: Database, answers: int) -> int:
    with database.session() as session:
        period_id = open_unit(session, channel=CHANNEL, external_id=USER).period.id
        assert period_id is not None
        for number in range(answers):
            value: Any = (
                {"so_hv": number, "ty_le": 91.8, "ghi_chu": ["Đạt"]} if number % 3 else number
            )
            hot_path.write_answer(
                session,
                period_id=period_id,
                question_id=f"q{number}",
                value=value,
                member_id=None,
                skipped=False,
                exists=False,
                old=None,
            )
    return period_id


def _raw_event(path: Path, period_id: int) -> Callable[[], None]:
    """The same statements on a bare sqlite3 connection (WAL, synchronous=FULL)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=FULL")
    numbers = iter(range(10**9))
    moment = "2026-03-02 02:15:30.123456"

    def event() -> None:
        number = f"raw-{next(numbers)}"
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO processedevent (channel, event_id, processed_at) VALUES (?, ?, ?)",
            (CHANNEL, number, moment),
        )
        connection.execute(
            "SELECT * FROM chatidentity JOIN member ON member.id = chatidentity.member_id "
            "JOIN unit ON unit.id = member.unit_id LEFT JOIN conversation "
            "ON conversation.member_id = member.id WHERE channel = ? AND external_id = ?",
            (CHANNEL, USER),
        ).fetchall()
        connection.execute(
            "SELECT question_id, value, skipped FROM answer WHERE period_id = ?", (period_id,)
        ).fetchall()
        connection.execute(
            "UPDATE answer SET value = ?, updated_at = ? "
            "WHERE period_id = ? AND question_id = 'q0'",
            (json.dumps(7), moment, period_id),
        )
        connection.execute(
            "UPDATE conversation SET state = ?, updated_at = ? WHERE member_id IS NOT NULL",
            (json.dumps({"mode": "question", "step": 1}), moment),
        )
        connection.execute(
            "UPDATE processedevent SET replies = '[]' WHERE channel = ? AND event_id = ?",
            (CHANNEL, number),
        )
        connection.execute("COMMIT")

    return event


if __name__ == "__main__":
    main()

"""A province on one machine: generated data, the reminder sweep, /tiendo and a consolidation.

    make province PROVINCE_ARGS="--database sqlite --window 60"

Generates, with bulk inserts in Core SQL, 2 000 units (1 Sở, 30 Phòng GD&ĐT, the schools and
centres under them, one Phòng with 100), 50 000 members with their Telegram accounts (25 per
unit, the staff each given a section), and 2 000 open periods of the bundled report kind
collecting up the tree (the 100 children of the big Phòng have also sent in a final report
of the term before, with the sample answers). Then measures, and prints one JSON object:

- `reminders`: planning every open period (the first plan, which inserts the rows, and a
  later sweep tick's re-plan), then a sweep with the production options sending through a
  fake Bot API limited like Telegram (30 messages/s overall, 1/s per chat, 429 with
  retry_after beyond), for a bounded window (`--window` seconds, not the hours 100 000
  reminders take at 30/s): the sustained send rate, messages lost (rows marked sent that
  never reached the API) and sent twice (a chat that got two);
- `tiendo_ms`: /tiendo of the big Phòng's director through the conversation engine;
- `consolidated_draft_seconds`: that Phòng's draft summing its 100 children, as /duthao
  builds it (its consolidation and the .docx);
- `database_mb`: the size of the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text, update  # noqa: E402
from telegram import Bot  # noqa: E402

from bot.cli.demo import DemoPlayer  # noqa: E402
from bot.conversation.engine import ConversationEngine, EngineOptions  # noqa: E402
from bot.conversation.events import Command, Sender  # noqa: E402
from bot.conversation.options import DEMO_TEMPLATE  # noqa: E402
from bot.core.clock import VIETNAM  # noqa: E402
from bot.core.replies import TELEGRAM  # noqa: E402
from bot.questionnaire.loader import sample_answers_path, template_digest  # noqa: E402
from bot.reminders.planner import plan_all  # noqa: E402
from bot.reminders.sweep import Sweeper, SweepOptions  # noqa: E402
from bot.report.answers_file import load_answers_file  # noqa: E402
from bot.report.build import frame_for, render_draft  # noqa: E402
from bot.store import hot_path  # noqa: E402
from bot.store import queries as store  # noqa: E402
from bot.store.database import Database, table_of  # noqa: E402
from bot.workflow.hierarchy import draft_inputs  # noqa: E402
from bot.workflow.kinds import period_template  # noqa: E402
from handlers.telegram.reminder_sender import TelegramSender  # noqa: E402
from models import (  # noqa: E402
    Answer,
    Assignment,
    ChatIdentity,
    Member,
    Period,
    Reminder,
    TemplateVersion,
    Unit,
)
from tests.support.fake_telegram import FakeTelegram, Limits  # noqa: E402
from tests.support.postgres import running_server  # noqa: E402

TOKEN = "123456:PROVINCE"
DISTRICTS = 30
UNITS = 2000
MEMBERS_PER_UNIT = 25
BIG_DISTRICT_CHILDREN = 100
FIRST_CHAT = 1_000_000
YEAR = "2025-2026"
# The deadline the reminders count down to, and the moments of the two plans and the send.
DEADLINE = date(2026, 6, 30)
PLAN_AT = datetime.combine(DEADLINE - timedelta(days=2), clock_time(7, 0), tzinfo=VIETNAM)
SEND_AT = datetime.combine(DEADLINE - timedelta(days=1), clock_time(8, 0, 30), tzinfo=VIETNAM)
BATCH = 5000


def _rows(database: Database, model: type, rows: list[dict[str, Any]]) -> None:
    """Bulk inserts in chunks (executemany of one Core INSERT)."""
    table = table_of(model)
    with database.engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start : start + BATCH])


def generate(database: Database) -> dict[str, Any]:
    """The province's units, members, accounts, periods and assignments; what was made."""
    answers = load_answers_file(sample_answers_path(DEMO_TEMPLATE))
    kind = answers.template
    digest = template_digest(kind)
    sections = [s.id for s in kind.sections]
    now = datetime.now(VIETNAM)
    began = time.perf_counter()
    _rows(
        database,
        TemplateVersion,
        [{"digest": digest, "template_id": kind.id, "text": kind._text, "created_at": now}],
    )
    # Unit 1 the Sở, 2..31 the Phòng, then 100 children of Phòng 2, the rest spread evenly.
    parents: dict[int, int | None] = {1: None}
    parents.update(dict.fromkeys(range(2, 2 + DISTRICTS), 1))
    schools = range(2 + DISTRICTS, UNITS + 1)
    others = list(range(3, 2 + DISTRICTS))
    for n, unit_id in enumerate(schools):
        big = n < BIG_DISTRICT_CHILDREN
        parents[unit_id] = 2 if big else others[(n - BIG_DISTRICT_CHILDREN) % len(others)]
    units = [
        {
            "id": unit_id,
            "name": "Sở GD&ĐT" if unit_id == 1 else f"Đơn vị {unit_id}",
            "parent_body": "",
            "place": "Phú Nhuận",
            "address": "",
            "phone": "",
            "signer_title": "Giám đốc",
            "signer_name": f"Người ký {unit_id}",
            "number_prefix": "",
            "is_demo": False,
            "parent_id": parent,
            "created_at": now,
        }
        for unit_id, parent in parents.items()
    ]
    _rows(database, Unit, units)
    members, identities, assignments, periods = [], [], [], []
    for unit_id in parents:
        for k in range(MEMBERS_PER_UNIT):
            member_id = (unit_id - 1) * MEMBERS_PER_UNIT + k + 1
            members.append(
                {
                    "id": member_id,
                    "unit_id": unit_id,
                    "display_name": f"Thành viên {member_id}",
                    "role": "director" if k == 0 else "staff",
                    "active": True,
                    "created_at": now,
                }
            )
            identities.append(
                {
                    "member_id": member_id,
                    "channel": TELEGRAM,
                    "external_id": str(FIRST_CHAT + member_id),
                    "created_at": now,
                }
            )
            if k:
                assignments.append(
                    {
                        "period_id": unit_id,
                        "section_id": sections[(k - 1) % len(sections)],
                        "member_id": member_id,
                        "assigned_at": now,
                    }
                )
        parent = parents[unit_id]
        periods.append(
            {
                "id": unit_id,
                "unit_id": unit_id,
                "template_id": kind.id,
                "template_version": kind.version,
                "template_hash": digest,
                "year": YEAR,
                "term": 2,
                "deadline": DEADLINE,
                "status": "open",
                "created_at": now,
                "parent_period_id": parent,
                "collect_template_id": kind.id if unit_id <= 1 + DISTRICTS else None,
            }
        )
    _rows(database, Member, members)
    _rows(database, ChatIdentity, identities)
    _rows(database, Period, periods)
    _rows(database, Assignment, assignments)
    final = _final_children(database, answers, digest, now)
    _fix_sequences(database)
    return {
        "seconds": round(time.perf_counter() - began, 2),
        "units": len(units),
        "members": len(members),
        "open_periods": len(periods) + 1,  # and the big Phòng's term-1 collecting period
        "final_children_of_big_district": final,
    }


def _final_children(database: Database, answers: Any, digest: str, now: datetime) -> int:
    """A final report of the term before for each child of Phòng 2, with the sample answers
    (played once through the engine, then copied), collected by Phòng 2's term-1 period."""
    kind = answers.template
    children = list(range(2 + DISTRICTS, 2 + DISTRICTS + BIG_DISTRICT_CHILDREN))
    first_id = UNITS + 1
    rows = [
        {
            "id": first_id + n,
            "unit_id": unit_id,
            "template_id": kind.id,
            "template_version": kind.version,
            "template_hash": digest,
            "year": YEAR,
            "term": 1,
            "deadline": DEADLINE - timedelta(days=180),
            "status": "open",
            "created_at": now,
            "parent_period_id": None if n == 0 else first_id,
            "collect_template_id": kind.id if n == 0 else None,
        }
        for n, unit_id in enumerate([2, *children])
    ]
    _rows(database, Period, rows)
    # The engine picks the newest open period: play the first child's term 1 on its own.
    player_unit = children[0]
    with database.engine.begin() as connection:
        periods = table_of(Period)
        connection.execute(
            update(periods).where(periods.c.id == player_unit).values(status="closed")
        )
    director = str(FIRST_CHAT + (player_unit - 1) * MEMBERS_PER_UNIT + 1)
    DemoPlayer(
        ConversationEngine(database, EngineOptions()),
        Sender(TELEGRAM, director, "Giám đốc"),
        answers,
    ).play()
    answer_table, periods = table_of(Answer), table_of(Period)
    played = first_id + 1
    with database.engine.begin() as connection:
        connection.execute(
            update(periods).where(periods.c.id == player_unit).values(status="open")
        )
        stored = connection.execute(
            select(answer_table).where(answer_table.c.period_id == played)
        ).mappings()
        copies = [
            {**{k: v for k, v in row.items() if k != "id"}, "period_id": period_id}
            for row in stored.all()
            for period_id in range(played + 1, first_id + 1 + len(children))
        ]
        connection.execute(insert(answer_table), copies)
        connection.execute(
            update(periods)
            .where(periods.c.id.in_(range(played, first_id + 1 + len(children))))
            .values(status="final", finalized_at=now)
        )
    return len(children)


def _fix_sequences(database: Database) -> None:
    """PostgreSQL's id sequences moved past the ids given explicitly."""
    if database.engine.dialect.name != "postgresql":
        return
    with database.engine.begin() as connection:
        for model in (Unit, Member, ChatIdentity, Period, Assignment, Answer):
            name = table_of(model).name
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"
                )
            )


def plan(database: Database) -> dict[str, Any]:
    """The first plan of every open period, then a later tick's re-plan."""
    figures: dict[str, Any] = {}
    for name, moment in (("first_plan", PLAN_AT), ("tick_plan", SEND_AT)):
        began = time.perf_counter()
        with database.session() as session:
            result = plan_all(session, now=moment)
            session.commit()
        figures[f"{name}_seconds"] = round(time.perf_counter() - began, 2)
        figures[f"{name}_inserted"] = result.inserted
    reminders = table_of(Reminder)
    with database.engine.connect() as connection:
        due = connection.execute(
            select(func.count()).where(reminders.c.due_at <= SEND_AT)
        ).scalar_one()
    figures["due_at_send"] = int(due)
    return figures


async def send(database: Database, window: float) -> dict[str, Any]:
    """A sweep with the production options through a Telegram-limited fake, for `window` s."""
    fake = FakeTelegram(TOKEN, limits=Limits(overall=30, per_chat=1))
    fake.start()
    bot = Bot(TOKEN, base_url=fake.base_url)
    async with bot:
        options = SweepOptions(worker="province", plan=False)
        sender = TelegramSender(bot)
        senders = {sender.channel: sender}
        sweeper = Sweeper(database, senders, options, clock=lambda: SEND_AT)
        began, cpu_began = time.monotonic(), time.process_time()
        sweep = asyncio.create_task(sweeper.sweep())
        done, _ = await asyncio.wait([sweep], timeout=window)
        if not done:
            sweep.cancel()
            await asyncio.gather(sweep, return_exceptions=True)
        elapsed = time.monotonic() - began
        cpu = time.process_time() - cpu_began
    fake.stop()
    reminders, identities = table_of(Reminder), table_of(ChatIdentity)
    with database.engine.connect() as connection:
        sent_rows = connection.execute(
            select(identities.c.external_id)
            .select_from(
                reminders.join(identities, reminders.c.member_id == identities.c.member_id)
            )
            .where(reminders.c.status == "sent")
        ).all()
        in_doubt = connection.execute(
            select(func.count()).where(reminders.c.status == "claimed")
        ).scalar_one()
    got: dict[int, int] = {}
    for message in fake.sent:
        got[message.chat_id] = got.get(message.chat_id, 0) + 1
    stamps = sorted(m.at for m in fake.sent)
    # Sustained: from the first message to the last, as the window ran.
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    return {
        "window_seconds": round(elapsed, 1),
        # CPU time of this process (the sweep, its sender and the fake API) in the window:
        # well under the window means the sends wait (database commits, the limiter).
        "cpu_seconds_in_window": round(cpu, 1),
        "messages": len(fake.sent),
        "sends_per_second": round((len(stamps) - 1) / span, 1) if span else 0.0,
        "refused_429": fake.refused.get(429, 0),
        "lost": sum(1 for (chat,) in sent_rows if got.get(int(chat), 0) == 0),
        "sent_twice": sum(1 for count in got.values() if count > 1),
        "rows_sent": len(sent_rows),
        "in_flight_when_stopped": int(in_doubt),
    }


def tiendo(database: Database, runs: int = 5) -> dict[str, Any]:
    """/tiendo of the big Phòng's director through the engine (median of `runs`, warm)."""
    engine = ConversationEngine(database, EngineOptions())
    director = Sender(TELEGRAM, str(FIRST_CHAT + MEMBERS_PER_UNIT + 1), "Giám đốc Phòng")
    times, replies = [], []
    for _ in range(runs + 1):
        began = time.perf_counter()
        replies = engine.handle(director, Command("tiendo"))
        times.append(1000 * (time.perf_counter() - began))
    shown = "\n".join(getattr(r, "text", "") for r in replies)
    return {
        "tiendo_ms": round(statistics.median(times[1:]), 1),
        "tiendo_children_listed": sum(f"Đơn vị {u}" in shown for u in _big_children()),
    }


def _big_children() -> range:
    return range(2 + DISTRICTS, 2 + DISTRICTS + BIG_DISTRICT_CHILDREN)


def consolidated_draft(database: Database, runs: int = 3) -> dict[str, Any]:
    """The big Phòng's term-1 draft over its 100 final children, as /duthao builds it."""
    times = []
    size = 0
    for _ in range(runs):
        began = time.perf_counter()
        with database.session() as session:
            period = store.period_by_id(session, period_id=UNITS + 1)
            unit = store.unit_by_id(session, unit_id=2)
            assert period is not None and unit is not None
            kind = period_template(session, period)
            own = hot_path.period_answers(session, period_id=UNITS + 1)
            values, notes = draft_inputs(session, period=period, template=kind, values=own.values)
            draft = render_draft(kind, frame_for(unit, period), values, set(), notes=notes)
        times.append(time.perf_counter() - began)
        size = len(draft.data)
    return {
        "consolidated_draft_seconds": round(statistics.median(times), 2),
        "consolidated_children": BIG_DISTRICT_CHILDREN,
        "draft_bytes": size,
    }


def database_mb(database: Database, path: Path | None) -> float:
    if path is not None:
        return round(sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20, 1)
    with database.engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())"))
        return round(int(size.scalar_one()) / 2**20, 1)


def measure(url: str, kind: str, window: float, sqlite_path: Path | None) -> dict[str, Any]:
    database = Database(url)
    database.migrate()
    try:
        made = generate(database)
        reminders = plan(database)
        reminders.update(asyncio.run(send(database, window)))
        figures = {
            "database": kind,
            "generated": made,
            "reminders": reminders,
            **tiendo(database),
            **consolidated_draft(database),
            "database_mb": database_mb(database, sqlite_path),
        }
    finally:
        database.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--window", type=float, default=60.0, help="seconds the sweep sends for (at most 600)"
    )
    args = parser.parse_args()
    window = max(1.0, min(args.window, 600.0))
    with tempfile.TemporaryDirectory(prefix="baocao-province-") as name:
        if args.database == "sqlite":
            path = Path(name) / "province.db"
            figures = measure(f"sqlite:///{path}", "sqlite", window, path)
        else:
            with running_server(durable=True) as server:  # as in production
                figures = measure(server.create_database("province"), "postgresql", window, None)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()

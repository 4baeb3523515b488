"""Benchmark of the Telegram path; prints one JSON object.

- answers per second through the whole Telegram path: raw updates parsed into PTB `Update`
  objects and fed to `application.process_update`, with the real handlers, the engine, an
  SQLite database on disk and the AIORateLimiter (its Telegram rate limits switched off, so
  that our own cost is measured), against an offline request class that answers the Bot API
  locally and counts the calls;
- the same updates through a bare python-telegram-bot echo handler, and the cost ratio;
- Bot API calls per answer. An answer is an update that replies to what the bot asked in a
  section: a typed or pressed answer, a table row and its confirmation, "add another item?",
  "fix or keep?" at a failed check, a skip. Opening the menu or a section and finishing a
  review are not answers, but their time and their calls are counted all the same;
- users answering at the same time (bench/bench_concurrent.py): answers per second and the
  database commits per update, which group commit brings well under one;
- the time to render the full report draft from the sample answers, against python-docx
  building a document of the same size directly;
- peak resident memory.

The conversation is the one the end-to-end journeys play (tests/e2e/script.py): the report
kind's sample answers as `baocao demo` types them, each section finished after its review,
in one run typed only, in another pressed where the question offers the button that means
the same.

The headline figures come from the run with buttons (as a phone user answers); the typed run,
the time spent in the conversation engine and the calls by method are under "details".

The replays run in rounds (`--rounds`, 3 by default): typed, with buttons, then the echo
handler, each round with new users. Every figure adds the rounds up, but the CPU figures the
targets are about (`engine_cpu_ms_per_update`, `cpu_ms_per_update`,
`cpu_cost_ratio_vs_echo`) are the medians of the rounds, each against the echo handler of its
own round, with every round's value under "rounds". The CPU figures leave out the simulated
user's own work (picking the button to press, building the raw update:
`simulated_user_cpu_ms_per_update`), in the echo run alike; parsing each raw update into PTB's
`Update` stays in, since PTB does it for every update in production.

Usage: .venv/bin/python bench/bench_telegram.py [--users 3] [--rounds 3] [--kind ID]
       [--templates DIR] [--concurrent-users 40] [--concurrent-steps 40]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import resource
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
from bench_concurrent import bench_concurrent
from sqlalchemy import event
from sqlmodel import func, select
from telegram import Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, MessageHandler
from telegram.ext import filters as tg_filters

from bot.conversation.engine import DEMO_TEMPLATE, ConversationEngine, EngineOptions
from bot.core.settings import Settings
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, sample_answers_path
from bot.report.answers_file import load_answers_file
from bot.report.build import render_draft
from bot.store.database import Database
from handlers.telegram.adapter import CHANNEL_KEY
from handlers.telegram.app import build_application, settle_memory
from models import Answer, AnswerChange
from tests.e2e.script import Step, conversation
from tests.support.bot_api import OfflineBotApi
from tests.support.telegram_updates import bot_message, callback_update, message_update

TOKEN = "123456:BENCH"
DRAFT_RUNS = 5
TARGETS = {
    "answers_per_second": 300,  # at least
    "cost_ratio_vs_echo": 3.0,  # at most
    "bot_api_calls_per_answer": 1.2,  # at most
    "draft_seconds": 0.5,  # under
}
# Rounds of the typed, with-buttons and echo replays (see `round_medians`).
ROUNDS = 3
# What adds up when runs are combined.
RUN_SUMS = (
    "seconds",
    "cpu_seconds",
    "parse_cpu_seconds",
    "user_cpu_seconds",
    "engine_seconds",
    "engine_cpu_seconds",
    "commits",
    "updates",
    "presses",
    "answers",
    "calls",
)
# Steps that are not answers: /start and opening a section ("") and finishing a review.
NOT_ANSWERS = ("", "review")


def commit_counter(database: Database) -> list[int]:
    """A one-element list holding the commits made on the database's real engine."""
    commits = [0]

    def counted(_connection: Any) -> None:
        commits[0] += 1

    event.listen(database.engine, "commit", counted)
    return commits


@dataclass
class Run:
    """One replay: its time, its updates and what it cost in Bot API calls."""

    seconds: float = 0.0
    cpu_seconds: float = 0.0
    # CPU the replay spends parsing each raw update into PTB's Update (the harness's part).
    parse_cpu_seconds: float = 0.0
    # CPU of the simulated user (picking the button to press, building the raw update): not
    # the bot's, so left out of `cpu_seconds`; the echo run's is left out alike.
    user_cpu_seconds: float = 0.0
    engine_seconds: float = 0.0
    engine_cpu_seconds: float = 0.0
    commits: int = 0
    updates: int = 0
    presses: int = 0
    answers: int = 0
    stored_changes: int = 0
    questions: int = 0
    calls: Counter[str] = field(default_factory=Counter)


def buttons_of(markup: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback data) of an inline keyboard as sent."""
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


async def replay(
    application: Application,
    api: OfflineBotApi,
    steps: tuple[Step, ...],
    users: range,
    *,
    presses: bool,
    first_update: int,
) -> Run:
    """Plays the script once per user, one update at a time, timing the whole."""
    run = Run()
    update_id = first_update
    before = Counter(api.counts)
    channel = application.bot_data.get(CHANNEL_KEY)
    # The engine's writer: the time of its batches, commits included (group_commit).
    writer = channel.commits if channel is not None else None
    engine_before = writer.seconds if writer is not None else 0.0
    engine_cpu_before = writer.cpu_seconds if writer is not None else 0.0
    commits_before = writer.batches if writer is not None else 0
    began, cpu_began = time.perf_counter(), time.process_time()
    for user_id in users:
        for step in steps:
            update_id += 1
            user_began = time.thread_time()
            pressed = api.last_markup.get(user_id) if presses else None
            button = step.button_for(buttons_of(pressed[1])) if pressed else None
            if pressed is not None and button is not None:
                message = bot_message(pressed[0], user_id, "…", pressed[1])
                raw = callback_update(update_id, user_id, button[1], message)
                run.presses += 1
            else:
                raw = message_update(update_id, user_id, text=step.typed)
            parse_began = time.thread_time()
            run.user_cpu_seconds += parse_began - user_began
            update = Update.de_json(raw, application.bot)
            run.parse_cpu_seconds += time.thread_time() - parse_began
            await application.process_update(update)
            run.updates += 1
            run.answers += step.asks not in NOT_ANSWERS
    run.seconds = time.perf_counter() - began
    run.cpu_seconds = time.process_time() - cpu_began - run.user_cpu_seconds
    if writer is not None:
        run.engine_seconds = writer.seconds - engine_before
        run.engine_cpu_seconds = writer.cpu_seconds - engine_cpu_before
        run.commits = writer.batches - commits_before
    run.calls = api.counts - before
    return run


async def echo(update: Update, _context: Any) -> None:
    """Sends the text back: the least a python-telegram-bot handler can do."""
    if update.message and update.message.text:
        await update.message.reply_text(update.message.text)


def unlimited() -> AIORateLimiter:
    """The rate limiter on every call, with Telegram's limits off (nothing waits)."""
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)


def combined(runs: list[Run]) -> Run:
    """The runs added up, as one run of all their updates."""
    total = Run()
    for run in runs:
        for name in RUN_SUMS:
            setattr(total, name, getattr(total, name) + getattr(run, name))
    return total


def round_medians(rounds: list[tuple[Run, Run, Run]], index: int) -> dict[str, Any]:
    """Per-round CPU figures of one kind of run (0 typed, 1 with buttons) against the echo
    handler of the same round, and their medians: a round the machine slowed down moves the
    median less than the mean, and the ratio compares runs made seconds apart."""
    engine = [1000 * r[index].engine_cpu_seconds / r[index].updates for r in rounds]
    cpu = [1000 * r[index].cpu_seconds / r[index].updates for r in rounds]
    ratio = [
        (r[index].cpu_seconds / r[index].updates) / (r[2].cpu_seconds / r[2].updates)
        for r in rounds
    ]
    return {
        "engine_cpu_ms_per_update": round(statistics.median(engine), 3),
        "cpu_ms_per_update": round(statistics.median(cpu), 3),
        "cpu_cost_ratio_vs_echo": round(statistics.median(ratio), 2),
        "rounds": {
            "engine_cpu_ms_per_update": [round(x, 3) for x in engine],
            "cpu_ms_per_update": [round(x, 3) for x in cpu],
            "cpu_cost_ratio_vs_echo": [round(x, 2) for x in ratio],
        },
    }


async def bench_updates(
    kind: str, templates: Path, users: int, folder: Path, rounds: int = ROUNDS
) -> dict[str, Any]:
    # The whole report, as `baocao demo` plays it (the draft is measured on its own).
    steps = conversation("Hương Nguyễn", kind=kind, templates=templates)
    database = Database(f"sqlite:///{folder / 'bench.db'}")
    database.create_schema()
    options = EngineOptions(demo=True, templates_root=templates, demo_template=kind)
    engine = ConversationEngine(database, options)
    settings = Settings(telegram_bot_token=TOKEN, _env_file=None)
    api = OfflineBotApi(record=False)
    application = build_application(
        settings,
        engine,
        request=api,
        get_updates_request=OfflineBotApi(record=False),
        rate_limiter=unlimited(),
    )
    echo_api = OfflineBotApi(record=False)
    bare = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(echo_api)
        .get_updates_request(OfflineBotApi(record=False))
        .rate_limiter(unlimited())
        .build()
    )
    bare.add_handler(MessageHandler(tg_filters.TEXT, echo))
    settle_memory()  # as `baocao run` does once the application is built
    played: list[tuple[Run, Run, Run]] = []
    async with application, bare:
        # Warm-up: one user through the whole report (imports, caches, first queries).
        await replay(application, api, steps, range(1, 2), presses=True, first_update=0)
        await replay(bare, echo_api, steps, range(1, 2), presses=False, first_update=0)
        # Rounds of typed, with buttons and echo, new users each: the echo handler is
        # measured next to the runs it is compared with.
        for number in range(rounds):
            first, shift = 100 + number * users, number * 10_000
            runs = (  # (application, its Bot API, users, presses) of typed, buttons, echo
                (application, api, range(first, first + users), False),
                (application, api, range(first + 1000, first + 1000 + users), True),
                (bare, echo_api, range(first, first + users), False),
            )
            typed, mixed, echoed = [
                await replay(app, calls, steps, who, presses=pressed, first_update=first_update)
                for first_update, (app, calls, who, pressed) in zip(
                    (100_000 + shift, 200_000 + shift, 300_000 + shift), runs, strict=True
                )
            ]
            played.append((typed, mixed, echoed))
    with database.session() as session:
        # Every user plays the same script: the counts divide evenly.
        players = 1 + 2 * users * rounds
        changes = session.exec(select(func.count()).select_from(AnswerChange)).one() // players
        questions = session.exec(select(func.count()).select_from(Answer)).one() // players
    database.dispose()
    typed, mixed, echoed = (combined([r[index] for r in played]) for index in range(3))
    for run in (typed, mixed):
        run.stored_changes = changes * users * rounds
        run.questions = questions * users * rounds

    echo_ms = 1000 * echoed.seconds / echoed.updates
    echo_cpu_ms = 1000 * echoed.cpu_seconds / echoed.updates

    def summary(run: Run) -> dict[str, Any]:
        calls = sum(run.calls.values())
        ms = 1000 * run.seconds / run.updates
        engine_ms = 1000 * run.engine_seconds / run.updates
        return {
            "updates": run.updates,
            "button_presses": run.presses,
            "answers": run.answers,
            "stored_answer_changes": run.stored_changes,
            "answered_questions": run.questions,
            "seconds": round(run.seconds, 3),
            "updates_per_second": round(run.updates / run.seconds, 1),
            "answers_per_second": round(run.answers / run.seconds, 1),
            "ms_per_update": round(ms, 3),
            # Where the time goes: the conversation engine (SQLite, checks, state) and the
            # rest (PTB parsing and dispatch, our handlers and adapter, the Bot API calls).
            "engine_ms_per_update": round(engine_ms, 3),
            "telegram_layer_ms_per_update": round(ms - engine_ms, 3),
            "telegram_layer_ratio_vs_echo": round((ms - engine_ms) / echo_ms, 2),
            "cost_ratio_vs_echo": round(ms / echo_ms, 2),
            # CPU time (all threads of the process): steadier than wall time on a machine
            # shared with other work, and without the waits for the disk (fsync).
            "cpu_ms_per_update": round(1000 * run.cpu_seconds / run.updates, 3),
            "engine_cpu_ms_per_update": round(1000 * run.engine_cpu_seconds / run.updates, 3),
            # The rest: PTB, the adapter, the Bot API calls, the hand-off to the writer (and
            # the writer between its batches), and the replay parsing each raw update, which
            # "update_parsing_cpu_ms_per_update" gives on its own.
            "telegram_layer_cpu_ms_per_update": round(
                1000 * (run.cpu_seconds - run.engine_cpu_seconds) / run.updates, 3
            ),
            "update_parsing_cpu_ms_per_update": round(
                1000 * run.parse_cpu_seconds / run.updates, 3
            ),
            # Left out of every CPU figure: the simulated user's own work.
            "simulated_user_cpu_ms_per_update": round(
                1000 * run.user_cpu_seconds / run.updates, 3
            ),
            "cpu_cost_ratio_vs_echo": round(run.cpu_seconds / run.updates / echo_cpu_ms * 1000, 2),
            # Transactions of the engine's writer per update: one each when updates come one
            # at a time (as here); see "concurrent" for users answering at once.
            "commits_per_update": round(run.commits / run.updates, 3),
            "bot_api_calls": calls,
            "bot_api_calls_per_update": round(calls / run.updates, 2),
            "bot_api_calls_per_answer": round(calls / run.answers, 2),
            "bot_api_calls_per_answered_question": round(calls / run.questions, 2),
            "bot_api_calls_by_method": dict(run.calls.most_common()),
        }

    return {
        "users": users,
        "rounds": rounds,
        "telegram_with_buttons": {**summary(mixed), **round_medians(played, 1)},
        "telegram_typed": {**summary(typed), **round_medians(played, 0)},
        "echo": {
            "updates": echoed.updates,
            "updates_per_second": round(echoed.updates / echoed.seconds, 1),
            "ms_per_update": round(echo_ms, 3),
            "cpu_ms_per_update": round(echo_cpu_ms, 3),
            "update_parsing_cpu_ms_per_update": round(
                1000 * echoed.parse_cpu_seconds / echoed.updates, 3
            ),
            "simulated_user_cpu_ms_per_update": round(
                1000 * echoed.user_cpu_seconds / echoed.updates, 3
            ),
        },
    }


def bench_draft(kind: str, templates: Path) -> dict[str, Any]:
    """The full draft from the sample answers, against python-docx alone at the same size."""
    answers = load_answers_file(sample_answers_path(kind, templates), root=templates)
    times = []
    for _ in range(DRAFT_RUNS):
        began = time.perf_counter()
        draft = render_draft(answers.template, answers.frame, answers.values, set())
        times.append(time.perf_counter() - began)
    rendered = docx.Document(io.BytesIO(draft.data))
    paragraphs = len(rendered.paragraphs)
    tables = [(len(table.rows), len(table.columns)) for table in rendered.tables]
    words = [p.text for p in rendered.paragraphs]

    def direct() -> bytes:
        document = docx.Document()
        for text in words:
            document.add_paragraph(text)
        for rows, columns in tables:
            table = document.add_table(rows=rows, cols=columns)
            for row in table.rows:
                for cell in row.cells:
                    cell.text = "1.234"
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    plain = []
    for _ in range(DRAFT_RUNS):
        began = time.perf_counter()
        direct()
        plain.append(time.perf_counter() - began)
    render, baseline = statistics.median(times), statistics.median(plain)
    return {
        "render_seconds": round(render, 4),
        "python_docx_seconds": round(baseline, 4),
        "ratio": round(render / baseline, 2),
        "paragraphs": paragraphs,
        "tables": len(tables),
        "table_cells": sum(r * c for r, c in tables),
        "bytes": len(draft.data),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=3, help="users per replay")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of replays")
    parser.add_argument("--kind", default=DEMO_TEMPLATE, help="report kind id")
    parser.add_argument("--templates", type=Path, default=DEFAULT_TEMPLATES_DIR)
    parser.add_argument("--concurrent-users", type=int, default=40, help="users at once")
    parser.add_argument("--concurrent-steps", type=int, default=40, help="steps each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        updates = asyncio.run(
            bench_updates(args.kind, args.templates, args.users, Path(folder), args.rounds)
        )
        together = asyncio.run(
            bench_concurrent(args.concurrent_users, args.concurrent_steps, Path(folder))
        )
    draft = bench_draft(args.kind, args.templates)
    mixed = updates["telegram_with_buttons"]
    figures = {
        "answers_per_second": mixed["answers_per_second"],
        "echo_updates_per_second": updates["echo"]["updates_per_second"],
        "cost_ratio_vs_echo": mixed["cost_ratio_vs_echo"],
        "bot_api_calls_per_answer": mixed["bot_api_calls_per_answer"],
        "concurrent_answers_per_second": together["answers_per_second"],
        "concurrent_commits_per_update": together["commits_per_update"],
        "draft_seconds": draft["render_seconds"],
        "python_docx_seconds": draft["python_docx_seconds"],
        "draft_ratio": draft["ratio"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    result = {
        **figures,
        "targets": TARGETS,
        "met": {
            "answers_per_second": figures["answers_per_second"] >= TARGETS["answers_per_second"],
            "cost_ratio_vs_echo": figures["cost_ratio_vs_echo"] <= TARGETS["cost_ratio_vs_echo"],
            "bot_api_calls_per_answer": (
                figures["bot_api_calls_per_answer"] <= TARGETS["bot_api_calls_per_answer"]
            ),
            "draft_seconds": figures["draft_seconds"] < TARGETS["draft_seconds"],
        },
        "details": {"kind": args.kind, **updates, "concurrent": together, "draft": draft},
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

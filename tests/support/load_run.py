"""One load run: simulated staff answering at once through real `baocao run` webhooks.

Each simulated person is the director of a unit of their own (seeded through the factories),
with the bundled report kind open. They play the same conversation the demo player plays
(/start, each section opened and answered to the end), one Telegram update at a time: the
update goes to the round-robin proxy, which POSTs it to an instance as Telegram would
(redelivered, same update id, when the POST fails or no reply comes), and the person waits
for the reply to reach the fake Bot API before thinking and sending the next one. "Told to
try again" makes them send the same thing again as a new message.

Afterwards the database is compared with what was acknowledged: a reference member played
the script in-process first, so the audit-trail rows each step leaves are known. `lost`
counts rows an acknowledged step should have left and that are missing; `duplicated` rows
beyond what every step sent could have left, plus replies that came twice for one update.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.cli.demo import DemoPlayer
from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Command, Incoming, Sender, Text
from bot.conversation.options import DEMO_TEMPLATE
from bot.core.replies import TELEGRAM, DocumentReply, Outgoing
from bot.questionnaire.loader import sample_answers_path
from bot.report.answers_file import load_answers_file
from bot.store.database import Database, table_of
from bot.texts import t
from handlers.telegram.drawing import compose, split_text
from models import AnswerChange, ChatIdentity
from tests.support.factories import open_unit
from tests.support.fake_telegram import FakeTelegram, Sent
from tests.support.instances import SECRET, SECRET_HEADER, Instances, Proxy
from tests.support.telegram_updates import FIRST_NAME, LAST_NAME, message_update

TOKEN = "123456:LOAD"
FIRST_USER = 500_000
NAME = (FIRST_NAME, LAST_NAME)  # the webhook updates' sender
REFERENCE = "reference"
# Steps that are not answers: /start, opening a section, finishing its review.
NOT_ANSWERS = ("", "review")
# What the bot says when nothing of a message was stored: the person sends it again.
TRY_AGAIN = frozenset({t("telegram.error"), t("telegram.not_saved")})


@dataclass(frozen=True)
class Step:
    """What is typed, the last message the bot answers, and the audit rows left after it."""

    typed: str
    expected: str
    answer: bool
    changes_after: Counter[Change]  # the audit rows the script has left once this step is done


@dataclass(frozen=True)
class LoadConfig:
    """A run's size and pace; everything is bounded."""

    users: int = 100
    seconds: float = 30.0
    instances: int = 1
    think_seconds: float = 5.0  # mean pause between a reply and the next message
    # No reply by then: the update is delivered again (same id), as after a lost instance.
    reply_timeout: float = 60.0
    extra_env: dict[str, str] = field(default_factory=dict)
    disk_can_fill: bool = False  # see Instances.fill_disk


Action = Callable[["LoadRun"], Awaitable[None]]


def _last_text(replies: list[Outgoing]) -> str:
    last = compose(replies)[-1]
    text = last.caption if isinstance(last, DocumentReply) else last.text
    return split_text(text)[-1]


def seed(database: Database, users: int) -> tuple[tuple[Step, ...], list[str]]:
    """A unit per user (and one for the reference player); the script with its audit rows."""
    answers = load_answers_file(sample_answers_path(DEMO_TEMPLATE))
    frame = answers.frame
    ids = [str(FIRST_USER + n) for n in range(users)]
    with database.session() as session:
        for external_id in [REFERENCE, *ids]:
            open_unit(
                session,
                name=frame.unit_name,
                place=frame.place,
                director=" ".join(NAME),
                channel=TELEGRAM,
                external_id=external_id,
                template_id=answers.template.id,
                template_version=answers.template.version,
                year=frame.year,
                term=frame.term,
                report_date=frame.report_date,
            )
        session.commit()
    engine = ConversationEngine(database, EngineOptions())
    player = DemoPlayer(engine, Sender(TELEGRAM, REFERENCE, " ".join(NAME)), answers)
    steps: list[Step] = []

    def play(event: Incoming, answer: bool) -> None:
        expected = _last_text(player.send(event))
        typed = (
            f"/{event.name} {event.argument}".strip()
            if isinstance(event, Command)
            else str(getattr(event, "text", ""))
        )
        changes = stored_changes(database).get(REFERENCE, Counter())
        steps.append(Step(typed, expected, answer, changes))

    play(Command("start"), False)
    for section in answers.template.sections:
        play(Text(section.number), False)
        while True:
            state, values = player.snapshot()
            asks = player.question(state).kind if state.mode == "question" else state.mode
            if state.mode == "review":
                play(Text("xong"), False)
                break
            play(player.next_input(state, values), asks not in NOT_ANSWERS)
    return tuple(steps), ids


Change = tuple[str, str]  # question id, new value as JSON


def stored_changes(database: Database) -> dict[str, Counter[Change]]:
    """The audit-trail rows (question, new value) of each Telegram user id."""
    changes, identities = table_of(AnswerChange), table_of(ChatIdentity)
    with database.engine.connect() as connection:
        query = (
            select(identities.c.external_id, changes.c.question_id, changes.c.new_value)
            .select_from(changes.join(identities, changes.c.member_id == identities.c.member_id))
            .where(identities.c.channel == TELEGRAM)
        )
        found: dict[str, Counter[Change]] = {}
        for user, question, value in connection.execute(query):
            change = (str(question), json.dumps(value, sort_keys=True, ensure_ascii=False))
            found.setdefault(str(user), Counter())[change] += 1
        return found


def _percentiles(values: list[float]) -> list[float]:
    """The 1st to 99th percentiles (zeros when there are too few values)."""
    return statistics.quantiles(values, n=100) if len(values) > 1 else [0.0] * 99


@dataclass
class Waiter:
    """A person waiting for the reply to their update."""

    expected: str
    reply: asyncio.Future[float | None]
    deliveries: int = 0  # times an instance took the update (more: delivered again)


@dataclass
class Progress:
    """One person's way through the script."""

    acked: int = -1  # the last step whose reply came
    sent: int = -1  # the last step sent at all


@dataclass
class LoadRun:
    """A run in progress: the fake Bot API, the instances, the proxy and the figures."""

    config: LoadConfig
    database: Database
    database_kind: str
    folder: Path
    steps: tuple[Step, ...] = ()
    users: list[str] = field(default_factory=list)
    fake: FakeTelegram = field(default_factory=lambda: FakeTelegram(TOKEN))
    instances: Instances | None = None
    proxy: Proxy | None = None
    latencies: list[float] = field(default_factory=list)
    post_latencies: list[float] = field(default_factory=list)  # until the webhook's 200
    loop_lags: list[float] = field(default_factory=list)
    progress: dict[int, Progress] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    waiting: dict[int, Waiter] = field(default_factory=dict)
    _answered: dict[int, Waiter] = field(default_factory=dict)  # each chat's previous
    _update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self, database_url: str) -> None:
        """Seeds, starts the fake Bot API, the instances and the proxy."""
        self.prepare()
        await self.launch(database_url)

    def prepare(self) -> None:
        """Seeds the units and the script, starts the fake Bot API."""
        self.steps, self.users = seed(self.database, self.config.users)
        self.fake.on_message = self.on_message
        self.fake.start()

    async def launch(self, database_url: str) -> None:
        """Starts the instances and the proxy before them."""
        self.instances = Instances(
            self.folder,
            TOKEN,
            self.fake.base_url,
            database_url,
            dict(self.config.extra_env),
            disk_can_fill=self.config.disk_can_fill,
        )
        for _ in range(self.config.instances):
            self.instances.start()
        for instance in self.instances.running:
            await self.instances.wait_ready(instance)
        self.proxy = Proxy([i.url for i in self.instances.running])

    def on_message(self, sent: Sent) -> None:
        """A message reached the fake Bot API: the reply someone waits for, or not."""
        waiter = self.waiting.get(sent.chat_id)
        if sent.text in TRY_AGAIN:
            self.counts["told_to_try_again"] += 1
            if waiter is not None and not waiter.reply.done():
                waiter.reply.set_result(None)
            return
        if waiter is not None and not waiter.reply.done() and sent.text == waiter.expected:
            waiter.reply.set_result(sent.at)
            return
        # The reply to an update already answered: twice for one delivery is a duplicate;
        # an update delivered again (no reply in time) is answered again from what was kept.
        done = [w for w in (waiter, self._answered.get(sent.chat_id)) if w and w.reply.done()]
        again = next((w for w in done if sent.text == w.expected), None)
        if again is not None:
            key = "duplicated_replies" if again.deliveries == 1 else "replies_to_redeliveries"
            self.counts[key] += 1

    async def _deliver(self, body: bytes, stop_at: float) -> bool:
        """Hands an update to the proxy until an instance takes it (as Telegram redelivers);
        True if one did."""
        assert self.proxy is not None
        headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
        while time.monotonic() < stop_at:
            if await self.proxy.forward(body, headers) == 200:
                return True
            self.counts["redelivered"] += 1
            await asyncio.sleep(0.2)
        return False

    async def _person(self, index: int, until: float) -> None:
        user = FIRST_USER + index
        progress = self.progress.setdefault(user, Progress())
        pace = random.Random(user)
        await self._think(pace, until)
        step_index = 0
        while step_index < len(self.steps) and time.monotonic() < until:
            step = self.steps[step_index]
            loop = asyncio.get_running_loop()
            waiter = Waiter(step.expected, loop.create_future())
            previous = self.waiting.get(user)
            if previous is not None:
                self._answered[user] = previous
            self.waiting[user] = waiter
            body = json.dumps(
                message_update(next(self._update_ids), user, text=step.typed)
            ).encode()
            began = time.monotonic()
            progress.sent = step_index
            give_up = until + self.config.reply_timeout * 3
            at: float | None = None
            while time.monotonic() < give_up:
                posted = time.monotonic()
                if not await self._deliver(body, give_up):
                    break
                waiter.deliveries += 1
                self.post_latencies.append(1000 * (time.monotonic() - posted))
                try:
                    at = await asyncio.wait_for(
                        asyncio.shield(waiter.reply), self.config.reply_timeout
                    )
                    break
                except TimeoutError:
                    self.counts["reply_timeouts"] += 1  # delivered again, same update id
            if not waiter.reply.done():
                self.counts["unanswered"] += 1
                return
            if at is None:  # told to try again: the same text as a new message, a bit later
                await self._think(pace, until)
                continue
            progress.acked = step_index
            if step.answer:
                self.latencies.append(1000 * (at - began))
                self.counts["answers"] += 1
            self.counts["updates"] += 1
            step_index += 1
            await self._think(pace, until)
        self.counts["finished_script"] += step_index == len(self.steps)

    async def _think(self, pace: random.Random, until: float) -> None:
        """A person's pause before their next message (none past the end of the run)."""
        pause = pace.uniform(0, 2 * self.config.think_seconds)
        await asyncio.sleep(max(0.0, min(pause, until - time.monotonic())))

    async def play(self, actions: Sequence[tuple[float, Action]] = ()) -> dict[str, Any]:
        """Everyone answers for `seconds`; `actions` run at their second into the run."""
        assert self.instances is not None and self.proxy is not None
        config = self.config
        self.instances.mark_start()
        cpu_began = time.process_time()
        began = time.monotonic()
        until = began + config.seconds
        people = [asyncio.create_task(self._person(n, until)) for n in range(config.users)]
        chores = [asyncio.create_task(self._at(s, action)) for s, action in actions]
        sampler = asyncio.create_task(self._sample_rss())
        await asyncio.gather(*people)
        ended = time.monotonic()
        sampler.cancel()
        for chore in chores:
            chore.cancel()
        self.proxy.close()
        self.instances.sample_rss()
        self.counts["harness_cpu_ms"] = int(1000 * (time.process_time() - cpu_began))
        return self.figures(ended - began)

    async def _at(self, second: float, action: Action) -> None:
        await asyncio.sleep(second)
        await action(self)

    async def _sample_rss(self) -> None:
        """Samples the instances' memory, and how late this loop wakes (its own load)."""
        assert self.instances is not None
        while True:
            self.instances.sample_rss()
            began = time.monotonic()
            await asyncio.sleep(0.5)
            self.loop_lags.append(1000 * (time.monotonic() - began - 0.5))

    def figures(self, seconds: float) -> dict[str, Any]:
        """The run's JSON: rates, latencies, and the database against what was acknowledged."""
        running = self.instances.running if self.instances is not None else []
        stored = stored_changes(self.database)
        lost = duplicated = 0
        for user, progress in self.progress.items():
            have = stored.get(str(user), Counter())
            none: Counter[Change] = Counter()
            acked = self.steps[progress.acked].changes_after if progress.acked >= 0 else none
            sent = self.steps[progress.sent].changes_after if progress.sent >= 0 else none
            # Every row an acknowledged step leaves must be there; none beyond what every
            # step sent could leave (a row twice, or an answer stored under another question).
            lost += sum((acked - have).values())
            duplicated += sum((have - sent).values())
        cuts = _percentiles(self.latencies)
        posts, lags = _percentiles(self.post_latencies), _percentiles(self.loop_lags)
        return {
            "answers_per_second": round(self.counts["answers"] / seconds, 1),
            "latency_ms": {
                "p50": round(cuts[49], 1),
                "p95": round(cuts[94], 1),
                "p99": round(cuts[98], 1),
            },
            "lost": lost,
            "duplicated": duplicated + self.counts["duplicated_replies"],
            "instances": self.config.instances,
            "database": self.database_kind,
            "peak_rss_mb": [round(i.peak_rss_mb, 1) for i in running],
            "details": {
                "users": self.config.users,
                "seconds": round(seconds, 1),
                "think_seconds": self.config.think_seconds,
                "telegram_rate_limit": self.config.extra_env.get("TELEGRAM_RATE_LIMIT", "30"),
                "answers": self.counts["answers"],
                "updates": self.counts["updates"],
                "stored_answer_changes": sum(
                    sum(stored.get(u, Counter()).values()) for u in self.users
                ),
                "told_to_try_again": self.counts["told_to_try_again"],
                "redelivered": self.counts["redelivered"],
                "reply_timeouts": self.counts["reply_timeouts"],
                "replies_to_redeliveries": self.counts["replies_to_redeliveries"],
                "unanswered": self.counts["unanswered"],
                "proxy_failovers": self.proxy.failovers if self.proxy else 0,
                "bot_api_refusals": {str(k): v for k, v in self.fake.refused.items()},
                "bot_api_calls": dict(self.fake.counts.most_common()),
                # CPU time during the run (start-up left out), per update handled.
                "instance_cpu_ms_per_update": round(
                    1000
                    * sum(i.cpu_seconds - i.cpu_at_start for i in running)
                    / max(1, self.counts["updates"]),
                    2,
                ),
                "harness_cpu_ms_per_update": round(
                    self.counts["harness_cpu_ms"] / max(1, self.counts["updates"]), 2
                ),
                # Where the latency goes: the webhook POST through the proxy until its 200,
                # and how late the harness's own event loop wakes (it is busy or starved).
                "webhook_post_ms": {"p50": round(posts[49], 1), "p95": round(posts[94], 1)},
                "harness_loop_lag_ms": {"p50": round(lags[49], 1), "p95": round(lags[94], 1)},
                "load_average_1min_at_end": round(os.getloadavg()[0], 1),
                "cpus": os.cpu_count(),
                "script_steps": len(self.steps),
            },
        }

    def stop(self) -> None:
        """Ends the instances and the fake Bot API."""
        if self.instances is not None:
            self.instances.stop_all()
        self.fake.stop()

"""The sweep: claims due reminders atomically, commits the claim, then sends.

A claim is one statement: `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING id`; SQLite has
one writer at a time, and on PostgreSQL the inner SELECT takes its rows `FOR UPDATE SKIP
LOCKED`, so two processes never claim the same row and neither waits for the other. A claim
whose process died is taken over once its lease has expired. Each row is checked again just
before it is sent (is it still needed? may we send now? to which chat? see
`bot.reminders.decision`), and its outcome is written only if the row is still claimed by
this process. Each channel has its sender (`senders`, by channel name).

What a crash can do: rows a dead process had claimed but not sent are sent by the next sweep
after the lease; a row sent in the instant between the chat service accepting it and the database
recording it would be sent again (at most the `concurrency` messages in flight, one by
default).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from bot.core.clock import now as clock_now
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR
from bot.reminders.decision import Decision, decide
from bot.reminders.owed import directors_of
from bot.reminders.planner import REMINDER, PlanResult, plan_all
from bot.reminders.policy import BLOCKED_PREFIX
from bot.reminders.sender import (
    ReminderSender,
    RetryLaterError,
    SendFailedError,
    UnreachableError,
)
from bot.store.database import Database
from models import ChatBlock, Member

log = logging.getLogger(__name__)

CHAT_BLOCK = ChatBlock.__table__  # type: ignore[attr-defined]


def default_worker() -> str:
    """This process's name in `claimed_by`: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class SweepOptions:
    """How a sweep claims and sends."""

    worker: str = field(default_factory=default_worker)
    # Rows claimed per statement: small enough to be sent well within the lease.
    batch: int = 50
    lease: timedelta = timedelta(minutes=5)
    # Telegram's limits: about 30 messages a second overall, one a second per chat.
    rate: float | None = 30.0
    chat_interval: float = 1.0
    # Sends at a time. One: a process killed at any moment leaves at most one message whose
    # fate is unknown (sent, but not yet recorded), which is sent again after the lease.
    concurrency: int = 1
    max_attempts: int = 5
    plan: bool = True
    templates_root: Path = DEFAULT_TEMPLATES_DIR


@dataclass
class SweepReport:
    """What one sweep did."""

    planned: PlanResult = field(default_factory=PlanResult)
    claimed: int = 0
    sent: int = 0
    dropped: int = 0
    postponed: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0


class RateLimiter:
    """Spaces sends: at most `rate` a second overall and one per `chat_interval` per chat."""

    def __init__(
        self,
        rate: float | None,
        chat_interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.gap = 1.0 / rate if rate else 0.0
        self.chat_interval = chat_interval
        self.clock = clock
        self.sleep = sleep
        self._next = 0.0
        self._next_by_chat: dict[str, float] = {}

    async def wait(self, chat_id: str) -> None:
        """Reserves the next slot for the chat and sleeps until it comes."""
        current = self.clock()
        slot = max(current, self._next, self._next_by_chat.get(chat_id, 0.0))
        self._next = slot + self.gap
        self._next_by_chat[chat_id] = slot + self.chat_interval
        if slot > current:
            await self.sleep(slot - current)


def claim_due(
    connection: Connection, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[int]:
    """Claims up to `limit` due rows (or rows of a dead claim) in one statement."""
    due = or_(
        and_(REMINDER.c.status == "planned", REMINDER.c.due_at <= now),
        and_(REMINDER.c.status == "claimed", REMINDER.c.claimed_at < now - lease),
    )
    pick = select(REMINDER.c.id).where(due).order_by(REMINDER.c.due_at, REMINDER.c.id)
    pick = pick.limit(limit)
    if connection.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    statement = (
        update(REMINDER)
        .where(REMINDER.c.id.in_(pick.scalar_subquery()))
        .values(
            status="claimed",
            claimed_by=worker,
            claimed_at=now,
            attempts=REMINDER.c.attempts + 1,
        )
        .returning(REMINDER.c.id)
    )
    return sorted(row[0] for row in connection.execute(statement))


class Sweeper:
    """Plans, claims and sends due reminders, each through the sender of the channel the
    member wrote from last (`senders`: channel name -> its sender)."""

    def __init__(
        self,
        database: Database,
        senders: Mapping[str, ReminderSender],
        options: SweepOptions | None = None,
        *,
        clock: Callable[[], datetime] = clock_now,
    ) -> None:
        self.database = database
        self.senders = dict(senders)
        self.options = options or SweepOptions()
        self.clock = clock
        self.limiter = RateLimiter(self.options.rate, self.options.chat_interval)
        # Set when the process stops: no more sends; what is still claimed is given back.
        self.stopping = False

    async def sweep(self) -> SweepReport:
        """One tick: re-plan open periods, then claim and send until nothing is due."""
        report = SweepReport()
        if self.options.plan:
            report.planned = await asyncio.to_thread(self._plan)
        gate = asyncio.Semaphore(self.options.concurrency)

        async def handle(reminder_id: int) -> None:
            async with gate:
                if not self.stopping:
                    await self._handle(reminder_id, report)

        while not self.stopping:
            ids = await asyncio.to_thread(self._claim)
            if not ids:
                break
            report.claimed += len(ids)
            await asyncio.gather(*(handle(i) for i in ids))
            if len(ids) < self.options.batch:
                break
        return report

    # -- database steps (run in a worker thread) -------------------------------------------

    def _plan(self) -> PlanResult:
        with self.database.session() as session:
            return plan_all(session, now=self.clock(), templates_root=self.options.templates_root)

    def _claim(self) -> list[int]:
        with self.database.engine.begin() as connection:
            return claim_due(
                connection,
                worker=self.options.worker,
                now=self.clock(),
                limit=self.options.batch,
                lease=self.options.lease,
            )

    def _finish(self, reminder_id: int, **values: object) -> bool:
        """Writes a claimed row's outcome, if this process still holds the claim."""
        with self.database.engine.begin() as connection:
            result = connection.execute(
                update(REMINDER)
                .where(
                    REMINDER.c.id == reminder_id,
                    REMINDER.c.status == "claimed",
                    REMINDER.c.claimed_by == self.options.worker,
                )
                .values(**values)
            )
            return bool(result.rowcount)

    def _decide(self, reminder_id: int) -> Decision | None:
        # Renews the claim first: a batch slower than the lease (a loaded machine) must not
        # let another process take a row over while this one is about to send it.
        if not self._finish(reminder_id, claimed_at=self.clock()):
            return None
        with self.database.session() as session:
            return decide(
                session,
                reminder_id=reminder_id,
                worker=self.options.worker,
                channels=self.senders.keys(),
                now=self.clock(),
                templates_root=self.options.templates_root,
            )

    def _mark_blocked(self, decision: Decision, reason: str) -> None:
        """Marks the member's chat blocked and plans a notice to the unit's directors."""
        now = self.clock()
        with self.database.session() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            session.execute(
                insert(CHAT_BLOCK)
                .values(
                    member_id=decision.member_id,
                    channel=decision.channel,
                    reason=reason[:200],
                    blocked_at=now,
                )
                .on_conflict_do_nothing(index_elements=["member_id", "channel"])
            )
            member = session.get(Member, decision.member_id)
            if member is None:
                return
            rows = [
                {
                    "period_id": decision.period_id,
                    "member_id": director,
                    "kind": f"{BLOCKED_PREFIX}{decision.member_id}",
                    "due_at": now,
                    "status": "planned",
                    "attempts": 0,
                    "created_at": now,
                }
                for director in directors_of(session, unit_id=member.unit_id)
                if director != decision.member_id
            ]
            if rows:
                session.execute(
                    insert(REMINDER).on_conflict_do_nothing(
                        index_elements=["period_id", "member_id", "kind"]
                    ),
                    rows,
                )

    # -- one row ---------------------------------------------------------------------------

    async def _handle(self, reminder_id: int, report: SweepReport) -> None:
        decision = await asyncio.to_thread(self._decide, reminder_id)
        if decision is None:
            return
        if decision.action == "drop":
            await asyncio.to_thread(
                self._finish, reminder_id, status="dropped", last_error=decision.reason
            )
            report.dropped += 1
            return
        if decision.action == "postpone":
            await asyncio.to_thread(
                self._finish,
                reminder_id,
                status="planned",
                due_at=decision.until,
                claimed_by=None,
                claimed_at=None,
                attempts=max(decision.attempts - 1, 0),
                # Marks it postponed: re-planning keeps the later time.
                last_error=f"postponed: {decision.reason}",
            )
            report.postponed += 1
            return
        if decision.action == "fail" or decision.message is None:
            await asyncio.to_thread(
                self._finish, reminder_id, status="failed", last_error=decision.reason
            )
            report.failed += 1
            return
        await self.limiter.wait(f"{decision.channel}:{decision.chat_id}")
        try:
            await self.senders[decision.channel].send(decision.chat_id, decision.message)
        except RetryLaterError as err:
            await self._retry(reminder_id, decision, err.seconds, str(err), report)
            return
        except UnreachableError as err:
            log.info("member %s blocked the bot: %s", decision.member_id, err)
            await asyncio.to_thread(
                self._finish, reminder_id, status="failed", last_error=f"blocked: {err}"[:500]
            )
            await asyncio.to_thread(self._mark_blocked, decision, str(err))
            report.blocked += 1
            return
        except SendFailedError as err:
            await asyncio.to_thread(
                self._finish, reminder_id, status="failed", last_error=str(err)[:500]
            )
            report.failed += 1
            return
        except Exception as err:  # any other failure of the sender: try again later
            log.exception("reminder %s not sent", reminder_id)
            await self._retry(reminder_id, decision, 60.0, repr(err), report)
            return
        await asyncio.to_thread(
            self._finish, reminder_id, status="sent", sent_at=self.clock(), last_error=None
        )
        report.sent += 1

    async def _retry(
        self,
        reminder_id: int,
        decision: Decision,
        seconds: float,
        reason: str,
        report: SweepReport,
    ) -> None:
        """Puts the row back for later, or fails it after too many attempts."""
        if decision.attempts >= self.options.max_attempts:
            await asyncio.to_thread(
                self._finish, reminder_id, status="failed", last_error=reason[:500]
            )
            report.failed += 1
            return
        await asyncio.to_thread(
            self._finish,
            reminder_id,
            status="planned",
            due_at=self.clock() + timedelta(seconds=max(seconds, 1.0)),
            claimed_by=None,
            claimed_at=None,
            last_error=reason[:500],
        )
        report.retried += 1

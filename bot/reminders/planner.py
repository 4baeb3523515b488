"""Planning: the reminder rows a period should have, upserted by their unique key.

Planning is idempotent and safe to run from several processes at once: rows are inserted
with ON CONFLICT DO NOTHING, and only rows still `planned` are moved or dropped (a row a
sweep has claimed, or already sent, is never touched). Run it whenever a deadline, a policy,
an assignment or progress changes; the sweep also runs it on every tick, so a change made
anywhere is picked up within one tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from bot.core.clock import VIETNAM
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, load_template
from bot.reminders.owed import blocked_members, directors_of, owed_by_member
from bot.reminders.policy import (
    BLOCKED_PREFIX,
    NUDGE,
    SUMMARY,
    default_policy,
    is_planned_kind,
    schedule,
)
from models import Period, Reminder, ReminderPolicy, require_id

NO_LONGER_NEEDED = "no longer needed"
REMINDER = Reminder.__table__  # type: ignore[attr-defined]


@dataclass
class PlanResult:
    """What one planning run changed."""

    inserted: int = 0
    moved: int = 0
    dropped: int = 0
    revived: int = 0

    def add(self, other: PlanResult) -> None:
        self.inserted += other.inserted
        self.moved += other.moved
        self.dropped += other.dropped
        self.revived += other.revived


def policy_of(session: Session, *, period_id: int) -> ReminderPolicy:
    """The period's policy, or the default one (not stored)."""
    found = session.exec(
        select(ReminderPolicy).where(ReminderPolicy.period_id == period_id)
    ).first()
    return found or default_policy(period_id)


def desired_rows(
    session: Session, *, period: Period, templates_root: Path = DEFAULT_TEMPLATES_DIR
) -> dict[tuple[int, str], datetime]:
    """(member id, kind) -> due time of every planned-kind reminder the period needs now."""
    if period.status != "open" or period.deadline is None:
        return {}
    times = schedule(policy_of(session, period_id=require_id(period)), period.deadline)
    if not times:
        return {}
    template = load_template(period.template_id, templates_root)
    blocked = blocked_members(session)
    wanted: dict[tuple[int, str], datetime] = {}
    for member_id in owed_by_member(session, period=period, template=template):
        if member_id in blocked:
            continue
        for kind, due in times.items():
            if kind != SUMMARY:
                wanted[(member_id, kind)] = due
    if SUMMARY in times:
        # Planned whatever is missing now; the sweep checks again when it is due.
        for director in directors_of(session, unit_id=period.unit_id):
            if director not in blocked:
                wanted[(director, SUMMARY)] = times[SUMMARY]
    return wanted


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, object]]) -> int:
    """Inserts rows; a key another process inserted meanwhile is left as it is."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(REMINDER).on_conflict_do_nothing(
        index_elements=["period_id", "member_id", "kind"]
    )
    session.execute(statement, rows)
    return len(rows)


def plan_period(
    session: Session,
    *,
    period: Period,
    now: datetime,
    templates_root: Path = DEFAULT_TEMPLATES_DIR,
) -> PlanResult:
    """Brings the period's planned-kind rows in line with its deadline, policy and progress.

    New reminders are planned only when still ahead: opening a period two days before its
    deadline does not send the "7 days before" one. A planned row already due (the bot was
    down) is kept for the sweep, which sends the latest one only.
    """
    result = PlanResult()
    period_id = require_id(period)
    wanted = desired_rows(session, period=period, templates_root=templates_root)
    if (
        not wanted
        and not session.exec(
            select(Reminder.id).where(
                Reminder.period_id == period_id,
                Reminder.status == "planned",
                col(Reminder.kind).not_in([NUDGE]),
                col(Reminder.kind).not_like(f"{BLOCKED_PREFIX}%"),
            )
        ).first()
    ):
        return result  # nothing to plan and nothing planned to drop
    existing = {
        (row.member_id, row.kind): row
        for row in session.exec(
            select(Reminder).where(
                Reminder.period_id == period_id,
                col(Reminder.kind).not_in([NUDGE]),
                col(Reminder.kind).not_like(f"{BLOCKED_PREFIX}%"),
            )
        ).all()
        if is_planned_kind(row.kind)
    }
    new_rows: list[dict[str, object]] = []
    for (member_id, kind), due in sorted(wanted.items(), key=lambda item: item[1]):
        row = existing.get((member_id, kind))
        if row is None:
            if due > now:
                new_rows.append(
                    {
                        "period_id": period_id,
                        "member_id": member_id,
                        "kind": kind,
                        "due_at": due,
                        "status": "planned",
                        "attempts": 0,
                        "created_at": now,
                    }
                )
            continue
        if row.status == "planned" and row.due_at != due:
            if due > now:
                result.moved += _guarded(session, row, status="planned", due_at=due)
            elif row.last_error is None:
                # Its time moved into the past (an earlier deadline): too late for it now.
                result.dropped += _guarded(session, row, status="dropped", last_error="passed")
            # Otherwise the sweep postponed it (quiet hours, flood control): keep its time.
        elif row.status == "dropped" and due > now:
            result.revived += _guarded(
                session,
                row,
                expected="dropped",
                status="planned",
                due_at=due,
                last_error=None,
                attempts=0,
            )
    result.inserted = _insert_ignoring_duplicates(session, new_rows)
    for key, row in sorted(existing.items(), key=lambda item: require_id(item[1])):
        if key not in wanted and row.status == "planned":
            result.dropped += _guarded(session, row, status="dropped", last_error=NO_LONGER_NEEDED)
    return result


def _guarded(
    session: Session, row: Reminder, *, expected: str = "planned", **values: object
) -> int:
    """Updates a row only if it is still in the `expected` state; 1 when it was."""
    result = session.execute(
        update(REMINDER)
        .where(REMINDER.c.id == row.id, REMINDER.c.status == expected)
        .values(**values)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def periods_to_plan(session: Session, *, now: datetime) -> list[Period]:
    """Open periods with a deadline that reminders can still concern (summary included)."""
    since = now.astimezone(VIETNAM).date() - timedelta(days=7)
    return list(
        session.exec(
            select(Period)
            .where(
                Period.status == "open",
                col(Period.deadline).is_not(None),
                col(Period.deadline) >= since,
            )
            .order_by(col(Period.id))
        ).all()
    )


def plan_all(
    session: Session, *, now: datetime, templates_root: Path = DEFAULT_TEMPLATES_DIR
) -> PlanResult:
    """Plans every open period (what the sweep runs on each tick)."""
    total = PlanResult()
    for period in periods_to_plan(session, now=now):
        total.add(plan_period(session, period=period, now=now, templates_root=templates_root))
    return total

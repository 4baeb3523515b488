"""What to do with a claimed reminder, decided just before it is sent: send it (to which
chat), postpone it to the allowed hours, drop it, or fail it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import exists, select
from sqlmodel import Session, col
from sqlmodel import select as sql_select

from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, load_template
from bot.reminders.messages import ReminderText, blocked_notice, director_summary, member_reminder
from bot.reminders.owed import owed_by, section_owners
from bot.reminders.planner import policy_of
from bot.reminders.policy import (
    BLOCKED_PREFIX,
    NUDGE,
    SUMMARY,
    allowed_now,
    deadline_end,
    is_planned_kind,
    next_allowed,
)
from bot.store.chats import chats_by_recency
from models import ChatBlock, Member, Period, Reminder


@dataclass(frozen=True)
class Decision:
    """What to do with a claimed row, decided just before sending."""

    action: Literal["send", "drop", "postpone", "fail"]
    reason: str = ""
    until: datetime | None = None
    channel: str = ""
    chat_id: str = ""
    message: ReminderText | None = None
    member_id: int = 0
    period_id: int = 0
    attempts: int = 0


def _superseded(session: Session, row: Reminder, now: datetime) -> bool:
    """Whether a later reminder of the same member and period is also due (after downtime)."""
    later = sql_select(Reminder.id).where(
        Reminder.period_id == row.period_id,
        Reminder.member_id == row.member_id,
        Reminder.id != row.id,
        col(Reminder.kind).not_in([SUMMARY, NUDGE]),
        col(Reminder.kind).not_like(f"{BLOCKED_PREFIX}%"),
        col(Reminder.due_at) > row.due_at,
        col(Reminder.due_at) <= now,
        col(Reminder.status).in_(["planned", "claimed", "sent"]),
    )
    return bool(session.execute(select(exists(later.subquery().select()))).scalar())


def decide(
    session: Session,
    *,
    reminder_id: int,
    worker: str,
    channels: Collection[str],
    now: datetime,
    templates_root: Path = DEFAULT_TEMPLATES_DIR,
) -> Decision | None:
    """Whether a claimed row is sent now, later, or no more, and to which chat (of those
    on `channels`, the one the member wrote from last that has not blocked the bot); None
    if the row is not ours."""
    row = session.get(Reminder, reminder_id)
    if row is None or row.status != "claimed" or row.claimed_by != worker:
        return None
    period = session.get(Period, row.period_id)
    member = session.get(Member, row.member_id)
    base = Decision(
        "drop", member_id=row.member_id, period_id=row.period_id, attempts=row.attempts
    )
    if period is None or member is None:
        return replace(base, action="drop", reason="period or member gone")
    if not member.active:
        return replace(base, action="drop", reason="member left the unit")
    policy = policy_of(session, period_id=row.period_id)
    if not allowed_now(policy, now):
        return replace(
            base, action="postpone", reason="quiet hours", until=next_allowed(policy, now)
        )
    chats = [
        chat
        for chat in chats_by_recency(session, member_ids=[row.member_id]).get(row.member_id, [])
        if chat.channel in channels
    ]
    if not chats:
        return replace(base, action="fail", reason=f"no chat on {', '.join(sorted(channels))}")
    blocked_on = set(
        session.exec(sql_select(ChatBlock.channel).where(ChatBlock.member_id == row.member_id))
    )
    chats.sort(key=lambda chat: chat.channel in blocked_on)  # stable: still the last used first
    base = replace(base, channel=chats[0].channel)
    chat_id = chats[0].external_id
    template = load_template(period.template_id, templates_root)

    if row.kind.startswith(BLOCKED_PREFIX):
        blocked = session.get(Member, int(row.kind.removeprefix(BLOCKED_PREFIX) or 0))
        name = blocked.display_name if blocked else "?"
        message = blocked_notice(template=template, name=name)
        return replace(base, action="send", chat_id=chat_id, message=message)

    if row.kind == SUMMARY:
        if period.status == "final" or period.deadline is None:
            return replace(base, action="drop", reason="report final")
        owners = section_owners(session, period=period, template=template)
        if not owners:
            return replace(base, action="drop", reason="nothing missing")
        ids = {p for people in owners.values() for p in people}
        names = dict(
            session.exec(
                sql_select(Member.id, Member.display_name).where(col(Member.id).in_(ids))
            ).all()
        )
        message = director_summary(
            template=template,
            year=period.year,
            deadline=period.deadline,
            owners=owners,
            names={k: v for k, v in names.items() if k is not None},
        )
        return replace(base, action="send", chat_id=chat_id, message=message)

    if period.status != "open":
        return replace(base, action="drop", reason=f"period {period.status}")
    if period.deadline is not None and now >= deadline_end(period.deadline):
        return replace(base, action="drop", reason="deadline passed")
    if period.deadline is None and row.kind != NUDGE:
        return replace(base, action="drop", reason="no deadline")
    if base.channel in blocked_on:
        return replace(base, action="drop", reason="blocked the bot")
    owed = owed_by(session, period=period, template=template, member_id=row.member_id)
    if not owed:
        return replace(base, action="drop", reason="nothing missing")
    if is_planned_kind(row.kind) and _superseded(session, row, now):
        return replace(base, action="drop", reason="superseded by a later reminder")
    message = member_reminder(
        kind=row.kind,
        template=template,
        year=period.year,
        deadline=period.deadline,
        sections=owed,
        now=now,
    )
    return replace(base, action="send", chat_id=chat_id, message=message)

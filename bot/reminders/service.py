"""What the director does with reminders in chat (and an operator from the command line).

Keyword-only functions that take the caller's session: see the schedule, change the
policy, nudge now, and list a period's reminders. Each change re-plans the period at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import Session, col, select

from bot.core.clock import VIETNAM
from bot.core.replies import TELEGRAM
from bot.core.text import year_text
from bot.questionnaire.loader import DEFAULT_TEMPLATES_DIR, load_template
from bot.reminders.messages import date_text
from bot.reminders.owed import blocked_members, owed_by_member
from bot.reminders.planner import PlanResult, plan_period, policy_of
from bot.reminders.policy import BLOCKED_PREFIX, NUDGE, next_allowed
from bot.texts import t
from models import ChatBlock, Member, Period, Reminder, ReminderPolicy, require_id

STATUSES = ("planned", "claimed", "sent", "failed", "dropped")


@dataclass(frozen=True)
class ScheduleEntry:
    """One reminder row as the director and the CLI see it."""

    id: int
    member_id: int
    member: str
    kind: str
    due_at: datetime
    status: str
    attempts: int
    sent_at: datetime | None
    last_error: str | None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: times as ISO 8601 with their offset (Vietnam time)."""
        return {
            "id": self.id,
            "member_id": self.member_id,
            "member": self.member,
            "kind": self.kind,
            "due_at": self.due_at.astimezone(VIETNAM).isoformat(),
            "status": self.status,
            "attempts": self.attempts,
            "sent_at": self.sent_at.astimezone(VIETNAM).isoformat() if self.sent_at else None,
            "last_error": self.last_error,
        }


def _period(session: Session, period_id: int) -> Period:
    period = session.get(Period, period_id)
    if period is None:
        raise LookupError(f"period {period_id}")
    return period


def schedule_entries(session: Session, *, period_id: int) -> list[ScheduleEntry]:
    """Every reminder row of a period, by due time."""
    rows = session.exec(
        select(Reminder, Member.display_name)
        .join(Member, col(Member.id) == col(Reminder.member_id))
        .where(Reminder.period_id == period_id)
        .order_by(col(Reminder.due_at), col(Reminder.id))
    ).all()
    return [
        ScheduleEntry(
            id=require_id(row),
            member_id=row.member_id,
            member=name,
            kind=row.kind,
            due_at=row.due_at,
            status=row.status,
            attempts=row.attempts,
            sent_at=row.sent_at,
            last_error=row.last_error,
        )
        for row, name in rows
    ]


def kind_text(kind: str) -> str:
    """before_3d -> "nhắc trước 3 ngày"."""
    if kind.startswith("before_") and kind.endswith("d"):
        return t("reminders.kind.before", days=kind.removeprefix("before_").removesuffix("d"))
    if kind.startswith(BLOCKED_PREFIX):
        return t("reminders.kind.blocked")
    return t(f"reminders.kind.{kind}")


def when_text(moment: datetime) -> str:
    """Thứ Năm 25/06/2026 08:00 (Vietnam time)."""
    local = moment.astimezone(VIETNAM)
    weekday = t(f"reminders.weekday.{local.weekday()}")
    return f"{weekday} {date_text(local.date())} {local:%H:%M}"


def _clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def policy_text(policy: ReminderPolicy) -> str:
    """The policy in one sentence: when, at what time, quiet hours, weekends."""
    if not policy.enabled:
        return t("reminders.schedule_off")
    common = {
        "time": _clock_text(policy.send_minute),
        "quiet_start": _clock_text(policy.quiet_start_minute),
        "quiet_end": _clock_text(policy.quiet_end_minute),
        "weekends": t("reminders.schedule_weekends") if policy.skip_weekends else "",
    }
    days = ", ".join(str(d) for d in sorted(policy.days_before, reverse=True))
    if not days:
        key = (
            "reminders.schedule_policy_due_day"
            if policy.on_due_day
            else "reminders.schedule_policy_none"
        )
        return t(key, **common)
    due_day = " " + t("reminders.schedule_due_day") if policy.on_due_day else ""
    return t("reminders.schedule_policy", days=days, due_day=due_day, **common)


def schedule_text(
    session: Session, *, period_id: int, templates_root: Path = DEFAULT_TEMPLATES_DIR
) -> str:
    """The director's view: the policy in words, then each reminder, when, to whom, state."""
    period = _period(session, period_id)
    template = load_template(period.template_id, templates_root)
    if period.deadline is None:
        return t("reminders.schedule_no_deadline")
    policy = policy_of(session, period_id=period_id)
    lines = [
        t(
            "reminders.schedule_title",
            report=template.name,
            year=year_text(period.year),
            deadline=date_text(period.deadline),
        )
    ]
    lines.append(policy_text(policy))
    entries = [e for e in schedule_entries(session, period_id=period_id) if e.status != "dropped"]
    if not entries:
        lines.append(t("reminders.schedule_empty"))
    for entry in entries:
        lines.append(
            t(
                "reminders.schedule_line",
                when=when_text(entry.sent_at or entry.due_at),
                who=entry.member,
                what=kind_text(entry.kind),
                status=t(f"reminders.status.{entry.status}"),
            )
        )
    return "\n".join(lines)


def _minute_of(text: str) -> int:
    """'08:00' or '8h' -> minutes after midnight."""
    cleaned = text.strip().lower().replace("h", ":").rstrip(":")
    hour, _, minute = cleaned.partition(":")
    value = int(hour) * 60 + int(minute or 0)
    if not 0 <= value < 24 * 60:
        raise ValueError(f"not a time of day: {text!r}")
    return value


def change_policy(
    session: Session,
    *,
    period_id: int,
    now: datetime,
    days_before: list[int] | None = None,
    on_due_day: bool | None = None,
    director_summary: bool | None = None,
    send_time: str | None = None,
    quiet_hours: tuple[str, str] | None = None,
    skip_weekends: bool | None = None,
    enabled: bool | None = None,
    templates_root: Path = DEFAULT_TEMPLATES_DIR,
) -> tuple[ReminderPolicy, PlanResult]:
    """Changes what is given (None keeps it), stores the policy and re-plans the period."""
    period = _period(session, period_id)
    policy = session.exec(
        select(ReminderPolicy).where(ReminderPolicy.period_id == period_id)
    ).first() or ReminderPolicy(period_id=period_id)
    if days_before is not None:
        if any(d < 1 or d > 60 for d in days_before):
            raise ValueError("days before the deadline must be 1-60")
        policy.days_before = sorted(set(days_before), reverse=True)
    if on_due_day is not None:
        policy.on_due_day = on_due_day
    if director_summary is not None:
        policy.director_summary = director_summary
    if send_time is not None:
        policy.send_minute = _minute_of(send_time)
    if quiet_hours is not None:
        policy.quiet_start_minute = _minute_of(quiet_hours[0])
        policy.quiet_end_minute = _minute_of(quiet_hours[1])
    if skip_weekends is not None:
        policy.skip_weekends = skip_weekends
    if enabled is not None:
        policy.enabled = enabled
    policy.updated_at = now
    session.add(policy)
    session.flush()
    return policy, plan_period(session, period=period, now=now, templates_root=templates_root)


def replan(
    session: Session,
    *,
    period_id: int,
    now: datetime,
    templates_root: Path = DEFAULT_TEMPLATES_DIR,
) -> PlanResult:
    """Re-plans a period after its deadline, an assignment or progress changed."""
    period = _period(session, period_id)
    return plan_period(session, period=period, now=now, templates_root=templates_root)


def nudge_now(
    session: Session,
    *,
    period_id: int,
    now: datetime,
    member_ids: list[int] | None = None,
    besides: int | None = None,
    templates_root: Path = DEFAULT_TEMPLATES_DIR,
) -> list[int]:
    """Plans an immediate reminder to everyone who still owes a section (or to those given).

    The next sweep sends it (after the quiet hours if it is night), so a nudge is recorded,
    rate-limited and sent once like any reminder. Returns the members nudged; a member with
    nothing missing, one who blocked the bot, and `besides` (the director pressing the
    button) are not nudged.
    """
    period = _period(session, period_id)
    template = load_template(period.template_id, templates_root)
    owed = owed_by_member(session, period=period, template=template)
    blocked = blocked_members(session)
    targets = [
        m
        for m in owed
        if m not in blocked and m != besides and (member_ids is None or m in set(member_ids))
    ]
    due = next_allowed(policy_of(session, period_id=period_id), now)
    for member_id in targets:
        row = session.exec(
            select(Reminder).where(
                Reminder.period_id == period_id,
                Reminder.member_id == member_id,
                Reminder.kind == NUDGE,
            )
        ).first()
        if row is None:
            row = Reminder(period_id=period_id, member_id=member_id, kind=NUDGE, due_at=due)
        elif row.status == "claimed":
            continue  # being sent right now
        row.status = "planned"
        row.due_at = due
        row.attempts = 0
        row.last_error = None
        row.sent_at = None
        row.claimed_by = None
        row.claimed_at = None
        session.add(row)
    session.flush()
    return targets


def mark_unblocked(session: Session, *, member_id: int, channel: str = TELEGRAM) -> bool:
    """Forgets a blocked chat (the person wrote to the bot again); True if it was blocked."""
    result = session.execute(
        delete(ChatBlock).where(
            col(ChatBlock.member_id) == member_id, col(ChatBlock.channel) == channel
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def counts(session: Session, *, period_id: int) -> dict[str, int]:
    """How many reminders of a period are in each state."""
    found = dict.fromkeys(STATUSES, 0)
    for entry in schedule_entries(session, period_id=period_id):
        found[entry.status] = found.get(entry.status, 0) + 1
    return found


def nudge_time(session: Session, *, period_id: int, now: datetime) -> datetime:
    """When a nudge planned now goes out: now, or the end of the quiet hours (or weekend)."""
    return next_allowed(policy_of(session, period_id=period_id), now)


# The choices of days before the deadline offered in chat; each also reminds on the day.
DAY_PRESETS: tuple[tuple[int, ...], ...] = ((7, 3, 1), (5, 2), ())


def preset_of(policy: ReminderPolicy) -> int | None:
    """The index of the preset the policy follows, or None (set otherwise, e.g. by the CLI)."""
    days = tuple(sorted(policy.days_before, reverse=True))
    if not policy.on_due_day:
        return None
    return next((i for i, preset in enumerate(DAY_PRESETS) if preset == days), None)


def preset_label(index: int) -> str:
    """ "7, 3, 1 ngày", or "Chỉ ngày hạn" for the preset without days before."""
    days = DAY_PRESETS[index]
    if not days:
        return t("reminders_desk.preset_due_day_only")
    return t("reminders_desk.preset_days", days=", ".join(str(d) for d in days))


@dataclass
class MemberSchedule:
    """One member's reminders of a period, counted by state."""

    member_id: int
    member: str
    planned: int = 0
    sent: int = 0
    failed: int = 0
    next_due: datetime | None = None


def schedule_by_member(session: Session, *, period_id: int) -> list[MemberSchedule]:
    """Planned (or being sent), sent and failed reminders per member, in order of first due."""
    found: dict[int, MemberSchedule] = {}
    for entry in schedule_entries(session, period_id=period_id):
        if entry.status == "dropped":
            continue
        row = found.setdefault(entry.member_id, MemberSchedule(entry.member_id, entry.member))
        if entry.status in ("planned", "claimed"):
            row.planned += 1
            if row.next_due is None or entry.due_at < row.next_due:
                row.next_due = entry.due_at
        elif entry.status == "sent":
            row.sent += 1
        elif entry.status == "failed":
            row.failed += 1
    return list(found.values())


def desk_text(
    session: Session, *, period_id: int, templates_root: Path = DEFAULT_TEMPLATES_DIR
) -> str:
    """The director's view in chat: the policy, then per member what is planned, sent, failed."""
    period = _period(session, period_id)
    template = load_template(period.template_id, templates_root)
    fields = {"report": template.name, "year": year_text(period.year)}
    if period.deadline is None:
        lines = [t("reminders_desk.title_no_deadline", **fields)]
    else:
        lines = [t("reminders.schedule_title", deadline=date_text(period.deadline), **fields)]
        lines.append(policy_text(policy_of(session, period_id=period_id)))
    if period.status != "open":
        lines.append(t("reminders_desk.period_closed"))
    members = schedule_by_member(session, period_id=period_id)
    blocked = blocked_members(session)
    if not members:
        lines.append(t("reminders.schedule_empty"))
    for row in members:
        parts = []
        if row.sent:
            parts.append(t("reminders_desk.sent", count=row.sent))
        if row.planned:
            planned = t("reminders_desk.planned", count=row.planned)
            if row.next_due is not None:
                planned += " " + t("reminders_desk.next", when=when_text(row.next_due))
            parts.append(planned)
        if row.failed:
            parts.append(t("reminders_desk.failed", count=row.failed))
        if row.member_id in blocked:
            parts.append(t("reminders_desk.blocked"))
        lines.append(t("reminders_desk.member_line", name=row.member, parts=" · ".join(parts)))
    return "\n".join(lines)

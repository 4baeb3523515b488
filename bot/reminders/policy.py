"""When reminders go out: the kinds of a period's policy, quiet hours and weekends.

Every time here is aware; local rules (08:00, 21:00-07:00, Saturday) are read in
Asia/Ho_Chi_Minh, whatever zone the datetime given is in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.core.clock import VIETNAM
from models import ReminderPolicy

DUE_DAY = "due_day"
SUMMARY = "director_summary"
NUDGE = "nudge"
BLOCKED_PREFIX = "blocked_"
SATURDAY = 5


def before_kind(days: int) -> str:
    """The kind of the reminder `days` days before the deadline: before_7d."""
    return f"before_{days}d"


def is_planned_kind(kind: str) -> bool:
    """Whether the planner owns rows of this kind (it may move or drop them).

    Nudges and blocked-chat notices are one-off rows the planner never touches.
    """
    return kind in (DUE_DAY, SUMMARY) or (kind.startswith("before_") and kind.endswith("d"))


def default_policy(period_id: int) -> ReminderPolicy:
    """7, 3 and 1 days before and on the day at 08:00, quiet 21:00-07:00, weekends allowed."""
    return ReminderPolicy(period_id=period_id)


def _minutes(moment: datetime) -> int:
    local = moment.astimezone(VIETNAM)
    return local.hour * 60 + local.minute


def _at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=VIETNAM)


def in_quiet_hours(policy: ReminderPolicy, moment: datetime) -> bool:
    """Whether no message may go out at `moment` (the window may span midnight)."""
    start, end = policy.quiet_start_minute, policy.quiet_end_minute
    if start == end:
        return False
    minute = _minutes(moment)
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def after_quiet_hours(policy: ReminderPolicy, moment: datetime) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (the next morning at 07:00)."""
    if not in_quiet_hours(policy, moment):
        return moment
    local = moment.astimezone(VIETNAM)
    day = local.date()
    if _minutes(local) >= policy.quiet_end_minute:
        day += timedelta(days=1)
    return _at(day, policy.quiet_end_minute)


def is_weekend(moment: datetime) -> bool:
    """Saturday or Sunday in Vietnam."""
    return moment.astimezone(VIETNAM).weekday() >= SATURDAY


def allowed_now(policy: ReminderPolicy, moment: datetime) -> bool:
    """Whether the policy lets a reminder go out at `moment`."""
    if in_quiet_hours(policy, moment):
        return False
    return not (policy.skip_weekends and is_weekend(moment))


def next_allowed(policy: ReminderPolicy, moment: datetime) -> datetime:
    """The first moment from `moment` on when a reminder may go out."""
    moment = after_quiet_hours(policy, moment)
    if policy.skip_weekends:
        while is_weekend(moment):
            monday = moment.astimezone(VIETNAM).date() + timedelta(days=1)
            moment = after_quiet_hours(policy, _at(monday, policy.quiet_end_minute))
    return moment


def _before_weekend(policy: ReminderPolicy, moment: datetime) -> datetime:
    """A weekend moment brought back to the Friday before, at the same time of day."""
    local = moment.astimezone(VIETNAM)
    while local.weekday() >= SATURDAY:
        local -= timedelta(days=1)
    return local


def deadline_end(deadline: date) -> datetime:
    """The end of the deadline day in Vietnam: a reminder after it is no longer useful."""
    return _at(deadline + timedelta(days=1), 0)


def schedule(policy: ReminderPolicy, deadline: date) -> dict[str, datetime]:
    """The due time of each kind of the policy, for a deadline.

    Member reminders in quiet hours move to the morning after; with weekends skipped they
    move back to the Friday before (so that they still come before the deadline), and when
    two land on the same day only the one nearer the deadline is kept. The director's
    summary goes out on the morning after the deadline (the Monday, weekends skipped).
    """
    times: dict[str, datetime] = {}
    if not policy.enabled:
        return times
    wanted = [(before_kind(d), deadline - timedelta(days=d)) for d in policy.days_before if d > 0]
    if policy.on_due_day:
        wanted.append((DUE_DAY, deadline))
    # Farthest from the deadline first, so a later one replaces an earlier one on a clash.
    wanted.sort(key=lambda item: item[1])
    by_day: dict[date, str] = {}
    for kind, day in wanted:
        moment = after_quiet_hours(policy, _at(day, policy.send_minute))
        if policy.skip_weekends and is_weekend(moment):
            moment = _before_weekend(policy, moment)
        if moment >= deadline_end(deadline):
            continue
        local_day = moment.astimezone(VIETNAM).date()
        if local_day in by_day:
            del times[by_day[local_day]]
        by_day[local_day] = kind
        times[kind] = moment
    if policy.director_summary:
        summary = _at(deadline + timedelta(days=1), policy.send_minute)
        times[SUMMARY] = next_allowed(policy, summary)
    return times

"""Reminders where the channel cannot send them: the terminal chat has no one to message.

Reminders and nudges are sent by the Telegram/Zalo bot's sweep. A director at the terminal
is told so, and a nudge there names who still owes a section instead of being queued for a
sender that is not running.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.questionnaire.schema import Template
from bot.reminders.owed import owed_by_member
from bot.texts import t
from models import Period


def desk_note(delivers_reminders: bool) -> list[str]:
    """The line added to the reminder desk when this channel sends no reminders."""
    return [] if delivers_reminders else [t("reach.desk_note")]


def nudge_here(
    session: Session, *, period: Period, template: Template, besides: int, names: dict[int, str]
) -> str:
    """What "nudge now" answers where nothing can send the nudge: who still owes a section."""
    owed = owed_by_member(session, period=period, template=template)
    missing = [names.get(member_id, "?") for member_id in owed if member_id != besides]
    if not missing:
        return t("reach.nobody_owes")
    return t("reach.nudge_elsewhere", count=len(missing), names=", ".join(missing))

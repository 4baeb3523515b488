"""One person, two chats: a one-time code shown in one chat, typed in another, links that
chat to the same member. Rights stay with the member, so a linked chat has exactly the
rights of the chat that showed the code."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, col, select

from bot.core.clock import now
from bot.core.digits import is_ascii_digits
from bot.store.database import table_of
from models import ChatIdentity, LinkCode, LinkFailure, Member, Unit

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=15)
# Wrong, expired or used codes a chat may type in FAILURE_WINDOW: with six digits and codes
# living 15 minutes, guessing one takes hundreds of thousands of tries.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)

_CODES = table_of(LinkCode)
_FAILURES = table_of(LinkFailure)
_IDENTITIES = table_of(ChatIdentity)


class LinkError(Exception):
    """A code that links nothing; `reason` ends a key of the catalogue (`link.<reason>`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Linked:
    """A chat just linked: its member now, and the chat that showed the code."""

    member: Member
    shown_channel: str
    shown_external_id: str


def new_code(session: Session, *, member_id: int, channel: str, external_id: str) -> LinkCode:
    """A fresh code for the member, shown in this chat; their earlier unused codes stop working."""
    moment = now()
    session.execute(delete(_CODES).where(_CODES.c.expires_at < moment))
    session.execute(
        delete(_CODES).where(_CODES.c.member_id == member_id, _CODES.c.used_at.is_(None))
    )
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if session.exec(select(LinkCode.id).where(LinkCode.code == code)).first() is None:
            break
    row = LinkCode(
        code=code,
        member_id=member_id,
        channel=channel,
        external_id=external_id,
        expires_at=moment + CODE_TTL,
    )
    session.add(row)
    session.flush()
    return row


def redeem_code(
    session: Session, *, code: str, channel: str, external_id: str, current: Member | None
) -> Linked:
    """Links the chat (channel, external_id) to the member whose code was typed.

    `current` is the chat's member now, if any. A chat of a real unit's member is never
    taken over: two people's work (answers, assignments, the audit trail) cannot be merged
    by a code, so that member is asked to leave first; a demo account, or one whose member
    was removed, simply moves over.
    """
    moment = now()
    if _failures(session, channel=channel, external_id=external_id, since=moment) >= (
        MAX_FAILURES
    ):
        raise LinkError("too_many")
    typed = "".join(code.split())
    row = None
    if len(typed) == CODE_DIGITS and is_ascii_digits(typed):
        row = session.exec(select(LinkCode).where(LinkCode.code == typed)).first()
    owner = session.get(Member, row.member_id) if row is not None else None
    if row is None or owner is None or not owner.active:
        raise _failed(session, "unknown", channel=channel, external_id=external_id)
    if row.used_at is not None:
        raise _failed(session, "used", channel=channel, external_id=external_id)
    if row.expires_at <= moment:
        raise _failed(session, "expired", channel=channel, external_id=external_id)
    if current is not None and current.id == owner.id:
        raise LinkError("already")
    if current is not None and current.active and not _in_demo(session, current):
        raise LinkError("taken")
    _use(session, row, moment)
    if current is None:
        session.execute(
            insert(_IDENTITIES).values(
                member_id=owner.id, channel=channel, external_id=external_id, created_at=moment
            )
        )
    else:
        session.execute(
            update(_IDENTITIES)
            .where(_IDENTITIES.c.channel == channel, _IDENTITIES.c.external_id == external_id)
            .values(member_id=owner.id)
        )
    return Linked(owner, row.channel, row.external_id)


def _use(session: Session, row: LinkCode, moment: datetime) -> None:
    """Marks the code used, if nobody used it meanwhile.

    One conditional UPDATE, as for invites: of two chats typing the same code at once, the
    second one's UPDATE waits for the first one's and then matches no row.
    """
    usable = (_CODES.c.id == row.id) & _CODES.c.used_at.is_(None) & (_CODES.c.expires_at > moment)
    result = session.execute(update(_CODES).where(usable).values(used_at=moment))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkError("used")


def _failures(session: Session, *, channel: str, external_id: str, since: datetime) -> int:
    """The chat's failures in the window before `since`."""
    start = since - FAILURE_WINDOW
    count = session.execute(
        select(func.count())
        .select_from(_FAILURES)
        .where(
            _FAILURES.c.channel == channel,
            _FAILURES.c.external_id == external_id,
            _FAILURES.c.failed_at > start,
        )
    ).scalar_one()
    return int(count)


def _failed(session: Session, reason: str, *, channel: str, external_id: str) -> LinkError:
    """Records a wrong code typed in the chat (older records are pruned) and says why."""
    moment = now()
    session.execute(delete(_FAILURES).where(_FAILURES.c.failed_at <= moment - FAILURE_WINDOW))
    session.execute(
        insert(_FAILURES).values(channel=channel, external_id=external_id, failed_at=moment)
    )
    return LinkError(reason)


def _in_demo(session: Session, member: Member) -> bool:
    unit = session.get(Unit, member.unit_id)
    return bool(unit and unit.is_demo)


def unlink(session: Session, *, member_id: int, identity_ids: list[int]) -> int:
    """Detaches these chats from the member (never the last one); how many were detached."""
    remaining = session.exec(
        select(func.count()).select_from(ChatIdentity).where(ChatIdentity.member_id == member_id)
    ).one()
    if not identity_ids or remaining <= len(identity_ids):
        return 0
    result = session.execute(
        delete(_IDENTITIES).where(
            _IDENTITIES.c.member_id == member_id, col(_IDENTITIES.c.id).in_(identity_ids)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]

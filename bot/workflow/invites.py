"""Invite codes: a link per role that joins a unit, expires and can be revoked."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from bot.core.clock import now
from bot.store import queries as store
from bot.texts import t
from bot.workflow.access import Role
from models import Invite, Member, RemovedAccount

DIRECTOR_INVITE_TTL = timedelta(days=14)
STAFF_INVITE_TTL = timedelta(days=7)
# Telegram's deep-link parameter allows A-Z, a-z, 0-9, _ and - (up to 64 characters).
CODE_BYTES = 12


class InviteError(Exception):
    """An invite that cannot be used; `reason` is a key of the Vietnamese catalogue."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Joined:
    """The result of redeeming an invite."""

    member: Member
    already_member: bool


def create_invite(
    session: Session,
    *,
    unit_id: int,
    role: Role,
    created_by: int | None,
    single_use: bool | None = None,
    ttl: timedelta | None = None,
) -> Invite:
    """A new invite code; the director's is single-use, a staff link serves many people."""
    if single_use is None:
        single_use = role is not Role.STAFF
    if ttl is None:
        ttl = DIRECTOR_INVITE_TTL if role is Role.DIRECTOR else STAFF_INVITE_TTL
    invite = Invite(
        code=secrets.token_urlsafe(CODE_BYTES),
        unit_id=unit_id,
        role=role,
        single_use=single_use,
        created_by=created_by,
        expires_at=now() + ttl,
    )
    session.add(invite)
    session.flush()
    return invite


def invite_link(bot_username: str, code: str) -> str:
    """The t.me deep link that opens the bot with `/start <code>`."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def usable_invite(session: Session, code: str) -> Invite:
    """The invite behind a code, or InviteError saying why it cannot be used."""
    if not code or len(code) > 64:
        raise InviteError("unknown")
    invite = session.exec(select(Invite).where(Invite.code == code)).first()
    if invite is None:
        raise InviteError("unknown")
    if invite.revoked_at is not None:
        raise InviteError("revoked")
    if invite.expires_at <= now():
        raise InviteError("expired")
    if invite.single_use and invite.uses > 0:
        raise InviteError("used")
    return invite


def redeem(
    session: Session,
    *,
    code: str,
    channel: str,
    external_id: str,
    display_name: str,
    current: Member | None,
) -> Joined:
    """Joins the unit of an invite; a member of another unit cannot switch by a code."""
    invite = usable_invite(session, code)
    if current is not None:
        if current.unit_id == invite.unit_id:
            return Joined(current, already_member=True)
        if not _is_demo_member(session, current):
            raise InviteError("other_unit")
    unit = store.unit_by_id(session, unit_id=invite.unit_id)
    if unit is None:
        raise InviteError("unknown")
    if _removed_since(session, invite, channel=channel, external_id=external_id):
        raise InviteError("removed")
    _use(session, invite)
    if current is not None:
        # A demo user joining a real unit leaves the demo behind.
        store.unlink_identity(session, channel=channel, external_id=external_id)
    member = store.add_member(
        session,
        unit=unit,
        display_name=display_name or t("member_name.unnamed"),
        role=invite.role,
        channel=channel,
        external_id=external_id,
    )
    return Joined(member, already_member=False)


def _use(session: Session, invite: Invite) -> None:
    """Counts a use of the invite, if it can still be used when this transaction writes.

    One conditional UPDATE rather than a check then an increment: of two people opening a
    single-use invite at once, the second one's UPDATE waits for the first one's and then
    matches no row (PostgreSQL re-checks the condition on the row as committed), so only
    one joins; likewise an invite revoked meanwhile.
    """
    table = Invite.__table__  # type: ignore[attr-defined]
    usable = (
        (table.c.id == invite.id)
        & table.c.revoked_at.is_(None)
        & (table.c.expires_at > now())
        & (table.c.single_use.is_(False) | (table.c.uses == 0))
    )
    result = session.execute(update(table).where(usable).values(uses=table.c.uses + 1))
    if result.rowcount == 1:  # type: ignore[attr-defined]
        session.expire(invite, ["uses"])
        return
    # Changed since it was read: say why, from the row as it is now.
    session.refresh(invite)
    usable_invite(session, invite.code)
    raise InviteError("used")


def _removed_since(session: Session, invite: Invite, *, channel: str, external_id: str) -> bool:
    """Whether this chat account was removed from the invite's unit after the invite was made."""
    removed = session.exec(
        select(RemovedAccount.removed_at).where(
            RemovedAccount.unit_id == invite.unit_id,
            RemovedAccount.channel == channel,
            RemovedAccount.external_id == external_id,
        )
    ).first()
    return removed is not None and invite.created_at <= removed


def revoke(session: Session, *, invite_id: int, unit_id: int) -> bool:
    """Revokes an invite of the unit; False when there is no such invite in that unit."""
    invite = session.get(Invite, invite_id)
    if invite is None or invite.unit_id != unit_id:
        return False
    if invite.revoked_at is None:
        invite.revoked_at = now()
        session.add(invite)
    return True


def active_invites(session: Session, *, unit_id: int) -> list[Invite]:
    """The unit's invites that can still be used."""
    rows = session.exec(
        select(Invite).where(Invite.unit_id == unit_id, Invite.revoked_at == None)  # noqa: E711
    ).all()
    moment = now()
    return [i for i in rows if i.expires_at > moment and not (i.single_use and i.uses)]


def _is_demo_member(session: Session, member: Member) -> bool:
    unit = store.unit_by_id(session, unit_id=member.unit_id)
    return bool(unit and unit.is_demo)

"""Members leaving a unit or changing role: who may do it to whom, and what follows."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core.clock import now
from bot.store import queries as store
from bot.workflow.access import Role, role_of
from models import Assignment, ChatIdentity, Member, Period, RemovedAccount


class MemberError(Exception):
    """A removal or role change that cannot be done; `reason` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def removable_by(actor: Member, target: Member) -> bool:
    """The director removes anyone else; a deputy removes staff only."""
    if target.id == actor.id or target.unit_id != actor.unit_id or not target.active:
        return False
    if role_of(actor) is Role.DIRECTOR:
        return True
    return role_of(actor) is Role.DEPUTY and role_of(target) is Role.STAFF


def remove_member(
    session: Session, *, target_id: int, unit_id: int, actor: Member | None
) -> Member:
    """Marks a member as gone, unlinks their chats and takes back their open assignments.

    Their chat accounts are kept out of the unit's existing invites (a staff link serves
    many people and outlives one of them leaving); a new invite lets them back in.
    Their answers stay, with their name on them, in the reports and the audit trail.
    `actor` None is an operator at the command line.
    """
    target = store.member_by_id(session, member_id=target_id)
    if target is None or target.unit_id != unit_id or not target.active:
        raise MemberError("no_member")
    if actor is not None and not removable_by(actor, target):
        raise MemberError("not_allowed")
    target.active = False
    session.add(target)
    for identity in session.exec(select(ChatIdentity).where(ChatIdentity.member_id == target_id)):
        _keep_out(session, unit_id=unit_id, member_id=target_id, identity=identity)
        session.delete(identity)
    open_periods = select(Period.id).where(Period.unit_id == unit_id, Period.status != "final")
    rows = session.exec(
        select(Assignment).where(
            Assignment.member_id == target_id,
            Assignment.period_id.in_(open_periods),  # type: ignore[attr-defined]
        )
    )
    for row in rows:
        session.delete(row)
    session.flush()
    return target


def _keep_out(session: Session, *, unit_id: int, member_id: int, identity: ChatIdentity) -> None:
    """Records the removed chat account: invites made before now no longer let it back in."""
    found = session.exec(
        select(RemovedAccount).where(
            RemovedAccount.unit_id == unit_id,
            RemovedAccount.channel == identity.channel,
            RemovedAccount.external_id == identity.external_id,
        )
    ).first()
    if found is None:
        found = RemovedAccount(
            unit_id=unit_id,
            member_id=member_id,
            channel=identity.channel,
            external_id=identity.external_id,
        )
    found.member_id = member_id
    found.removed_at = now()
    session.add(found)


def role_changeable_by(actor: Member, target: Member) -> bool:
    """The director changes the role of anyone else in the unit who is not a director."""
    return (
        role_of(actor) is Role.DIRECTOR
        and actor.active
        and target.id != actor.id
        and target.unit_id == actor.unit_id
        and target.active
        and role_of(target) is not Role.DIRECTOR
    )


def change_role(
    session: Session, *, target_id: int, unit_id: int, role: Role, actor: Member | None
) -> tuple[Member, Role]:
    """Gives a member another role; returns the member and the role they had.

    In chat (an `actor`) the director moves people between staff and deputy; an operator at
    the command line (`actor` None) may also make someone director, for a handover.
    Assignments stay: a new deputy keeps the sections they were writing.
    """
    target = store.member_by_id(session, member_id=target_id)
    if target is None or target.unit_id != unit_id or not target.active:
        raise MemberError("no_member")
    if actor is not None and (not role_changeable_by(actor, target) or role is Role.DIRECTOR):
        raise MemberError("not_allowed")
    previous = role_of(target)
    target.role = role
    session.add(target)
    session.flush()
    return target, previous

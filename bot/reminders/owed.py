"""Who owes what: the unfinished sections of a period and the members they wait for.

A section is finished when its SectionProgress row says so. An unfinished section waits for
the active members it is assigned to; a section assigned to nobody (or only to people who
left) is the director's.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.questionnaire.schema import Template
from models import (
    Assignment,
    ChatBlock,
    ChatIdentity,
    Member,
    Period,
    Role,
    SectionProgress,
    require_id,
)


def finished_section_ids(session: Session, *, period_id: int) -> set[str]:
    """The ids of the period's sections marked finished."""
    rows = session.exec(
        select(SectionProgress.section_id).where(
            SectionProgress.period_id == period_id, col(SectionProgress.finished).is_(True)
        )
    ).all()
    return set(rows)


def directors_of(session: Session, *, unit_id: int) -> list[int]:
    """The active directors of a unit, oldest first."""
    rows = session.exec(
        select(Member.id)
        .where(
            Member.unit_id == unit_id, Member.role == Role.DIRECTOR, col(Member.active).is_(True)
        )
        .order_by(col(Member.id))
    ).all()
    return [member_id for member_id in rows if member_id is not None]


def section_owners(
    session: Session, *, period: Period, template: Template
) -> dict[str, list[int]]:
    """Every unfinished top section, in the template's order, with who must finish it."""
    period_id = require_id(period)
    finished = finished_section_ids(session, period_id=period_id)
    assigned: dict[str, list[int]] = {}
    rows = session.exec(
        select(Assignment.section_id, Assignment.member_id)
        .join(Member, col(Member.id) == col(Assignment.member_id))
        .where(Assignment.period_id == period_id, col(Member.active).is_(True))
        .order_by(col(Assignment.id))
    ).all()
    for section_id, member_id in rows:
        assigned.setdefault(section_id, []).append(member_id)
    directors: list[int] | None = None
    owners: dict[str, list[int]] = {}
    for section in template.sections:
        if section.id in finished:
            continue
        people = assigned.get(section.id)
        if not people:
            if directors is None:
                directors = directors_of(session, unit_id=period.unit_id)
            people = directors
        owners[section.id] = list(dict.fromkeys(people))
    return owners


def owed_by_member(
    session: Session, *, period: Period, template: Template
) -> dict[int, list[str]]:
    """Member id -> the unfinished sections they must still finish, in the template's order."""
    owed: dict[int, list[str]] = {}
    for section_id, people in section_owners(session, period=period, template=template).items():
        for member_id in people:
            owed.setdefault(member_id, []).append(section_id)
    return owed


def blocked_members(session: Session) -> set[int]:
    """Members every chat of whom refused our messages (one linked chat still reaches them)."""
    blocked: dict[int, set[str]] = {}
    for member_id, channel in session.exec(select(ChatBlock.member_id, ChatBlock.channel)):
        blocked.setdefault(member_id, set()).add(channel)
    if not blocked:
        return set()
    chats = session.exec(
        select(ChatIdentity.member_id, ChatIdentity.channel).where(
            col(ChatIdentity.member_id).in_(blocked)
        )
    )
    reachable = {member_id for member_id, channel in chats if channel not in blocked[member_id]}
    return set(blocked) - reachable


def owed_by(session: Session, *, period: Period, template: Template, member_id: int) -> list[str]:
    """The unfinished sections one member must still finish (a query for that member only)."""
    period_id = require_id(period)
    finished = finished_section_ids(session, period_id=period_id)
    mine = set(
        session.exec(
            select(Assignment.section_id).where(
                Assignment.period_id == period_id, Assignment.member_id == member_id
            )
        ).all()
    )
    if member_id in directors_of(session, unit_id=period.unit_id):
        covered = set(
            session.exec(
                select(Assignment.section_id)
                .join(Member, col(Member.id) == col(Assignment.member_id))
                .where(Assignment.period_id == period_id, col(Member.active).is_(True))
                .distinct()
            ).all()
        )
        mine |= {s.id for s in template.sections if s.id not in covered}
    return [s.id for s in template.sections if s.id in mine and s.id not in finished]

"""Data functions over the tables (the ORM): keyword-only, each taking the caller's session."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from bot.core.clock import now
from bot.questionnaire.answers import clean_name
from bot.store import hot_path
from bot.texts import t
from models import (
    Answer,
    Assignment,
    ChatIdentity,
    ConfirmedCheck,
    Conversation,
    Member,
    Period,
    Role,
    SectionProgress,
    Unit,
    require_id,
)


def member_by_identity(session: Session, *, channel: str, external_id: str) -> Member | None:
    """The member behind a chat account, if any."""
    statement = (
        select(Member)
        .join(ChatIdentity, col(ChatIdentity.member_id) == col(Member.id))
        .where(ChatIdentity.channel == channel, ChatIdentity.external_id == external_id)
    )
    return session.exec(statement).first()


def create_unit(session: Session, **fields: Any) -> Unit:
    """A new unit."""
    unit = Unit(**fields)
    session.add(unit)
    session.flush()
    return unit


def add_member(
    session: Session,
    *,
    unit: Unit,
    display_name: str,
    role: Role | str,
    channel: str | None = None,
    external_id: str | None = None,
) -> Member:
    """A new member of a unit, linked to a chat account when one is given; the name is
    kept without controls or invisible characters (it reaches the report)."""
    name = clean_name(display_name) or t("member_name.unnamed")
    member = Member(unit_id=unit.id, display_name=name, role=Role(role))  # type: ignore[arg-type]
    session.add(member)
    session.flush()
    if channel and external_id:
        session.add(
            ChatIdentity(member_id=member.id, channel=channel, external_id=external_id)  # type: ignore[arg-type]
        )
        session.flush()
    return member


def open_period(
    session: Session,
    *,
    unit: Unit,
    template_id: str,
    template_version: int,
    year: str,
    report_date: date | None = None,
    deadline: date | None = None,
    term: int | None = None,
) -> Period:
    """A new open reporting period."""
    period = Period(
        unit_id=unit.id,  # type: ignore[arg-type]
        template_id=template_id,
        template_version=template_version,
        year=year,
        term=term,
        report_date=report_date,
        deadline=deadline,
    )
    session.add(period)
    session.flush()
    return period


def current_period(session: Session, *, unit_id: int) -> Period | None:
    """The unit's most recent period that is not final."""
    statement = (
        select(Period)
        .where(Period.unit_id == unit_id, Period.status != "final")
        .order_by(col(Period.id).desc())
    )
    return session.exec(statement).first()


def answers_of(session: Session, *, period_id: int) -> dict[str, Answer]:
    """Every stored answer of a period by question id."""
    rows = session.exec(select(Answer).where(Answer.period_id == period_id)).all()
    return {row.question_id: row for row in rows}


def answer_values(session: Session, *, period_id: int) -> tuple[dict[str, Any], set[str]]:
    """The stored values of a period by question id, and the ids skipped on purpose.

    Reads plain columns rather than ORM objects: every event needs this, and building
    an `Answer` per row was most of the engine's cost per message.
    """
    rows = session.exec(
        select(Answer.question_id, Answer.value, Answer.skipped).where(
            Answer.period_id == period_id
        )
    ).all()
    values = {question_id: value for question_id, value, skipped in rows if not skipped}
    return values, {question_id for question_id, _, skipped in rows if skipped}


def save_answer(
    session: Session,
    *,
    period_id: int,
    question_id: str,
    value: Any,
    member_id: int | None,
    skipped: bool = False,
    source: str | None = None,
) -> None:
    """Stores an answer and records the change in the audit trail (with its `source` when
    it was not typed in chat), through the one writer `hot_path.write_answer`."""
    session.flush()
    found = session.exec(
        select(Answer.id, Answer.value).where(
            Answer.period_id == period_id, Answer.question_id == question_id
        )
    ).first()
    hot_path.write_answer(
        session,
        period_id=period_id,
        question_id=question_id,
        value=value,
        member_id=member_id,
        skipped=skipped,
        exists=found is not None,
        old=found[1] if found else None,
        source=source,
    )
    if found is not None:
        # The row was written past the ORM: a copy already loaded must be read again.
        loaded = session.identity_map.get(identity_key(Answer, found[0]))
        if loaded is not None:
            session.expire(loaded)


def conversation_of(session: Session, *, member_id: int) -> Conversation:
    """The member's conversation, created empty on first use."""
    found = session.exec(select(Conversation).where(Conversation.member_id == member_id)).first()
    if found is None:
        found = Conversation(member_id=member_id, state={})
        session.add(found)
        session.flush()
    return found


def finished_sections(session: Session, *, period_id: int) -> set[str]:
    """The ids of the top sections marked finished."""
    rows = session.exec(
        select(SectionProgress).where(
            SectionProgress.period_id == period_id, col(SectionProgress.finished).is_(True)
        )
    ).all()
    return {row.section_id for row in rows}


def set_section_finished(
    session: Session, *, period_id: int, section_id: str, member_id: int | None, finished: bool
) -> None:
    """Marks a top section finished (or reopened)."""
    row = session.exec(
        select(SectionProgress).where(
            SectionProgress.period_id == period_id, SectionProgress.section_id == section_id
        )
    ).first()
    if row is None:
        row = SectionProgress(period_id=period_id, section_id=section_id)
    row.finished = finished
    row.finished_by = member_id if finished else None
    row.finished_at = now() if finished else None
    session.add(row)


def confirmed_checks(session: Session, *, period_id: int) -> set[str]:
    """Keys of the failed checks someone chose to keep."""
    rows = session.exec(select(ConfirmedCheck).where(ConfirmedCheck.period_id == period_id))
    return {row.check_key for row in rows.all()}


def confirm_checks(
    session: Session, *, period_id: int, keys: list[str], member_id: int | None
) -> None:
    """Records failed checks as kept on purpose."""
    known = confirmed_checks(session, period_id=period_id)
    for key in keys:
        if key not in known:
            session.add(ConfirmedCheck(period_id=period_id, check_key=key, member_id=member_id))
    session.flush()


# -- units, members and assignments (the director's workflow) -----------------------------


def unit_by_id(session: Session, *, unit_id: int) -> Unit | None:
    """A unit by id."""
    return session.get(Unit, unit_id)


def period_by_id(session: Session, *, period_id: int) -> Period | None:
    """A period by id."""
    return session.get(Period, period_id)


def member_by_id(session: Session, *, member_id: int) -> Member | None:
    """A member by id."""
    return session.get(Member, member_id)


def unlink_identity(session: Session, *, channel: str, external_id: str) -> None:
    """Detaches a chat account from its member (the member and their answers stay)."""
    identity = session.exec(
        select(ChatIdentity).where(
            ChatIdentity.channel == channel, ChatIdentity.external_id == external_id
        )
    ).first()
    if identity is not None:
        session.delete(identity)
        session.flush()


def members_of(session: Session, *, unit_id: int) -> list[Member]:
    """The unit's active members, director first."""
    order = {Role.DIRECTOR: 0, Role.DEPUTY: 1, Role.STAFF: 2}
    rows = session.exec(
        select(Member).where(Member.unit_id == unit_id, col(Member.active).is_(True))
    ).all()
    return sorted(rows, key=lambda m: (order.get(m.role, 3), require_id(m)))


def identities_of(session: Session, *, member_ids: list[int]) -> dict[int, list[ChatIdentity]]:
    """The chat accounts of members, by member id."""
    found: dict[int, list[ChatIdentity]] = {}
    if not member_ids:
        return found
    rows = session.exec(
        select(ChatIdentity).where(col(ChatIdentity.member_id).in_(member_ids))
    ).all()
    for row in rows:
        found.setdefault(row.member_id, []).append(row)
    return found


def latest_period(session: Session, *, unit_id: int) -> Period | None:
    """The unit's newest period, final or not."""
    return session.exec(
        select(Period).where(Period.unit_id == unit_id).order_by(col(Period.id).desc())
    ).first()


def periods_of(session: Session, *, unit_id: int) -> list[Period]:
    """Every period of a unit, newest first."""
    return list(
        session.exec(
            select(Period).where(Period.unit_id == unit_id).order_by(col(Period.id).desc())
        ).all()
    )


def assignments_of(session: Session, *, period_id: int) -> list[Assignment]:
    """Every assignment of a period."""
    return list(session.exec(select(Assignment).where(Assignment.period_id == period_id)).all())


def section_progress(session: Session, *, period_id: int) -> dict[str, SectionProgress]:
    """The progress rows of a period by section id."""
    rows = session.exec(
        select(SectionProgress).where(SectionProgress.period_id == period_id)
    ).all()
    return {row.section_id: row for row in rows}


def answer_rows(session: Session, *, period_id: int) -> list[Answer]:
    """Every answer row of a period (with author and time)."""
    return list(session.exec(select(Answer).where(Answer.period_id == period_id)).all())

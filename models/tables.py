"""The database tables: units, members, reporting periods, answers and conversations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from bot.core.clock import now
from models.types import AwareDateTime, Role, RoleColumn


def _timestamp(**kwargs: Any) -> Any:
    """An aware timestamp column defaulting to now."""
    return Field(default_factory=now, sa_column=Column(AwareDateTime(), **kwargs))


class Unit(SQLModel, table=True):
    """An education unit that writes reports (a centre, a school, a district office)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    parent_body: str = ""
    place: str = Field(description="Place name of the date line, e.g. 'Phú Nhuận'.")
    address: str = ""
    phone: str = ""
    signer_title: str = Field(default="Giám đốc", description="Title of whoever signs.")
    signer_name: str = ""
    on_behalf_of: str | None = Field(
        default=None,
        description="The head's title a deputy signs for: 'Giám đốc' prints 'KT. GIÁM ĐỐC'.",
    )
    number_prefix: str = Field(
        default="", description="Ký hiệu after the number ('BC-TTGDTX'); blank: the report's."
    )
    recipients: list[str] | None = Field(default=None, sa_column=Column(JSON))
    is_demo: bool = False
    # The unit its reports go up to (a school's Phòng GD&ĐT, a Phòng's Sở).
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    created_at: datetime = _timestamp(nullable=False)


class Member(SQLModel, table=True):
    """A person of a unit, with a role: director, deputy or staff."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    display_name: str
    role: Role = Field(default=Role.STAFF, sa_type=RoleColumn, nullable=False)
    active: bool = Field(default=True, description="False once removed from the unit.")
    created_at: datetime = _timestamp(nullable=False)


class ChatIdentity(SQLModel, table=True):
    """A member's account on a chat channel (Telegram user id, terminal user)."""

    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    channel: str
    external_id: str
    created_at: datetime = _timestamp(nullable=False)


class Period(SQLModel, table=True):
    """A reporting period: one report of one kind for one unit, year and term."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    template_id: str
    template_version: int = 1
    # The hash of the questionnaire text the period was opened with (see TemplateVersion).
    template_hash: str | None = None
    year: str = Field(description="School year, e.g. '2020-2021'.")
    term: int | None = None
    deadline: date | None = None
    report_date: date | None = None
    document_number: str | None = None
    status: str = Field(default="open", description="open | closed | final")
    opened_by: int | None = Field(default=None, foreign_key="member.id")
    finalized_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    created_at: datetime = _timestamp(nullable=False)
    # A child unit's period opened by its parent's consolidating period.
    parent_period_id: int | None = Field(default=None, foreign_key="period.id", index=True)
    # The report kind this period asks of the unit's children (None: it collects nothing).
    collect_template_id: str | None = None
    # Changes to its answers, finished sections and kept checks, counted by database
    # triggers (models/revisions.py), never by the application.
    revision: int = Field(default=0, sa_column_kwargs={"server_default": text("0")})


class FigureAdjustment(SQLModel, table=True):
    """A consolidated figure the parent's director set by hand, with the note the draft shows.

    `target` is a question id ("graduates") or a table cell ("primary.schools.public").
    """

    __table_args__ = (UniqueConstraint("period_id", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id", index=True)
    target: str
    value: str
    note: str
    member_id: int | None = Field(default=None, foreign_key="member.id")
    adjusted_at: datetime = _timestamp(nullable=False)


class Answer(SQLModel, table=True):
    """The current answer to one question of a period (a skipped question has no value)."""

    # Its UNIQUE index starts with period_id: it serves the period's reads (and its foreign
    # key), and no index of its own costs a page more per new answer.
    __table_args__ = (UniqueConstraint("period_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id")
    question_id: str
    value: Any = Field(default=None, sa_column=Column(JSON))
    skipped: bool = False
    author_id: int | None = Field(default=None, foreign_key="member.id")
    updated_at: datetime = _timestamp(nullable=False)


class AnswerChange(SQLModel, table=True):
    """The audit trail: every change to an answer, who made it and when."""

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id", index=True)
    question_id: str
    member_id: int | None = Field(default=None, foreign_key="member.id")
    old_value: Any = Field(default=None, sa_column=Column(JSON))
    new_value: Any = Field(default=None, sa_column=Column(JSON))
    source: str | None = Field(
        default=None,
        description="Not typed in chat: 'file:NAME' (an answers file), 'spreadsheet:NAME'.",
    )
    changed_at: datetime = _timestamp(nullable=False)


class SectionProgress(SQLModel, table=True):
    """Whether a top-level section of a period has been reviewed and finished."""

    # Its UNIQUE index, starting with period_id, serves the period's reads.
    __table_args__ = (UniqueConstraint("period_id", "section_id"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id")
    section_id: str
    finished: bool = False
    finished_by: int | None = Field(default=None, foreign_key="member.id")
    finished_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    # The director sent the section back to its authors with a comment ("Revising").
    returned_comment: str | None = None
    returned_by: int | None = Field(default=None, foreign_key="member.id")
    returned_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))
    # After the report is final, answers are locked unless the director reopens the section.
    reopened: bool = False


class ConfirmedCheck(SQLModel, table=True):
    """A failed consistency check the person answering chose to keep."""

    # Its UNIQUE index, starting with period_id, serves the period's reads.
    __table_args__ = (UniqueConstraint("period_id", "check_key"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id")
    check_key: str
    member_id: int | None = Field(default=None, foreign_key="member.id")
    confirmed_at: datetime = _timestamp(nullable=False)


class Conversation(SQLModel, table=True):
    """Where a member is in the questionnaire: survives restarts, lasts for days."""

    __table_args__ = (UniqueConstraint("member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    period_id: int | None = Field(default=None, foreign_key="period.id")
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _timestamp(nullable=False)
    # The chat account the member wrote from last: reminders and notices go there. Written
    # with the state, so knowing it costs no statement of its own.
    identity_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("chatidentity.id", ondelete="SET NULL")),
    )


class ProcessedEvent(SQLModel, table=True):
    """An incoming event already handled (a redelivered update changes nothing twice), and
    the replies it got (sent again when it is delivered again).

    An id counts as handled only for a while after `processed_at` (see
    `bot.store.processed_events.claim_event`); older rows are pruned, oldest id first (no
    index on the time: one page less written per event).
    """

    __table_args__ = (UniqueConstraint("channel", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str
    event_id: str
    processed_at: datetime = _timestamp(nullable=False)
    # Plain replies to the sender (`bot.conversation.transaction.keep_replies`), written by
    # the event's own transaction into the row its claim wrote: no page of their own.
    replies: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON()))


class Assignment(SQLModel, table=True):
    """A top section of a period given to a member (several may share one)."""

    __table_args__ = (UniqueConstraint("period_id", "section_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id", index=True)
    section_id: str
    member_id: int = Field(foreign_key="member.id", index=True)
    assigned_by: int | None = Field(default=None, foreign_key="member.id")
    assigned_at: datetime = _timestamp(nullable=False)


class RemovedAccount(SQLModel, table=True):
    """A chat account whose member was removed from a unit: older invites no longer let it in."""

    __table_args__ = (
        UniqueConstraint("unit_id", "channel", "external_id", name="uq_removedaccount_account"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    member_id: int = Field(foreign_key="member.id")
    channel: str
    external_id: str
    removed_at: datetime = _timestamp(nullable=False)


class Invite(SQLModel, table=True):
    """An invite code that joins a unit with a role; it expires and can be revoked."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: Role = Field(sa_type=RoleColumn, nullable=False)
    single_use: bool = True
    uses: int = 0
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = _timestamp(nullable=False)
    expires_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime()))


class CarriedAnswer(SQLModel, table=True):
    """Last period's answer offered as the starting point of a question marked `carry`."""

    __table_args__ = (UniqueConstraint("period_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="period.id", index=True)
    question_id: str
    value: Any = Field(default=None, sa_column=Column(JSON))
    source_period_id: int = Field(foreign_key="period.id")


class TemplateVersion(SQLModel, table=True):
    """A report kind's questionnaire text as a period was opened with it, by its hash, so
    the period keeps its questions after the kind's file is edited or removed."""

    digest: str = Field(primary_key=True)
    template_id: str = Field(index=True)
    text: str = Field(sa_column=Column(Text(), nullable=False))
    created_at: datetime = _timestamp(nullable=False)

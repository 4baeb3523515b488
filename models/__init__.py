"""Database tables of baocao (SQLModel)."""

from models.tables import (
    Answer,
    AnswerChange,
    Assignment,
    CarriedAnswer,
    ChatIdentity,
    ConfirmedCheck,
    Conversation,
    Invite,
    Member,
    Period,
    ProcessedEvent,
    SectionProgress,
    Unit,
)

__all__ = [
    "Answer",
    "AnswerChange",
    "Assignment",
    "CarriedAnswer",
    "ChatIdentity",
    "ConfirmedCheck",
    "Conversation",
    "Invite",
    "Member",
    "Period",
    "ProcessedEvent",
    "SectionProgress",
    "Unit",
]

"""Database tables of baocao (SQLModel)."""

from models.tables import (
    Answer,
    AnswerChange,
    ChatIdentity,
    ConfirmedCheck,
    Conversation,
    Member,
    Period,
    ProcessedEvent,
    SectionProgress,
    Unit,
)

__all__ = [
    "Answer",
    "AnswerChange",
    "ChatIdentity",
    "ConfirmedCheck",
    "Conversation",
    "Member",
    "Period",
    "ProcessedEvent",
    "SectionProgress",
    "Unit",
]

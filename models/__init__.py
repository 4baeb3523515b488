"""Database tables of baocao (SQLModel)."""

from models.attempts import EventAttempt
from models.reminders import ChatBlock, Reminder, ReminderPolicy, SectorDeadline
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
    "ChatBlock",
    "ChatIdentity",
    "ConfirmedCheck",
    "Conversation",
    "EventAttempt",
    "Invite",
    "Member",
    "Period",
    "ProcessedEvent",
    "Reminder",
    "ReminderPolicy",
    "SectionProgress",
    "SectorDeadline",
    "Unit",
]

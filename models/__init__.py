"""Database tables of baocao (SQLModel)."""

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
    TemplateVersion,
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
    "Invite",
    "Member",
    "Period",
    "ProcessedEvent",
    "Reminder",
    "ReminderPolicy",
    "SectionProgress",
    "SectorDeadline",
    "TemplateVersion",
    "Unit",
]

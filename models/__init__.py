"""Database tables of baocao (SQLModel)."""

from models.attempts import EventAttempt
from models.choices import ShownChoices
from models.draft_links import DraftLink
from models.ids import UnsavedRowError, require_id
from models.links import LinkCode, LinkFailure
from models.reminders import ChatBlock, Reminder, ReminderPolicy, SectorDeadline
from models.tables import (
    Answer,
    AnswerChange,
    Assignment,
    CarriedAnswer,
    ChatIdentity,
    ConfirmedCheck,
    Conversation,
    FigureAdjustment,
    Invite,
    Member,
    Period,
    ProcessedEvent,
    RemovedAccount,
    SectionProgress,
    TemplateVersion,
    Unit,
)
from models.types import Role

__all__ = [
    "Answer",
    "AnswerChange",
    "Assignment",
    "CarriedAnswer",
    "ChatBlock",
    "ChatIdentity",
    "ConfirmedCheck",
    "Conversation",
    "DraftLink",
    "EventAttempt",
    "FigureAdjustment",
    "Invite",
    "LinkCode",
    "LinkFailure",
    "Member",
    "Period",
    "ProcessedEvent",
    "Reminder",
    "ReminderPolicy",
    "RemovedAccount",
    "Role",
    "SectionProgress",
    "SectorDeadline",
    "ShownChoices",
    "TemplateVersion",
    "Unit",
    "UnsavedRowError",
    "require_id",
]

"""The director's desk in chat: open a period, assign sections, follow progress, invite
people, return a section, mark the report final, reopen a locked section, see and change
the reminder schedule, the unit's settings and its child units.

One module per area; `router.Desk` hands each command, button and typed text to its area.
The desk is typed against `bot.conversation.surface.DeskTurn`, never against the engine.
"""

from bot.conversation.desk.core import lead_ids, notices, replan_reminders
from bot.conversation.desk.router import Desk

__all__ = ["Desk", "lead_ids", "notices", "replan_reminders"]

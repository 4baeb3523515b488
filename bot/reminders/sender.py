"""The seam between reminders and a chat service: a small sender interface.

The sweep knows only `ReminderSender`; each channel's edge (handlers/) implements it, and
tests and the bench use fakes at this seam.
"""

from __future__ import annotations

from typing import Protocol

from bot.reminders.messages import ReminderText


class RetryLaterError(Exception):
    """The service asks us to wait (flood control) or could not be reached."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds


class UnreachableError(Exception):
    """The person blocked the bot (or deleted their account): never retry."""


class SendFailedError(Exception):
    """The service refused the message for good (unknown chat, malformed message)."""


class ReminderSender(Protocol):
    """Delivers one reminder to one chat of its channel."""

    channel: str

    async def send(self, chat_id: str, message: ReminderText) -> None:
        """Sends the message; raises RetryLaterError, UnreachableError or SendFailedError."""
        ...

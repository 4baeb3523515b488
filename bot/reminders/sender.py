"""The seam between reminders and a chat service: a small sender interface, and Telegram's.

The sweep knows only `ReminderSender`; tests and the bench use fakes at this seam.
"""

from __future__ import annotations

from typing import Protocol

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram import CHANNEL, keyboard_of
from bot.reminders.messages import ReminderText

# Seconds before another attempt after a network failure.
NETWORK_RETRY = 60.0


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


class TelegramSender:
    """Sends reminders with the application's PTB bot."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: str, message: ReminderText) -> None:
        """One plain-text message with the continue button."""
        try:
            await self.bot.send_message(
                chat_id=int(chat_id), text=message.text, reply_markup=keyboard_of(message.buttons)
            )
        except RetryAfter as err:
            retry = err.retry_after
            seconds = retry if isinstance(retry, int | float) else retry.total_seconds()
            raise RetryLaterError(float(seconds), f"RetryAfter {seconds}") from err
        except Forbidden as err:
            raise UnreachableError(str(err)) from err
        except BadRequest as err:
            # Before NetworkError: PTB makes BadRequest a subclass of it.
            raise SendFailedError(str(err)) from err
        except NetworkError as err:
            raise RetryLaterError(NETWORK_RETRY, str(err)) from err
        except TelegramError as err:
            raise SendFailedError(str(err)) from err

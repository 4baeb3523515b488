"""Telegram's reminder sender: `bot.reminders.sender.ReminderSender` over the PTB bot."""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.reminders.messages import ReminderText
from bot.reminders.sender import RetryLaterError, SendFailedError, UnreachableError
from handlers.telegram.adapter import CHANNEL, keyboard_of, send_text

# Seconds before another attempt after a network failure.
NETWORK_RETRY = 60.0


class TelegramSender:
    """Sends reminders with the application's PTB bot."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: str, message: ReminderText) -> None:
        """One plain-text message with the continue button."""
        try:
            await send_text(self.bot, int(chat_id), message.text, keyboard_of(message.buttons))
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

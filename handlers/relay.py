"""Notices for a chat on another channel: an event on Telegram may notify a Zalo chat."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.core.replies import Notice
from bot.reminders.messages import ReminderText
from bot.reminders.sender import ReminderSender, RetryLaterError, SendFailedError, UnreachableError

log = logging.getLogger(__name__)

# Hands a notice addressed to another channel to that channel's sender.
Relay = Callable[[Notice], Awaitable[None]]


class NoticeRelay:
    """Delivers notices through the reminder senders of the channels that run, by name."""

    def __init__(self) -> None:
        self.senders: dict[str, ReminderSender] = {}

    async def __call__(self, notice: Notice) -> None:
        sender = self.senders.get(notice.channel)
        if sender is None:
            log.info("notice for a %s chat not delivered: that channel is off", notice.channel)
            return
        try:
            await sender.send(notice.external_id, ReminderText(notice.text, notice.buttons))
        except (RetryLaterError, SendFailedError, UnreachableError) as err:
            # A notice is a courtesy; the member sees the change in the chat anyway.
            log.info("notice not delivered to a %s chat: %s", notice.channel, err)

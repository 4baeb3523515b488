"""Notices for a chat on another channel go through that channel's sender."""

from __future__ import annotations

from bot.core.replies import Button, Notice
from bot.reminders.messages import ReminderText
from bot.reminders.sender import UnreachableError
from handlers.relay import NoticeRelay


class RecordingSender:
    """A channel's sender that records what it was asked to send."""

    def __init__(self, channel: str, *, refuse: bool = False) -> None:
        self.channel = channel
        self.refuse = refuse
        self.sent: list[tuple[str, ReminderText]] = []

    async def send(self, chat_id: str, message: ReminderText) -> None:
        if self.refuse:
            raise UnreachableError("the bot was blocked")
        self.sent.append((chat_id, message))


NOTICE = Notice("zalo", "z-42", "Phần 2 đã được giao cho bạn.", [[Button("0:resume", "Làm")]])


async def test_a_notice_goes_to_the_sender_of_its_channel_only() -> None:
    relay = NoticeRelay()
    zalo, telegram = RecordingSender("zalo"), RecordingSender("telegram")
    relay.senders.update(zalo=zalo, telegram=telegram)
    await relay(NOTICE)
    assert zalo.sent == [("z-42", ReminderText(NOTICE.text, NOTICE.buttons))]
    assert telegram.sent == []


async def test_a_channel_that_is_off_or_refuses_drops_the_notice_quietly() -> None:
    relay = NoticeRelay()
    await relay(NOTICE)  # no Zalo running: nothing raised
    relay.senders["zalo"] = RecordingSender("zalo", refuse=True)
    await relay(NOTICE)  # the member blocked the bot on Zalo: nothing raised

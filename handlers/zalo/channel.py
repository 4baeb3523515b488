"""Zalo at the edge: updates become neutral events; neutral replies become plain text.

Zalo has no buttons, no editing and no file upload: choices are drawn as numbered lines
(`bot.conversation.numbered`) and the choices shown last in each chat turn a typed number
or the choice's words back into a press. Those choices are kept in the database (read
again after a restart: a "2" typed then still picks the second choice shown) with a copy
in memory; documents go out as their link and a preview photo. A message is identified
by its `message_id` (Zalo has no update ids), claimed through the engine's processed
events, so a message delivered twice is handled once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.exc import OperationalError

from bot.conversation import numbered
from bot.conversation.engine import ConversationEngine
from bot.conversation.events import Attachment, Incoming, Sender, parse_typed
from bot.core.replies import DocumentReply, Notice, Outgoing, Reply
from bot.store import shown_choices
from bot.texts import t
from handlers import waiting
from handlers.relay import NoticeRelay, Relay
from handlers.zalo.client import ZaloClient, ZaloError

log = logging.getLogger(__name__)

CHANNEL = "zalo"
# Characters of one Zalo message.
TEXT_LIMIT = 2000
# Seconds of work after which the chat shows "typing…".
TYPING_AFTER = 1.0

_ATTACHMENTS = {
    "message.image.received": "photo",
    "message.sticker.received": "sticker",
    "message.unsupported.received": "other",
}
TEXT_EVENT = "message.text.received"


@dataclass(frozen=True)
class Inbound:
    """What the channel reads of an update: its chat, sender, message id and event."""

    chat_id: str
    sender: Sender
    message_id: str | None
    event: Incoming | None  # None: an event kind the bot cannot read
    empty: bool = False


def _text(value: Any) -> str | None:
    """An id or a name as text: Zalo sends strings, a number is tolerated."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def read_update(update: Any) -> Inbound | None:
    """The update narrowed once; None when it has no private chat to answer."""
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict):
        return None
    chat = message.get("chat")
    chat = chat if isinstance(chat, dict) else {}
    person = message.get("from")
    person = person if isinstance(person, dict) else {}
    chat_id = _text(chat.get("id")) or _text(person.get("id"))
    if chat_id is None or str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE":
        return None
    name = _text(person.get("display_name")) or _text(person.get("first_name")) or ""
    # A private chat's id stands for the person: replies, notices and reminders go there.
    sender = Sender(CHANNEL, chat_id, name)
    message_id = _text(message.get("message_id"))
    name_of_event = update.get("event_name")
    event: Incoming | None = None
    if name_of_event == TEXT_EVENT or (name_of_event is None and "text" in message):
        text = message.get("text")
        if not isinstance(text, str) or not text.strip():
            return Inbound(chat_id, sender, message_id, None, empty=True)
        event = parse_typed(text)
    elif name_of_event in _ATTACHMENTS:
        event = Attachment(_ATTACHMENTS[str(name_of_event)])
    return Inbound(chat_id, sender, message_id, event)


def _resolve(stored: asyncio.Future[bool] | None, value: bool) -> None:
    """Tells whoever waits whether the message was stored (the first word counts)."""
    if stored is not None and not stored.done():
        stored.set_result(value)


def compose(replies: Sequence[Outgoing]) -> list[Outgoing]:
    """A text without choices joins the next text: one message per turn where it fits."""
    composed: list[Outgoing] = []
    for reply in replies:
        previous = composed[-1] if composed else None
        if isinstance(reply, Reply) and isinstance(previous, Reply) and not previous.buttons:
            composed[-1] = Reply(f"{previous.text}\n\n{reply.text}", reply.buttons)
        else:
            composed.append(reply)
    return composed


class ZaloChannel:
    """Carries Zalo updates to the engine and draws its replies as plain text."""

    def __init__(
        self,
        engine: ConversationEngine,
        client: ZaloClient,
        *,
        time_limit: float,
        typing_after: float = TYPING_AFTER,
    ) -> None:
        self.engine = engine
        self.client = client
        # Where notices for chats on other channels go (set when several channels run).
        self.relay: Relay = NoticeRelay()
        self.time_limit = time_limit
        self.typing_after = typing_after
        # chat id -> the choices its newest message offered (a copy of the database's).
        self.choices: dict[str, list[numbered.Choice]] = {}

    async def handle(self, update: Any, stored: asyncio.Future[bool] | None = None) -> None:
        """Hands one update to the engine and sends what it answers.

        `stored` is resolved as soon as the message is in the database (True), or could not
        be stored (False), before the replies go out: the webhook answers Zalo on it.
        """
        inbound = read_update(update)
        if inbound is None:
            log.info("Zalo update without a private chat ignored: %.200r", update)
            return
        chat_id = inbound.chat_id
        if inbound.empty or inbound.event is None:
            key = "zalo.empty" if inbound.empty else "zalo.unknown_event"
            if inbound.event is None and not inbound.empty:
                log.info("unknown Zalo event %r", update.get("event_name"))
            await self.say(chat_id, t(key))
            return
        if numbered.asks_for_commands(inbound.event):
            await self.say(chat_id, numbered.commands_text())
            return
        event = numbered.interpret(inbound.event, await self.shown(chat_id))
        typing = asyncio.create_task(self.typing(chat_id))
        try:
            try:
                replies = await asyncio.to_thread(
                    partial(
                        self.engine.handle,
                        inbound.sender,
                        event,
                        event_id=inbound.message_id,
                        defer=True,
                    )
                )
            except OperationalError as err:
                log.error("Zalo message %s not saved: %s", inbound.message_id, err)
                _resolve(stored, False)
                replies = [Reply(t("zalo.not_saved"))]
            _resolve(stored, True)
            replies = await self.run_jobs(replies)
        finally:
            typing.cancel()
        try:
            await self.deliver(chat_id, replies)
        except ZaloError as err:
            # Stored: "try again" would make the retyped answer the next one.
            log.error("Zalo message %s stored, replies not sent: %s", inbound.message_id, err)
            asked = [reply.text for reply in replies if isinstance(reply, Reply)]
            text = t("zalo.saved_not_sent") + (f"\n\n{asked[-1]}" if asked else "")
            with suppress(ZaloError):
                await self.say(chat_id, text)

    async def typing(self, chat_id: str) -> None:
        """ "typing…" once the answer takes longer than a moment (a draft, an audit)."""
        await asyncio.sleep(self.typing_after)
        with suppress(ZaloError):
            await self.client.send_chat_action(chat_id)

    async def run_jobs(self, replies: Sequence[Outgoing]) -> list[Outgoing]:
        """The replies with each heavy job replaced by its result, or by why there is none."""
        return await waiting.run_jobs(replies, self.time_limit, "zalo")

    async def deliver(self, chat_id: str, replies: Sequence[Outgoing]) -> None:
        """Sends the replies in order; the choices of the last reply are remembered."""
        for reply in compose(replies):
            if isinstance(reply, DocumentReply):
                await self.send_document(chat_id, reply)
            elif isinstance(reply, Notice):
                if reply.channel == CHANNEL:
                    with suppress(ZaloError):
                        await self.send_reply(reply.external_id, Reply(reply.text, reply.buttons))
                else:
                    await self.relay(reply)
            elif isinstance(reply, Reply):
                await self.send_reply(chat_id, reply)
            else:
                raise TypeError("heavy jobs are run before their replies are delivered")

    async def shown(self, chat_id: str) -> list[numbered.Choice]:
        """The choices the chat was shown last: from memory, else from the database."""
        if chat_id not in self.choices:
            recall = partial(
                shown_choices.recall, self.engine.database, channel=CHANNEL, external_id=chat_id
            )
            try:
                kept = await asyncio.to_thread(recall)
            except OperationalError as err:
                # The engine will meet the same trouble and say the message was not saved.
                log.warning("choices shown in Zalo chat %s not read: %s", chat_id, err)
                return []
            self.choices[chat_id] = [numbered.Choice(*choice) for choice in kept]
        return self.choices[chat_id]

    async def remember(self, chat_id: str, choices: list[numbered.Choice]) -> None:
        """Keeps the choices about to be shown, durably when they changed.

        Written before the message is sent: a restart right after it still knows them.
        """
        if self.choices.get(chat_id) == choices:
            return
        kept = [(choice.number, choice.code, choice.label) for choice in choices]
        self.choices[chat_id] = choices
        remember = partial(
            shown_choices.remember,
            self.engine.database,
            channel=CHANNEL,
            external_id=chat_id,
            choices=kept,
        )
        try:
            await asyncio.to_thread(remember)
        except OperationalError as err:
            # The reply still goes out; only a restart before the next one forgets them.
            log.warning("choices shown in Zalo chat %s kept in memory only: %s", chat_id, err)

    async def send_reply(self, chat_id: str, reply: Reply) -> None:
        """A reply as plain text, its choices numbered; a long one in several messages."""
        text, choices = numbered.render(reply)
        await self.remember(chat_id, choices)
        await self.say(chat_id, text)

    async def send_document(self, chat_id: str, document: DocumentReply) -> None:
        """Zalo takes no files: the caption with the draft's link, and its preview photo."""
        if document.link:
            text = f"{document.caption}\n\n{t('zalo.draft_link', link=document.link)}"
        else:
            text = f"{document.caption}\n\n{t('zalo.draft_no_link')}"
        await self.remember(chat_id, [])
        await self.say(chat_id, text)
        if document.preview_url:
            try:
                await self.client.send_photo(chat_id, document.preview_url)
            except ZaloError as err:
                log.warning("draft preview not sent to %s: %s", chat_id, err)

    async def say(self, chat_id: str, text: str) -> None:
        """Plain text, cut at 2 000 characters on paragraph boundaries."""
        for chunk in numbered.split_message(text, TEXT_LIMIT):
            await self.client.send_message(chat_id, chunk)

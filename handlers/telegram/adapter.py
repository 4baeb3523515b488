"""Telegram at the edge: updates become neutral events; neutral replies become Bot API calls.

Nothing here decides anything about the conversation. An update is narrowed once into a
`Sender` and an `Incoming` event, the engine answers in its writer thread (which commits the
events of a moment together before giving back their replies, so every answer is stored
before anything is sent), and the replies are drawn as plain-text messages with inline
buttons (`handlers.telegram.drawing`) and sent as raw Bot API calls
(`handlers.telegram.calls`). Plain text means nothing the user typed can be read as markup.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from functools import partial
from typing import Any

from sqlalchemy.exc import OperationalError
from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.conversation import heavy
from bot.conversation.engine import ConversationEngine
from bot.conversation.events import (
    Attachment,
    ButtonPress,
    Command,
    Incoming,
    Sender,
    parse_typed,
)
from bot.conversation.group_commit import GroupCommit, NotSavedError
from bot.core.digits import is_ascii_digits
from bot.core.replies import TELEGRAM, DocumentReply, HeavyJob, Notice, Outgoing, Reply
from bot.texts import t
from handlers import waiting
from handlers.relay import NoticeRelay, Relay
from handlers.telegram.calls import (
    RETRY_DELAY,
    SEND_ATTEMPTS,
    answer_query,
    edit_text,
    send_text,
    with_retries,
)
from handlers.telegram.drawing import compose, keyboard_of, split_caption, split_text
from handlers.telegram.files import with_document_data
from handlers.telegram.typing_indicator import TYPING_AFTER, Typing

log = logging.getLogger(__name__)

CHANNEL = TELEGRAM
# Where the application keeps its TelegramChannel, in `bot_data`.
CHANNEL_KEY = "channel"

# The draft, known long work, shows "typing…" at once: /duthao, or its button (the engine's
# codes are "<step>:<action>"; the engine still checks the code).
DRAFT_COMMAND = "duthao"
DRAFT_BUTTON = re.compile(r"^\d+:draft$")

# Message fields that are not text, most specific first: an animation also fills
# `document`, and a video note is shown to the user as a video.
_ATTACHMENT_FIELDS = (
    ("sticker", "sticker"),
    ("photo", "photo"),
    ("voice", "voice"),
    ("video_note", "video"),
    ("animation", "video"),
    ("video", "video"),
    ("audio", "audio"),
    ("document", "document"),
)


# -- updates to neutral events ------------------------------------------------------------


def sender_of(update: Update) -> Sender | None:
    """The person behind an update, or None for channel posts and other bots."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    return Sender(CHANNEL, str(user.id), user.full_name)


def attachment_kind(message: Message) -> str:
    """What a non-text message carries, in the engine's words (photo, sticker, …)."""
    for field, kind in _ATTACHMENT_FIELDS:
        if getattr(message, field):
            return kind
    return "other"


def event_of(update: Update) -> Incoming | None:
    """The neutral event of an update: a press, a typed line, or an attachment."""
    query = update.callback_query
    if query is not None:
        # The code is passed on as it came: the engine checks it against the current step.
        return ButtonPress(query.data) if query.data else None
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return parse_typed(message.text)
    kind = attachment_kind(message)
    file_name = message.document.file_name if kind == "document" and message.document else None
    return Attachment(kind, file_name=file_name)


def is_private(update: Update) -> bool:
    """Whether the update comes from a one-to-one chat with the bot."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def asks_for_draft(event: Incoming) -> bool:
    """Whether the event asks for the draft (/duthao or its button)."""
    if isinstance(event, Command):
        return event.name == DRAFT_COMMAND
    return isinstance(event, ButtonPress) and DRAFT_BUTTON.match(event.code) is not None


class TelegramChannel:
    """Carries updates to the engine and draws its replies in the chat."""

    def __init__(
        self,
        engine: ConversationEngine,
        *,
        typing_after: float = TYPING_AFTER,
        attempts: int = SEND_ATTEMPTS,
        retry_delay: float = RETRY_DELAY,
        time_limit: float = heavy.TIME_LIMIT,
    ) -> None:
        self.engine = engine
        self.commits = GroupCommit(engine)
        self.time_limit = time_limit
        # Where notices for chats on other channels go (set when several channels run).
        self.relay: Relay = NoticeRelay()
        self.typing_after = typing_after
        self.attempts = attempts
        self.retry_delay = retry_delay

    async def handle(self, update: Update, bot: Bot) -> None:
        """Hands the update to the engine, then delivers what it answers."""
        chat = update.effective_chat
        sender = sender_of(update)
        event = event_of(update)
        query = update.callback_query
        if chat is None or sender is None or event is None or not is_private(update):
            if query is not None:
                await self.acknowledge(bot, query)
            return
        if isinstance(event, Attachment):
            event = await with_document_data(bot, update, event)
        delay = 0 if asks_for_draft(event) else self.typing_after
        # A press is acknowledged while the engine works: the button's progress indicator
        # stops sooner, and the call overlaps the engine's commit instead of following it.
        # It is still made before any reply is sent.
        acknowledged = (
            asyncio.create_task(self.acknowledge(bot, query)) if query is not None else None
        )
        try:
            async with Typing(bot, chat.id, after=delay):
                # The engine's writer thread commits this event with those that came at
                # the same moment (bot.conversation.group_commit); the loop stays free.
                try:
                    replies = await self.commits.handle(
                        sender, event, event_id=str(update.update_id)
                    )
                except (OperationalError, NotSavedError) as err:
                    # Read-only, full, locked or gone: nothing of this event was stored.
                    log.error("update %s not saved: %s", update.update_id, err)
                    replies = [Reply(t("telegram.not_saved"))]
                # Committed: the draft or audit now runs in a worker, the database is free.
                replies = await self.run_jobs(replies)
        finally:
            if acknowledged is not None:
                await acknowledged
        pressed = None
        if query is not None and isinstance(query.message, Message):
            pressed = query.message
        try:
            await self.deliver(bot, chat.id, replies, pressed=pressed)
        except Forbidden:
            log.info("chat %s has blocked the bot; its replies are dropped", chat.id)
        except TelegramError as err:
            # The event is stored: "try again" would make the retyped answer the next one.
            log.error("update %s stored but its replies not sent: %s", update.update_id, err)
            await self.tell_saved(bot, chat.id, replies)

    async def tell_saved(self, bot: Bot, chat_id: int, replies: Sequence[Outgoing]) -> None:
        """Says the message was saved though its reply failed, and what is asked next."""
        asked = [reply.text for reply in replies if isinstance(reply, Reply)]
        text = t("telegram.saved_not_sent")
        if asked:
            text = f"{text}\n\n{asked[-1]}"
        try:
            await self.say(bot, chat_id, text)
        except TelegramError as err:
            log.error("chat %s not told its message was saved: %s", chat_id, err)

    async def run_jobs(self, replies: Sequence[Outgoing]) -> list[Outgoing]:
        """The replies with each heavy job replaced by its result, or by why there is none."""
        return await waiting.run_jobs(replies, self.time_limit, "telegram")

    async def acknowledge(self, bot: Bot, query: CallbackQuery) -> None:
        """Stops the button's progress indicator; an expired query is not an error."""
        try:
            await self._call(partial(answer_query, bot, query.id))
        except TelegramError as err:
            log.info("callback query %s not answered: %s", query.id, err)

    async def deliver(
        self, bot: Bot, chat_id: int, replies: Sequence[Outgoing], *, pressed: Message | None
    ) -> None:
        """Sends the replies in order; a replacing reply edits the pressed message."""
        edited = False
        for reply in compose(replies):
            if isinstance(reply, DocumentReply):
                await self.send_document(bot, chat_id, reply)
                continue
            if isinstance(reply, Notice):
                await self.send_notice(bot, reply)
                continue
            if isinstance(reply, HeavyJob):
                raise TypeError("heavy jobs are run before their replies are delivered")
            if reply.replace and pressed is not None and not edited:
                edited = True
                if await self.edit(bot, pressed, reply):
                    continue
            await self.send_reply(bot, chat_id, reply)

    async def send_notice(self, bot: Bot, notice: Notice) -> None:
        """A message for another member's private chat; one who blocked the bot is skipped."""
        if notice.channel != CHANNEL:
            await self.relay(notice)
            return
        if not is_ascii_digits(notice.external_id.lstrip("-")):
            return
        try:
            await self.send_reply(bot, int(notice.external_id), Reply(notice.text, notice.buttons))
        except Forbidden as err:
            log.info("notice not delivered to %s: %s", notice.external_id, err)

    async def send_reply(self, bot: Bot, chat_id: int, reply: Reply) -> None:
        """Sends a reply as one message or more; the buttons go under the last."""
        chunks = split_text(reply.text)
        if not chunks:
            log.warning("an empty reply was not sent to chat %s", chat_id)
            return
        keyboard = keyboard_of(reply.buttons)
        for index, chunk in enumerate(chunks):
            markup = keyboard if index == len(chunks) - 1 else None
            await self._call(partial(send_text, bot, chat_id, chunk, markup))

    async def edit(self, bot: Bot, message: Message, reply: Reply) -> bool:
        """Edits the pressed message into the reply; False when it must be sent anew."""
        chunks = split_text(reply.text)
        if len(chunks) != 1:
            return False
        call = partial(
            edit_text,
            bot,
            message.chat_id,
            message.message_id,
            chunks[0],
            keyboard_of(reply.buttons),
        )
        try:
            await self._call(call)
        except BadRequest as err:
            if "not modified" in err.message.lower():
                return True
            log.info("message %s not edited (%s); sending it anew", message.message_id, err)
            return False
        return True

    async def send_document(self, bot: Bot, chat_id: int, document: DocumentReply) -> None:
        """Sends a file with its caption; what does not fit in a caption follows as text.

        A draft's web link goes last, for opening the draft on a computer.
        """
        text = document.caption
        if document.link:
            text = f"{text}\n\n{t('telegram.draft_link', url=document.link)}".strip()
        caption, rest = split_caption(text)
        with suppress(TelegramError):
            await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
        await self._call(
            partial(
                bot.send_document,
                chat_id,
                document.data,
                filename=document.file_name,
                caption=caption or None,
            )
        )
        for chunk in split_text(rest):
            await self._call(partial(send_text, bot, chat_id, chunk))

    async def say(self, bot: Bot, chat_id: int, text: str) -> None:
        """Sends a plain message outside the conversation (group notices, errors)."""
        try:
            for chunk in split_text(text):
                await self._call(partial(send_text, bot, chat_id, chunk))
        except Forbidden:
            log.info("chat %s has blocked the bot", chat_id)

    async def _call(self, call: Callable[[], Awaitable[Any]]) -> Any:
        return await with_retries(call, attempts=self.attempts, delay=self.retry_delay)


def channel_of(context: ContextTypes.DEFAULT_TYPE) -> TelegramChannel:
    """The channel the application was built with."""
    channel = context.bot_data[CHANNEL_KEY]
    if not isinstance(channel, TelegramChannel):
        raise TypeError(f"bot_data[{CHANNEL_KEY!r}] is not a TelegramChannel")
    return channel

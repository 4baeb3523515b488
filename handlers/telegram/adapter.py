"""Telegram at the edge: updates become neutral events; neutral replies become Bot API calls.

Nothing here decides anything about the conversation. An update is narrowed once into a
`Sender` and an `Incoming` event, the engine answers in its writer thread (which commits the
events of a moment together before giving back their replies, so every answer is stored
before anything is sent), and the replies are drawn as plain-text messages with inline
buttons. Plain text means nothing the user typed can be read as markup.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from telegram import (
    Bot,
    CallbackQuery,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, InlineKeyboardButtonLimit, MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes
from telegram.warnings import PTBUserWarning

from bot.conversation import heavy
from bot.conversation.engine import ConversationEngine
from bot.conversation.events import Attachment, ButtonPress, Incoming, Sender, parse_typed
from bot.conversation.group_commit import GroupCommit, NotSavedError
from bot.core.digits import is_ascii_digits
from bot.core.replies import TELEGRAM, Button, DocumentReply, HeavyJob, Notice, Outgoing, Reply
from bot.texts import t
from handlers import waiting
from handlers.relay import NoticeRelay, Relay
from handlers.telegram.files import with_document_data
from handlers.telegram.typing_indicator import TYPING_AFTER, typing

log = logging.getLogger(__name__)

CHANNEL = TELEGRAM
# Where the application keeps its TelegramChannel, in `bot_data`.
CHANNEL_KEY = "channel"

TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)
CAPTION_LIMIT = int(MessageLimit.CAPTION_LENGTH)
CALLBACK_DATA_LIMIT = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)

# Attempts per Bot API call on network errors; RetryAfter is retried by the rate limiter.
SEND_ATTEMPTS = 4
RETRY_DELAY = 1.0

# Links in replies (invite links) are shown without a preview, as in the application's Defaults.
_NO_PREVIEW = {"is_disabled": True}

# PTB turns every sent or edited message it gets back into a Message object, setting its
# attributes one by one: the costliest part of a reply, for an object the channel never
# reads. Texts therefore go through `Bot.do_api_request`, which returns the raw result
# (through the same rate limiter); its advice to use the dedicated method instead is
# silenced for these two methods only.
warnings.filterwarnings(
    "ignore",
    message=r"Please use 'Bot\.(sendMessage|editMessageText|getUpdates)'",
    category=PTBUserWarning,
)

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

T = TypeVar("T")
# A `reply_markup` as the Bot API takes it (JSON): {"inline_keyboard": [[{"text", "callback_data"}]]}.
Markup = dict[str, Any]


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


# -- neutral replies to Telegram shapes ---------------------------------------------------


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _prefix(text: str, limit: int) -> str:
    """The longest start of `text` of at most `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def _cut_line(line: str, limit: int) -> list[str]:
    """A line longer than the limit, cut between words where it can be."""
    pieces: list[str] = []
    while telegram_length(line) > limit:
        head = _prefix(line, limit)
        space = head.rfind(" ")
        if space > 0:
            head = head[:space]
        pieces.append(head)
        line = line[len(head) :].lstrip(" ")
    pieces.append(line)
    return pieces


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """The text as messages of at most `limit` characters, cut at line boundaries."""
    if telegram_length(text) <= limit:
        return [text] if text.strip() else []
    chunks: list[str] = []
    lines: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _cut_line(line, limit):
            added = telegram_length(piece) + (1 if lines else 0)
            if lines and size + added > limit:
                chunks.append("\n".join(lines))
                lines, size, added = [], 0, telegram_length(piece)
            lines.append(piece)
            size += added
    chunks.append("\n".join(lines))
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


def split_caption(caption: str, limit: int = CAPTION_LIMIT) -> tuple[str, str]:
    """A caption that fits, cut at a line boundary, and the rest for a follow-up message."""
    if telegram_length(caption) <= limit:
        return caption, ""
    head, *rest = split_text(caption, limit)
    return head, "\n".join(rest)


def keyboard_of(rows: Sequence[Sequence[Button]]) -> Markup | None:
    """The Bot API's inline keyboard for the engine's buttons, as the JSON it is sent as;
    a code Telegram cannot carry is left out.

    Plain dicts, not PTB's InlineKeyboardButton objects: those would be built attribute by
    attribute only to be turned back into these dicts for every message.
    """
    keyboard: list[list[dict[str, str]]] = []
    for row in rows:
        kept: list[dict[str, str]] = []
        for button in row:
            if not button.code or len(button.code.encode()) > CALLBACK_DATA_LIMIT:
                log.warning(
                    "button %r dropped: its code does not fit in callback data", button.label
                )
                continue
            kept.append({"text": button.label, "callback_data": button.code})
        if kept:
            keyboard.append(kept)
    return {"inline_keyboard": keyboard} if keyboard else None


def compose(replies: Sequence[Outgoing]) -> list[Outgoing]:
    """The replies as few messages as possible: a text without buttons joins the next text.

    The engine often answers "saved" or "not understood" and then asks; one message per turn
    keeps the chat short and costs one Bot API call instead of two.
    """
    composed: list[Outgoing] = []
    for reply in replies:
        previous = composed[-1] if composed else None
        if (
            isinstance(reply, Reply)
            and isinstance(previous, Reply)
            and not reply.replace
            and not previous.replace
            and not previous.buttons
        ):
            composed[-1] = Reply(f"{previous.text}\n\n{reply.text}", reply.buttons)
        else:
            composed.append(reply)
    return composed


# -- sending ------------------------------------------------------------------------------


async def with_retries(
    call: Callable[[], Awaitable[T]], *, attempts: int = SEND_ATTEMPTS, delay: float = RETRY_DELAY
) -> T:
    """Makes a Bot API call, again after a network error (the answer is already stored).

    A timed-out send may have reached Telegram, so a retry can show a message twice; a
    repeated message is better than a lost one.
    """
    attempt = 1
    while True:
        try:
            return await call()
        except BadRequest:
            raise  # Telegram refused the call itself: sending it again cannot help.
        except NetworkError as err:
            if attempt >= attempts:
                raise
            log.warning("Bot API call failed (%s); retry %d of %d", err, attempt, attempts - 1)
            await asyncio.sleep(delay * attempt)
            attempt += 1


async def send_text(
    bot: Bot, chat_id: int, text: str, markup: Markup | None = None
) -> None:
    """`sendMessage` of plain text, its result not parsed (see `_NO_PREVIEW`'s neighbour)."""
    await _text_request(bot, "sendMessage", {"chat_id": chat_id}, text, markup)


async def edit_text(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: Markup | None
) -> None:
    """`editMessageText` into plain text, its result not parsed."""
    target = {"chat_id": chat_id, "message_id": message_id}
    await _text_request(bot, "editMessageText", target, text, markup)


async def _text_request(
    bot: Bot,
    method: str,
    target: dict[str, Any],
    text: str,
    markup: Markup | None,
) -> None:
    """One Bot API call that puts plain text (and buttons) in a chat, without link previews."""
    params: dict[str, Any] = {**target, "text": text, "link_preview_options": _NO_PREVIEW}
    if markup is not None:
        params["reply_markup"] = markup
    await bot.do_api_request(method, api_kwargs=params)


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

    async def handle(self, update: Update, bot: Bot, *, typing_after: float | None = None) -> None:
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
        delay = self.typing_after if typing_after is None else typing_after
        # A press is acknowledged while the engine works: the button's progress indicator
        # stops sooner, and the call overlaps the engine's commit instead of following it.
        # It is still made before any reply is sent.
        acknowledged = (
            asyncio.create_task(self.acknowledge(bot, query)) if query is not None else None
        )
        try:
            async with typing(bot, chat.id, after=delay):
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
            await self._call(partial(bot.answer_callback_query, query.id))
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

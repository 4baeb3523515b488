"""The one-to-one conversation: every message and button press goes to the engine."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ContextTypes

from bot.texts import t
from handlers.telegram.adapter import channel_of, is_private


class PrivateConversation(BaseHandler[Update, ContextTypes.DEFAULT_TYPE, None]):
    """Takes every message of a private chat and every button press, with one check.

    What a message means (a command, an answer, a file, the draft) is the adapter's and the
    engine's to say: classifying it here too would only try PTB's filters one after another.
    A press in a group only gets acknowledged by the adapter.
    """

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update):
            return False
        if update.callback_query is not None:
            return True
        message = update.message
        return message is not None and message.chat.type == ChatType.PRIVATE


async def converse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hands the message or press to the engine and sends what it answers."""
    await channel_of(context).handle(update, context.bot)


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explains that editing a sent message does not change the stored answer."""
    chat = update.effective_chat
    if chat is not None and is_private(update):
        await channel_of(context).say(context.bot, chat.id, t("telegram.edited"))

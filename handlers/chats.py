"""Handlers about where the bot is: group chats, and users who block or unblock it."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.channels.telegram import channel_of
from bot.texts import t

log = logging.getLogger(__name__)


async def ask_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks people in a group to talk to the bot privately, to keep the unit's data private."""
    chat = update.effective_chat
    if chat is not None:
        await channel_of(context).say(context.bot, chat.id, t("input.group_chat"))


async def membership_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs a user blocking or unblocking the bot; asks a group that adds it to talk privately."""
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    chat = change.chat
    if chat.type == ChatType.PRIVATE:
        log.info(
            "chat %s %s the bot",
            chat.id,
            "blocked" if status == ChatMember.BANNED else "unblocked",
        )
        return
    if status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
        await channel_of(context).say(context.bot, chat.id, t("input.group_chat"))

"""Handlers about where the bot is: group chats, and users who block or unblock it."""

from __future__ import annotations

import asyncio
import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.reminders.service import mark_unblocked
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from handlers.telegram.adapter import CHANNEL, channel_of
from models import require_id

log = logging.getLogger(__name__)


async def ask_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks people in a group to talk to the bot privately, to keep the unit's data private."""
    chat = update.effective_chat
    if chat is not None:
        await channel_of(context).say(context.bot, chat.id, t("input.group_chat"))


def forget_block(database: Database, external_id: str) -> bool:
    """Unmarks the member behind a private chat as blocked; True if they were marked."""
    with database.session() as session:
        member = store.member_by_identity(session, channel=CHANNEL, external_id=external_id)
        if member is None:
            return False
        return mark_unblocked(session, member_id=require_id(member), channel=CHANNEL)


async def membership_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Notes a user blocking or unblocking the bot; asks a group that adds it to talk privately.

    A user who unblocks the bot gets reminders again (the next sweep plans them).
    """
    change = update.my_chat_member
    if change is None:
        return
    status = change.new_chat_member.status
    chat = change.chat
    if chat.type == ChatType.PRIVATE:
        blocked = status == ChatMember.BANNED
        log.info("chat %s %s the bot", chat.id, "blocked" if blocked else "unblocked")
        if not blocked:
            database = channel_of(context).engine.database
            # A private chat's id is the user's id, which identifies the member.
            if await asyncio.to_thread(forget_block, database, str(chat.id)):
                log.info("chat %s is reminded again", chat.id)
        return
    if status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR):
        await channel_of(context).say(context.bot, chat.id, t("input.group_chat"))

"""The error handler: every failure is logged; the user hears that their answers are safe."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.texts import t
from handlers.telegram.adapter import channel_of, is_private

log = logging.getLogger(__name__)


async def report_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the failure and, in a private chat, tells the user to try again."""
    if not isinstance(update, Update):
        log.error("Telegram error outside an update", exc_info=context.error)
        return
    log.error("update %s failed", update.update_id, exc_info=context.error)
    chat = update.effective_chat
    if chat is not None and is_private(update):
        await channel_of(context).say(context.bot, chat.id, t("telegram.error"))

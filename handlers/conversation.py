"""Handlers of the one-to-one conversation: each hands its update to the engine."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.texts import t
from handlers.telegram.adapter import channel_of, is_private


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets the user and shows the sections of their open report."""
    await channel_of(context).handle(update, context.bot)


async def draft(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Builds the draft document, showing "typing…" from the start."""
    await channel_of(context).handle(update, context.bot, typing_after=0)


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers or navigates with the pressed button."""
    await channel_of(context).handle(update, context.bot)


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs any other command: /tiep, /viec, /xem, /lai, /boqua, /huy, /help…"""
    await channel_of(context).handle(update, context.bot)


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stores the typed answer and asks the next question."""
    await channel_of(context).handle(update, context.bot)


async def attachment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Says that a photo, sticker or file cannot answer, and asks again."""
    await channel_of(context).handle(update, context.bot)


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explains that editing a sent message does not change the stored answer."""
    chat = update.effective_chat
    if chat is not None and is_private(update):
        await channel_of(context).say(context.bot, chat.id, t("telegram.edited"))

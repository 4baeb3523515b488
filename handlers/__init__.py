"""Every Telegram handler, registered in one ordered place.

PTB tries the handlers of a group in the order they were added and runs the first that
matches, so the order below is the routing table of the bot.
"""

from __future__ import annotations

import re

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import chats, conversation, errors

# The engine's codes are "<step>:<action>"; the draft button is matched only to show
# "typing…" at once, the engine still checks the code.
DRAFT_BUTTON = re.compile(r"^\d+:draft$")


def register(application: Application) -> None:
    """Adds every handler in the order they must be tried, and the error handler."""
    # Groups first: nothing said in a group reaches the engine, and only commands get an
    # answer there, so a busy group is not flooded.
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, chats.ask_private)
    )
    application.add_handler(
        ChatMemberHandler(chats.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    # Before the command and text handlers, which would otherwise take edits too.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE, conversation.edited
        )
    )
    application.add_handler(CommandHandler("start", conversation.start))
    application.add_handler(CommandHandler("duthao", conversation.draft))
    application.add_handler(CallbackQueryHandler(conversation.draft, pattern=DRAFT_BUTTON))
    application.add_handler(CallbackQueryHandler(conversation.press))
    application.add_handler(MessageHandler(filters.COMMAND, conversation.command))
    application.add_handler(MessageHandler(filters.TEXT, conversation.answer))
    # Last: whatever is not text (photo, sticker, voice, file…) where an answer is expected.
    application.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE, conversation.attachment
        )
    )
    application.add_error_handler(errors.report_error)

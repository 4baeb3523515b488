"""Every Telegram handler, registered in one ordered place.

PTB tries the handlers of a group in the order they were added and runs the first that
matches, so the order below is the routing table of the bot. The conversation goes first:
it is nearly every update, and the others take updates it never does.
"""

from __future__ import annotations

from telegram.ext import Application, ChatMemberHandler, MessageHandler, filters

from handlers import chats, conversation, errors


def register(application: Application) -> None:
    """Adds every handler in the order they must be tried, and the error handler."""
    # Every message of a private chat (commands, answers, files…) and every button press.
    application.add_handler(conversation.PrivateConversation(conversation.converse))
    # Groups: nothing said in a group reaches the engine, and only commands get an answer
    # there, so a busy group is not flooded.
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, chats.ask_private)
    )
    application.add_handler(
        ChatMemberHandler(chats.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE, conversation.edited
        )
    )
    application.add_error_handler(errors.report_error)

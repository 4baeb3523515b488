"""Files users send on Telegram: a .docx report (for the audit) or a spreadsheet (a table to
import) is fetched, within a limit."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.conversation.events import Attachment

log = logging.getLogger(__name__)

# A .docx larger than this is no report; the Bot API itself refuses downloads over 20 MB.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# Files the engine reads: a report to audit, a table to import.
FETCHED_SUFFIXES = (".docx", ".xlsx", ".csv")


async def with_document_data(bot: Bot, update: Update, event: Attachment) -> Attachment:
    """A .docx (for the audit), .xlsx or .csv (a table to import) attachment with its bytes
    downloaded; others as they came."""
    document = update.message.document if update.message else None
    if document is None or not (event.file_name or "").lower().endswith(FETCHED_SUFFIXES):
        return event
    if (document.file_size or 0) > MAX_DOCUMENT_BYTES:
        return replace(event, problem="too_big")
    try:
        telegram_file = await bot.get_file(document.file_id)
        if (telegram_file.file_size or 0) > MAX_DOCUMENT_BYTES:
            return replace(event, problem="too_big")
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError:
        log.warning("could not download %s", event.file_name, exc_info=True)
        return replace(event, problem="not_fetched")
    if len(data) > MAX_DOCUMENT_BYTES:
        return replace(event, problem="too_big")
    return replace(event, data=data)

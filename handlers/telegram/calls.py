"""Bot API calls that put plain text in a chat, made with JSON-ready parameters.

PTB's methods build a TelegramObject for every argument and every result (attribute by
attribute), and insert its defaults; for the messages of a conversation that is most of the
edge's work, for objects the channel never reads. These calls pass the parameters as the JSON
they are sent as and return the raw result, still through the bot's rate limiter (which
waits out RetryAfter and tries again) and its request object (which raises PTB's errors).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot
from telegram.error import BadRequest, NetworkError
from telegram.ext import ExtBot
from telegram.request import RequestData

# RequestData's parameters; PTB has no public name for them.
from telegram.request._requestparameter import RequestParameter

from handlers.telegram.drawing import Markup

log = logging.getLogger(__name__)

T = TypeVar("T")

# Attempts per Bot API call on network errors; RetryAfter is retried by the rate limiter.
SEND_ATTEMPTS = 4
RETRY_DELAY = 1.0

# Links in replies (invite links) are shown without a preview, as in the application's Defaults.
_NO_PREVIEW = {"is_disabled": True}


async def post(bot: Bot, method: str, params: dict[str, Any]) -> Any:
    """One Bot API call through the bot's rate limiter; its result as raw JSON.

    `params` must be JSON already (str, int, dict, list): they are sent as they are.
    """
    limiter = bot.rate_limiter if isinstance(bot, ExtBot) else None
    if limiter is None:
        return await _request(bot, method, params)
    return await limiter.process_request(
        callback=_request,
        args=(bot, method, params),
        kwargs={},
        endpoint=method,
        data=params,
        rate_limit_args=None,
    )


async def _request(bot: Bot, method: str, params: dict[str, Any]) -> Any:
    data = RequestData([RequestParameter(name, value, None) for name, value in params.items()])
    return await bot.request.post(url=f"{bot.base_url}/{method}", request_data=data)


async def send_text(bot: Bot, chat_id: int, text: str, markup: Markup | None = None) -> None:
    """`sendMessage` of plain text (no parse mode: nothing typed is read as markup)."""
    await _text_request(bot, "sendMessage", {"chat_id": chat_id}, text, markup)


async def edit_text(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: Markup | None
) -> None:
    """`editMessageText` into plain text."""
    target = {"chat_id": chat_id, "message_id": message_id}
    await _text_request(bot, "editMessageText", target, text, markup)


async def answer_query(bot: Bot, query_id: str) -> None:
    """`answerCallbackQuery`: stops the pressed button's progress indicator."""
    await post(bot, "answerCallbackQuery", {"callback_query_id": query_id})


async def _text_request(
    bot: Bot, method: str, target: dict[str, Any], text: str, markup: Markup | None
) -> None:
    """One call that puts plain text (and buttons) in a chat, without link previews."""
    params: dict[str, Any] = {**target, "text": text, "link_preview_options": _NO_PREVIEW}
    if markup is not None:
        params["reply_markup"] = markup
    await post(bot, method, params)


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

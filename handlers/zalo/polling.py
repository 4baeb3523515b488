"""Long polling: getUpdates hands out one update at a time (no offset, no update id).

An update Zalo handed out is not offered again, so it is queued at once and the next poll
starts while it is handled. A long poll that ends without an update may come back as a
"timeout" error, which is no failure; other errors are retried with a growing pause.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TypeVar

from handlers.waiting import unless_stopped
from handlers.zalo.client import POLL_TIMEOUT, ZaloClient, ZaloError, ZaloRateLimitedError
from handlers.zalo.inbox import Inbox

log = logging.getLogger(__name__)

# Longest pause between attempts while Zalo cannot be reached or refuses.
MAX_BACKOFF = 30.0
T = TypeVar("T")


async def poll(
    client: ZaloClient,
    inbox: Inbox,
    stop: asyncio.Event,
    *,
    timeout: int = POLL_TIMEOUT,
    first_backoff: float = 1.0,
) -> None:
    """Long-polls Zalo and queues each update until `stop` is set."""
    backoff = first_backoff
    webhook_cleared = False
    while not stop.is_set():
        try:
            if not webhook_cleared:
                # getUpdates does not work while a webhook is set (one left by another run).
                await unless_stopped(stop, client.delete_webhook(), quiet=(ZaloError,))
                webhook_cleared = True
            update = await unless_stopped(stop, client.get_updates(timeout), quiet=(ZaloError,))
        except ZaloRateLimitedError as err:
            log.warning("Zalo polling rate limited; again in %.0f s", err.retry_after)
            await unless_stopped(stop, asyncio.sleep(err.retry_after))
            continue
        except ZaloError as err:
            if err.code == 401:
                raise  # a wrong token: polling again cannot help
            log.warning("Zalo polling failed (%s); again in %.0f s", err, backoff)
            await unless_stopped(stop, asyncio.sleep(backoff))
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        backoff = first_backoff
        if update is not None:
            inbox.submit(update)

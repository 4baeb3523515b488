"""What every channel edge waits on the same way: heavy jobs after the commit, and a stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from functools import partial
from typing import TypeVar

from bot.conversation import heavy
from bot.core.replies import HeavyJob, Outgoing, Reply
from bot.texts import t

log = logging.getLogger(__name__)

T = TypeVar("T")
# Heavy jobs (drafts, audits) at once, each in its own worker process; more wait their turn.
HEAVY_WORKERS = 2
_heavy_waiters = ThreadPoolExecutor(HEAVY_WORKERS, thread_name_prefix="heavy")


async def run_jobs(replies: Sequence[Outgoing], time_limit: float, texts: str) -> list[Outgoing]:
    """The replies with each heavy job replaced by its result, or by why there is none
    (the channel's `<texts>.too_slow` or `<texts>.job_failed` message)."""
    done: list[Outgoing] = []
    loop = asyncio.get_running_loop()
    for reply in replies:
        if not isinstance(reply, HeavyJob):
            done.append(reply)
            continue
        work = partial(heavy.run_limited, reply, time_limit)
        try:
            done.extend(await loop.run_in_executor(_heavy_waiters, work))
        except heavy.HeavyJobError as err:
            log.error("%s failed: %s", reply.function.__name__, err.reason)
            key = "too_slow" if err.reason == "timeout" else "job_failed"
            done.append(Reply(t(f"{texts}.{key}", seconds=round(time_limit))))
    return done


async def unless_stopped(
    stop: asyncio.Event, awaitable: Awaitable[T], *, quiet: tuple[type[Exception], ...] = ()
) -> T | None:
    """The awaitable's result, or None when `stop` is set first (the awaitable is cancelled;
    a `quiet` error it raises while being cancelled is dropped)."""
    task = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if task in done:
        return task.result()
    task.cancel()
    with suppress(asyncio.CancelledError, *quiet):
        await task
    return None

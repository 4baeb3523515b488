"""Heavy work of an event (the draft, the audit of a sent report), run after it commits.

The engine stands a `HeavyJob` in its replies where the draft or the audit belongs, so the
event's transaction (and SQLite's write lock) ends before the work starts. A synchronous
channel runs the jobs inline with `run_inline`; the Telegram channel runs each in a worker
process with a time limit (`run_limited`), so one hostile upload neither holds the database
nor the process that answers everybody else.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from bot.core.replies import HeavyJob, Outgoing, Reply

log = logging.getLogger(__name__)

# Seconds a heavy job may run before the user is told it took too long.
TIME_LIMIT = 60.0
# Address space a worker may take: a decompression bomb fails there, not in the bot.
MEMORY_LIMIT = 2 * 1024**3

# A fork server started before any thread: forking the bot itself (threads, an event loop,
# an open database) could copy a held lock into the child.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(
    ["bot.conversation.heavy", "bot.conversation.steps.draft", "bot.figure_check"]
)


# Workers running now, killed when the bot stops (their jobs are not waited for).
_running: set[multiprocessing.process.BaseProcess] = set()


class HeavyJobError(Exception):
    """The job raised, or its worker died, or it ran past its time limit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def job(function: Callable[..., list[Outgoing]], *args: Any) -> HeavyJob:
    """A job calling a module-level function (it is pickled to the worker with its args)."""
    return HeavyJob(function, args)


def audit_replies(data: bytes, file_name: str) -> list[Outgoing]:
    """A sent .docx report's figures recomputed, as one reply."""
    # Imported here: only this job needs the audit (and python-docx reading).
    from bot.figure_check import SourceError, audit_bytes, chat_summary

    try:
        summary = chat_summary(audit_bytes(data, file_name))
    except SourceError as err:
        summary = err.explain(file_name, chat=True)
    return [Reply(summary)]


def run_inline(replies: Sequence[Outgoing]) -> list[Outgoing]:
    """The replies with every job replaced by what it answers, run here and now."""
    done: list[Outgoing] = []
    for reply in replies:
        done.extend(reply.run() if isinstance(reply, HeavyJob) else [reply])
    return done


def _work(connection: Connection, heavy: HeavyJob) -> None:
    """The worker's body: runs the job and sends back its replies or its failure."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    try:
        connection.send(("ok", heavy.run()))
    except BaseException as err:  # every failure goes back to the bot, which logs it
        connection.send(("error", f"{type(err).__name__}: {err}"))
    finally:
        connection.close()


def run_limited(heavy: HeavyJob, limit: float = TIME_LIMIT) -> list[Outgoing]:
    """The job's replies, worked out in a worker process killed after `limit` seconds.

    Blocks the calling thread; HeavyJobError when the job raised, its worker died or the
    time ran out.
    """
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    worker = _CONTEXT.Process(target=_work, args=(sender, heavy), daemon=True)
    worker.start()
    _running.add(worker)
    sender.close()
    try:
        if not receiver.poll(limit):
            raise HeavyJobError("timeout")
        status, payload = receiver.recv()
    except EOFError:
        worker.join()
        raise HeavyJobError(f"worker died with exit code {worker.exitcode}") from None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        _running.discard(worker)
        receiver.close()
    if status != "ok":
        raise HeavyJobError(str(payload))
    return list(payload)


def stop_workers() -> None:
    """Kills every running worker: the bot is stopping and will not send their results."""
    for worker in list(_running):
        worker.kill()

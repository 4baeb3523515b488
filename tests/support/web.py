"""The bot's web application served by a real uvicorn on loopback, from a thread of its own.

Synchronous tests (httpx, a browser driven by selenium) talk to it while it runs its own
event loop, as it does in the bot.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from starlette.applications import Starlette

from handlers.web.server import serve_web


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: Starlette, port: int) -> Iterator[str]:
    """Serves `app` on 127.0.0.1:`port` until the block ends; yields the base URL."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    work = serve_web(app, f"127.0.0.1:{port}", stop)
    thread = threading.Thread(target=loop.run_until_complete, args=(work,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{base}/", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield base
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(20)
        loop.close()

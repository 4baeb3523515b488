"""The Starlette application every web route is mounted on, served by uvicorn in the bot's loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator, Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

logger = logging.getLogger(__name__)


def parse_listen(listen: str) -> tuple[str, int]:
    """`host:port` (BAOCAO_WEB_LISTEN) as a host and a port."""
    host, _, port = listen.strip().rpartition(":")
    if not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"BAOCAO_WEB_LISTEN must be host:port, not {listen!r}")
    return host.strip("[]"), int(port)


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the bot decides when the server stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def build_web_app(routes: Sequence[BaseRoute]) -> Starlette:
    """One application holding every route of every part (drafts, webhooks, health)."""
    return Starlette(routes=list(routes))


async def serve_web(
    app: Starlette, listen: str, stop: asyncio.Event, *, grace: int | None = None
) -> None:
    """Serves `app` on `listen` in the running loop until `stop` is set.

    Requests in flight then finish, cut after `grace` seconds when given.
    """
    host, port = parse_listen(listen)
    server = _QuietServer(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            lifespan="off",
            timeout_graceful_shutdown=grace,
        )
    )
    task = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await task

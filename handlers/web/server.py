"""The Starlette application every web route is mounted on, served by uvicorn in the bot's loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
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
            # No access log: draft links carry their token in the path.
            app,
            host=host,
            port=port,
            log_config=None,
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=grace,
        )
    )
    # Bound here, so a taken address fails at once with a plain OSError (uvicorn would
    # call sys.exit inside its task).
    sock = socket.create_server((host, port), family=_family(host), reuse_port=False)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        server.should_exit = True
        await task
    finally:
        sock.close()
    if not stop.is_set():
        raise OSError(f"the web server on {listen} stopped unexpectedly")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET

"""`/healthz` (the process serves) and `/readyz` (its database answers, at the newest schema).

A load balancer or systemd watchdog polls these; the reverse proxy may expose /healthz so
`baocao doctor` can check the public URL end to end.
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.ops.checks import DatabaseStatus, database_status, head_revisions
from bot.store.database import Database
from bot.texts import t

# Longer than this and the database counts as unreachable: a probe must answer quickly.
READY_TIMEOUT = 5.0


async def healthz(_request: Request) -> JSONResponse:
    """Always 200 while the process serves requests."""
    return JSONResponse({"ok": True})


def health_routes(database: Database) -> list[BaseRoute]:
    """The two health routes, reading the running bot's own database."""

    async def readyz(_request: Request) -> JSONResponse:
        try:
            status = await asyncio.wait_for(
                run_in_threadpool(database_status, database.engine), READY_TIMEOUT
            )
        except TimeoutError:
            status = DatabaseStatus(
                False, None, head_revisions(), f"no answer in {READY_TIMEOUT:g} s"
            )
        return _ready_response(status)

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
    ]


def _ready_response(status: DatabaseStatus) -> JSONResponse:
    """200 when the database is current, 503 with the reason otherwise."""
    body: dict[str, object] = {
        "ok": status.current,
        "revision": status.revision,
        "head": ", ".join(status.heads),
    }
    if status.current:
        return JSONResponse(body)
    if not status.reachable:
        body |= {"reason": "database_unreachable", "message": t("ops.health.unreachable")}
        body["error"] = status.error
    else:
        body |= {"reason": "migrations_pending", "message": t("ops.health.not_migrated")}
    return JSONResponse(body, status_code=503)

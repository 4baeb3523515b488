"""Webhook mode: Zalo posts each update to a route of the bot's web server.

The secret given to `setWebhook` comes back in the `X-Bot-Api-Secret-Token` header; a call
without it or with another is refused with 401 and nothing of it is read further.

An update is answered 200 only once it is stored: the engine's transaction has committed the
answer (and claimed the message id) before the replies go out, so a crash after the 200
loses nothing. When it could not be stored the answer is 500. Zalo's documentation (December
2025) says nothing of redelivering a webhook call that failed; if it does, the message id
makes a redelivery harmless, and if it does not, a 500 loses no more than a 200 would.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.settings import Settings
from handlers.zalo.inbox import Inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"
# The largest update body read (a text message is at most a few kilobytes).
MAX_BODY = 256 * 1024
# Seconds the answer to Zalo waits for the update to be stored. Storing takes milliseconds;
# only a chat whose previous message still runs a heavy job (a draft) waits longer, because a
# chat's messages are handled in order. That update is then answered 200 while it waits in
# the chat's queue, as a long-polled update is (getUpdates never offers one again either).
STORE_WAIT = 10.0


@dataclass(frozen=True)
class ZaloWebhook:
    """The public URL Zalo posts to and the secret it sends back."""

    url: str
    secret_token: str

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError(f"the Zalo webhook URL must be https://…, not {self.url!r}")
        if parts.path.strip("/") == "":
            raise ValueError("the Zalo webhook URL needs a path, such as https://…/zalo/webhook")
        if not 8 <= len(self.secret_token) <= 256:
            # Without a secret anyone who finds the URL could post messages as any user.
            raise ValueError(
                "the Zalo webhook secret must be 8-256 characters (ZALO_WEBHOOK_SECRET)"
            )

    @property
    def path(self) -> str:
        """The path the bot serves, taken from the public URL."""
        return "/" + urlsplit(self.url).path.strip("/")

    @classmethod
    def from_settings(
        cls, settings: Settings, *, url: str | None = None, secret_token: str | None = None
    ) -> ZaloWebhook | None:
        """The webhook asked for on the command line or by ZALO_WEBHOOK_*; None: polling."""
        url = (url or settings.zalo_webhook_url or "").strip()
        if not url:
            return None
        secret = settings.zalo_webhook_secret
        value = secret_token or (secret.get_secret_value() if secret else "")
        return cls(url=url, secret_token=value.strip())


def webhook_routes(webhook: ZaloWebhook, inbox: Inbox) -> list[BaseRoute]:
    """The route Zalo posts updates to."""
    expected = webhook.secret_token.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not given or not hmac.compare_digest(given, expected):
            log.warning("Zalo webhook call refused: missing or wrong secret")
            return JSONResponse({"ok": False, "description": "unauthorized"}, status_code=401)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"ok": False, "description": "too large"}, status_code=413)
        try:
            update = json.loads(body)
        except ValueError:
            return JSONResponse({"ok": False, "description": "not JSON"}, status_code=400)
        if isinstance(update, dict) and isinstance(update.get("result"), dict):
            update = update["result"]  # the update as getUpdates wraps it
        stored = inbox.submit(update)
        try:
            saved = await asyncio.wait_for(asyncio.shield(stored), STORE_WAIT)
        except TimeoutError:
            log.warning("Zalo webhook update still queued behind its chat's heavy job")
            saved = True
        if not saved:
            return JSONResponse({"ok": False, "description": "not stored"}, status_code=500)
        return JSONResponse({"ok": True})

    return [Route(webhook.path, receive, methods=["POST"])]

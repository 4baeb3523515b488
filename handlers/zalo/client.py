"""A small async client of the Zalo Bot Platform API (the nine methods the bot uses).

Every method is a POST of a JSON body to `<base>/bot<TOKEN>/<method>`; the answer is
`{"ok": true, "result": …}` or `{"ok": false, "error_code": N, "description": "…"}`.
The PyPI package `python-zalo-bot` was looked at and not used: a 0.1 release whose project
links are placeholders; these few calls over httpx are easier to trust.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)

# Seconds a long poll waits at Zalo for the next update.
POLL_TIMEOUT = 30
# Seconds added to the long poll's wait before the request counts as timed out.
READ_MARGIN = 10.0
# Attempts of a call answered 429 (too many requests), and the wait when none is given.
RATE_ATTEMPTS = 4
DEFAULT_RETRY_AFTER = 1.0
# Longest wait a 429 may ask for before the call gives up (seconds).
MAX_RETRY_AFTER = 60.0


class ZaloError(Exception):
    """Zalo refused a call, or could not be reached (`code` None)."""

    def __init__(self, description: str, code: int | None = None) -> None:
        super().__init__(f"{code}: {description}" if code is not None else description)
        self.code = code
        self.description = description

    @property
    def is_timeout(self) -> bool:
        """A long poll that ended without an update: not a failure."""
        return "timeout" in self.description.lower() or self.code == 408

    @property
    def is_network(self) -> bool:
        """Zalo could not be reached or answered with a server error: worth retrying."""
        return self.code is None or self.code >= 500


class ZaloRateLimitedError(ZaloError):
    """429 after every attempt: `retry_after` seconds to wait."""

    def __init__(self, description: str, retry_after: float) -> None:
        super().__init__(description, 429)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response, body: dict[str, Any]) -> float:
    """Seconds a 429 asks to wait: its parameters, its Retry-After header, or a default."""
    parameters = body.get("parameters")
    if isinstance(parameters, dict) and isinstance(parameters.get("retry_after"), int | float):
        return float(parameters["retry_after"])
    header = response.headers.get("Retry-After", "")
    return float(header) if header.isdigit() else DEFAULT_RETRY_AFTER


class ZaloClient:
    """The bot's calls to Zalo, over one pooled httpx client."""

    def __init__(self, token: str, base_url: str, *, client: httpx.AsyncClient | None = None):
        self._url = f"{base_url.rstrip('/')}/bot{token}/"
        self._http = client or httpx.AsyncClient(timeout=httpx.Timeout(15.0))

    async def aclose(self) -> None:
        """Closes the connections."""
        await self._http.aclose()

    async def call(self, method: str, body: dict[str, Any], *, read: float | None = None) -> Any:
        """One API call; retries 429 after the wait it asks for; its `result`."""
        for attempt in range(1, RATE_ATTEMPTS + 1):
            response, answer = await self._post(method, body, read)
            if answer.get("ok") is True:
                return answer.get("result")
            code = answer.get("error_code", response.status_code)
            description = str(answer.get("description") or response.reason_phrase)
            if code != 429 and response.status_code != 429:
                raise ZaloError(description, int(code) if isinstance(code, int) else None)
            wait = _retry_after(response, answer)
            if attempt == RATE_ATTEMPTS or wait > MAX_RETRY_AFTER:
                raise ZaloRateLimitedError(description, wait)
            log.info("Zalo %s rate limited; again in %.1f s", method, wait)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _post(
        self, method: str, body: dict[str, Any], read: float | None
    ) -> tuple[httpx.Response, dict[str, Any]]:
        timeout = httpx.Timeout(15.0, read=read) if read else httpx.USE_CLIENT_DEFAULT
        try:
            response = await self._http.post(self._url + method, json=body, timeout=timeout)
        except httpx.TimeoutException as err:
            raise ZaloError(f"timeout: {type(err).__name__}") from err
        except httpx.HTTPError as err:
            # The message may hold the URL, and the URL holds the token.
            raise ZaloError(f"network: {type(err).__name__}") from err
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            code = response.status_code if response.status_code >= 400 else 502
            return response, {"ok": False, "error_code": code, "description": "not JSON"}
        return response, answer

    async def get_me(self) -> dict[str, Any]:
        """`getMe`: the bot's id and name."""
        return dict(await self.call("getMe", {}) or {})

    async def get_updates(self, timeout: int = POLL_TIMEOUT) -> dict[str, Any] | None:
        """`getUpdates`: one update, or None when the long poll ended without one."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": str(timeout)}, read=timeout + READ_MARGIN
            )
        except ZaloError as err:
            if err.is_timeout and not isinstance(err, ZaloRateLimitedError):
                return None
            raise
        if isinstance(result, list):  # tolerated: a list of updates, the first taken
            result = result[0] if result else None
        return result if isinstance(result, dict) and result else None

    async def set_webhook(self, url: str, secret_token: str) -> None:
        """`setWebhook`: Zalo posts updates to `url` with the secret in a header."""
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        """`deleteWebhook`: back to long polling."""
        await self.call("deleteWebhook", {})

    async def get_webhook_info(self) -> dict[str, Any]:
        """`getWebhookInfo`: the webhook set, if any."""
        return dict(await self.call("getWebhookInfo", {}) or {})

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        """`sendMessage` of plain text (1-2 000 characters)."""
        return dict(await self.call("sendMessage", {"chat_id": chat_id, "text": text}) or {})

    async def send_photo(self, chat_id: str, photo: str, caption: str | None = None) -> None:
        """`sendPhoto` of an image by its URL."""
        body: dict[str, Any] = {"chat_id": chat_id, "photo": photo}
        if caption:
            body["caption"] = caption
        await self.call("sendPhoto", body)

    async def send_sticker(self, chat_id: str, sticker: str) -> None:
        """`sendSticker`."""
        await self.call("sendSticker", {"chat_id": chat_id, "sticker": sticker})

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """`sendChatAction`: "typing…" while the bot works."""
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

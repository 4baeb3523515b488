"""The web server skeleton: served in the running loop, stopped on request."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from handlers.web.server import build_web_app, parse_listen, serve_web
from tests.support.ports import free_port


@pytest.mark.parametrize("listen", ["localhost", "127.0.0.1:0", "127.0.0.1:99999", ":80", "h:x"])
def test_a_listen_address_without_a_valid_port_is_refused(listen: str) -> None:
    with pytest.raises(ValueError):
        parse_listen(listen)


def test_listen_address_parts() -> None:
    assert parse_listen("0.0.0.0:8080") == ("0.0.0.0", 8080)
    assert parse_listen("[::1]:8443") == ("::1", 8443)


async def test_routes_are_served_until_stop_is_set() -> None:
    async def hello(_request: object) -> PlainTextResponse:
        return PlainTextResponse("xin chào")

    port = free_port()
    stop = asyncio.Event()
    server = asyncio.create_task(
        serve_web(build_web_app([Route("/hello", hello)]), f"127.0.0.1:{port}", stop)
    )
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                response = await client.get(f"http://127.0.0.1:{port}/hello")
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.05)
        assert response.status_code == 200 and response.text == "xin chào"
        stop.set()
        await asyncio.wait_for(server, 5)
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/hello")

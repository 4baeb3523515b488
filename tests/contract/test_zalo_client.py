"""The Zalo client, reminder sender and document replies against the fake Zalo API."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.core.replies import Button, DocumentReply
from bot.core.settings import Settings
from bot.reminders.messages import ReminderText
from bot.reminders.sender import RetryLaterError, SendFailedError, UnreachableError
from bot.store.database import Database
from bot.texts import t
from handlers.run import Plan, Runtime, serve
from handlers.zalo import client as client_module
from handlers.zalo.channel import ZaloChannel
from handlers.zalo.client import ZaloClient, ZaloError, ZaloRateLimitedError
from handlers.zalo.reminders import ZaloSender
from handlers.zalo.webhook import ZaloWebhook
from tests.support.ports import free_port
from tests.support.zalo_api import TOKEN, FakeZaloApi, text_update

CHAT = "c0ffee"


@pytest.fixture
def api() -> Iterator[FakeZaloApi]:
    with FakeZaloApi(poll_wait=0.2) as server:
        yield server


@pytest.fixture
async def client(api: FakeZaloApi) -> AsyncIterator[ZaloClient]:
    zalo = ZaloClient(TOKEN, api.base_url)
    yield zalo
    await zalo.aclose()


def too_many(retry_after: int = 0) -> dict[str, object]:
    body: dict[str, object] = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
    if retry_after:
        body["parameters"] = {"retry_after": retry_after}
    return body


async def test_a_429_is_retried_after_the_wait_it_asks(
    api: FakeZaloApi, client: ZaloClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "DEFAULT_RETRY_AFTER", 0.05)
    api.fail("sendMessage", 429, too_many())
    api.fail("sendMessage", 429, too_many())
    began = time.monotonic()
    result = await client.send_message(CHAT, "Xin chào")
    assert result["message_id"] and time.monotonic() - began >= 0.1
    assert [c.body["text"] for c in api.calls("sendMessage")] == ["Xin chào"]


async def test_a_429_that_never_ends_is_an_error_with_its_wait(
    api: FakeZaloApi, client: ZaloClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_RETRY_AFTER", 5)
    api.fail("sendMessage", 429, too_many(retry_after=120))
    with pytest.raises(ZaloRateLimitedError) as caught:
        await client.send_message(CHAT, "Xin chào")
    assert caught.value.retry_after == 120


async def test_a_long_poll_without_update_is_no_failure(
    api: FakeZaloApi, client: ZaloClient
) -> None:
    assert await client.get_updates(timeout=1) is None
    api.fail("getUpdates", 200, {"ok": False, "error_code": 400, "description": "Timeout"})
    assert await client.get_updates(timeout=1) is None
    api.push(text_update(CHAT, "xin chào", "m1"))
    update = await client.get_updates(timeout=1)
    assert update is not None and update["message"]["text"] == "xin chào"


async def test_refusals_and_a_wrong_token_are_errors(api: FakeZaloApi) -> None:
    wrong = ZaloClient("1:wrong", api.base_url)
    with pytest.raises(ZaloError) as caught:
        await wrong.get_me()
    assert caught.value.code == 401
    await wrong.aclose()
    right = ZaloClient(TOKEN, api.base_url)
    with pytest.raises(ZaloError) as refused:
        await right.send_message(CHAT, "x" * 2001)
    assert refused.value.code == 400 and not refused.value.is_network
    await right.aclose()


async def test_an_unreachable_server_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    zalo = ZaloClient(TOKEN, f"http://127.0.0.1:{port}")
    with pytest.raises(ZaloError) as caught:
        await zalo.send_message(CHAT, "x")
    assert caught.value.is_network and TOKEN not in str(caught.value)
    await zalo.aclose()


async def test_reminders_are_sent_as_numbered_text_and_refusals_mapped(
    api: FakeZaloApi, client: ZaloClient, engine: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = ZaloChannel(engine, client, time_limit=60)  # type: ignore[arg-type]
    sender = ZaloSender(channel)
    message = ReminderText(
        "⏰ Còn 3 ngày đến hạn nộp báo cáo.", [[Button("0:resume", "▶ Tiếp tục trả lời")]]
    )
    await sender.send(CHAT, message)
    assert api.texts(CHAT) == [
        "⏰ Còn 3 ngày đến hạn nộp báo cáo.\n1. ▶ Tiếp tục trả lời\n👉 Gõ 1 để chọn."
    ]
    # The reminder's choice is the one a typed "1" now selects.
    assert [c.code for c in channel.choices[CHAT]] == ["0:resume"]
    monkeypatch.setattr(client_module, "RATE_ATTEMPTS", 1)
    api.fail("sendMessage", 429, too_many(retry_after=7))
    with pytest.raises(RetryLaterError) as later:
        await sender.send(CHAT, message)
    assert later.value.seconds == 7
    api.fail("sendMessage", 403, {"ok": False, "error_code": 403, "description": "blocked"})
    with pytest.raises(UnreachableError):
        await sender.send(CHAT, message)
    api.fail("sendMessage", 400, {"ok": False, "error_code": 400, "description": "bad chat"})
    with pytest.raises(SendFailedError):
        await sender.send(CHAT, message)


async def test_a_draft_goes_as_its_link_and_preview_or_says_how_to_get_one(
    api: FakeZaloApi, client: ZaloClient, engine: object
) -> None:
    channel = ZaloChannel(engine, client, time_limit=60)  # type: ignore[arg-type]
    linked = DocumentReply(
        "bao-cao.docx",
        b"PK",
        "📄 Bản dự thảo báo cáo",
        link="https://baocao.example.edu.vn/d/abc",
        preview_url="https://baocao.example.edu.vn/d/abc/preview.png",
    )
    await channel.deliver(CHAT, [linked])
    assert api.texts(CHAT)[-1] == (
        "📄 Bản dự thảo báo cáo\n\n"
        + t("zalo.draft_link", link="https://baocao.example.edu.vn/d/abc")
    )
    photos = api.calls("sendPhoto")
    assert [p.body["photo"] for p in photos] == ["https://baocao.example.edu.vn/d/abc/preview.png"]
    await channel.deliver(CHAT, [DocumentReply("bao-cao.docx", b"PK", "📄 Bản dự thảo báo cáo")])
    assert api.texts(CHAT)[-1].endswith(t("zalo.draft_no_link"))
    assert "BAOCAO_PUBLIC_URL" in t("zalo.draft_no_link")
    assert len(api.calls("sendPhoto")) == 1


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("https://bot.example.vn/zalo", "short"),
        ("https://bot.example.vn/", "long-enough-secret"),
        ("ftp://bot.example.vn/zalo", "long-enough-secret"),
    ],
)
def test_a_webhook_needs_a_url_with_a_path_and_a_secret_of_8_to_256(url: str, secret: str) -> None:
    with pytest.raises(ValueError):
        ZaloWebhook(url, secret)


async def test_route_providers_plug_into_the_web_server_beside_the_zalo_webhook(
    api: FakeZaloApi, tmp_path: Path, migrated_sqlite: Path
) -> None:
    database_file = tmp_path / "baocao.db"
    database_file.write_bytes(migrated_sqlite.read_bytes())
    port = free_port()
    settings = Settings(
        ZALO_BOT_TOKEN=TOKEN,
        ZALO_API_BASE_URL=api.base_url,
        BAOCAO_WEB_LISTEN=f"127.0.0.1:{port}",
        BAOCAO_DATA_DIR=str(tmp_path),
        BAOCAO_REMINDER_SWEEP_SECONDS=0,
    )
    seen: list[Runtime] = []

    def health(runtime: Runtime) -> list[Route]:
        seen.append(runtime)

        async def ok(_request: object) -> PlainTextResponse:
            return PlainTextResponse("ok" if runtime.ready.is_set() else "starting")

        return [Route("/healthz", ok)]

    webhook = ZaloWebhook("https://bot.example.vn/zalo/hook", "a-long-secret")
    stop = asyncio.Event()
    database = Database(f"sqlite:///{database_file}")
    plan = Plan(telegram=False, telegram_webhook=None, zalo=True, zalo_webhook=webhook)
    running = asyncio.create_task(serve(settings, database, plan, providers=[health], stop=stop))
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            try:
                response = await http.get(f"http://127.0.0.1:{port}/healthz")
                if response.text == "ok":
                    break
            except httpx.ConnectError:
                pass
            await asyncio.sleep(0.05)
        assert response.text == "ok"
        assert api.webhook == {"url": webhook.url, "secret_token": "a-long-secret"}
        refused = await http.post(f"http://127.0.0.1:{port}/zalo/hook", json={})
        assert refused.status_code == 401
    stop.set()
    await asyncio.wait_for(running, 15)
    database.dispose()

"""The Zalo webhook answers Zalo only once an update is stored: 200 then, 500 when the
database could not take it (a redelivery, if Zalo makes one, is then handled)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from starlette.applications import Starlette

from bot.conversation.engine import ConversationEngine
from bot.store.database import Database
from bot.texts import t
from handlers.zalo.channel import ZaloChannel
from handlers.zalo.client import ZaloClient
from handlers.zalo.inbox import Inbox
from handlers.zalo.webhook import SECRET_HEADER, ZaloWebhook, webhook_routes
from tests.support.zalo_api import TOKEN, FakeZaloApi, text_update

CHAT = "b0a7c3"
SECRET = "a-long-webhook-secret"


@pytest.fixture
def api() -> Iterator[FakeZaloApi]:
    with FakeZaloApi(poll_wait=0.2) as server:
        yield server


@pytest.fixture
async def webhook(
    api: FakeZaloApi, engine: ConversationEngine
) -> AsyncIterator[tuple[httpx.AsyncClient, Inbox]]:
    """The webhook route of a Zalo channel over the test database, called in-process."""
    client = ZaloClient(TOKEN, api.base_url)
    inbox = Inbox(ZaloChannel(engine, client, time_limit=60))
    routes = webhook_routes(ZaloWebhook("https://bot.example.vn/zalo/hook", SECRET), inbox)
    transport = httpx.ASGITransport(app=Starlette(routes=routes))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        yield http, inbox
    await inbox.drain(10)
    await client.aclose()


async def test_an_update_is_answered_200_once_stored_and_500_when_it_could_not_be(
    webhook: tuple[httpx.AsyncClient, Inbox], api: FakeZaloApi, database: Database
) -> None:
    http, inbox = webhook
    headers = {SECRET_HEADER: SECRET}
    stored = await http.post(
        "/zalo/hook", json=text_update(CHAT, "/start", "s-1"), headers=headers
    )
    assert stored.status_code == 200
    # The database loses a table the engine writes to: the message cannot be stored.
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE processedevent")
    failed = await http.post("/zalo/hook", json=text_update(CHAT, "/tiep", "s-2"), headers=headers)
    assert failed.status_code == 500
    await inbox.drain(10)
    texts = api.texts(CHAT)
    assert texts[0].startswith("Xin chào Lan!")
    # The person is told it was not saved, and to send it again.
    assert texts[-1] == t("zalo.not_saved")


async def test_choices_that_cannot_be_kept_do_not_stop_the_reply(
    webhook: tuple[httpx.AsyncClient, Inbox], api: FakeZaloApi, database: Database
) -> None:
    http, inbox = webhook
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE shownchoices")
    headers = {SECRET_HEADER: SECRET}
    answered = await http.post(
        "/zalo/hook", json=text_update(CHAT, "/start", "c-1"), headers=headers
    )
    assert answered.status_code == 200
    await inbox.drain(10)
    texts = api.texts(CHAT)
    assert len(texts) == 1 and texts[0].startswith("Xin chào Lan!"), texts
    # In memory they still work: "1" picks the first section shown.
    await http.post("/zalo/hook", json=text_update(CHAT, "1", "c-2"), headers=headers)
    await inbox.drain(10)
    assert api.texts(CHAT)[1].startswith("Phần 1"), api.texts(CHAT)

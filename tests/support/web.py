"""The bot's web application served by a real uvicorn on loopback, from a thread of its own.

Synchronous tests (httpx, a browser driven by selenium) talk to it while it runs its own
event loop, as it does in the bot.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Command, Sender
from bot.core.replies import DocumentReply
from bot.store import queries as store
from bot.store.database import Database
from bot.workflow.draft_links import DraftLinks
from handlers.web.drafts import draft_routes
from handlers.web.server import build_web_app, serve_web
from tests.support.factories import open_unit
from tests.support.ports import free_port

FIXTURE_TEMPLATES = Path(__file__).parents[1] / "fixtures" / "templates"


def tampered(signed: str) -> str:
    """A signed token (or a link ending in one) with one character of its signature changed.

    The signature's first character: its last carries padding bits in base64, so changing it
    can decode to the same signature (a token ending in "A" changed to "B" was still valid).
    """
    head, _, signature = signed.rpartition(".")
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


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


@contextmanager
def serving(routes: Sequence[BaseRoute]) -> Iterator[str]:
    """Serves `routes` on a free loopback port until the block ends; yields the base URL."""
    with served(build_web_app(routes), free_port()) as base:
        yield base


SECRET = "web-test-secret-" * 3
DIRECTOR = Sender("telegram", "501", "Nguyễn Thị Lan")
# Markup and template syntax in what users typed must reach the page as plain text.
DEADLINE = date(2026, 6, 30)
UNIT_NAME = 'Trung tâm <b>Hoa Sen</b> & "Q1" {{ 7*7 }}'


@dataclass(frozen=True)
class Site:
    """A unit whose director asks drafts with links, and the web server serving them."""

    base: str
    database: Database
    links: DraftLinks
    engine: ConversationEngine
    drafts_dir: Path
    unit_id: int


def ask_draft(engine: ConversationEngine, sender: Sender = DIRECTOR) -> DocumentReply:
    """The draft /duthao answers (run here, as the terminal runs it), with its link."""
    replies = engine.handle(sender, Command("duthao"))
    (document,) = [reply for reply in replies if isinstance(reply, DocumentReply)]
    return document


@contextmanager
def draft_site(folder: Path) -> Iterator[Site]:
    """A unit of the fixture kind with one warning, an engine giving links, the server."""
    database = Database(f"sqlite:///{folder / 'baocao.db'}")
    database.migrate()
    with database.session() as session:
        unit = open_unit(
            session,
            name=UNIT_NAME,
            channel=DIRECTOR.channel,
            external_id=DIRECTOR.external_id,
            deadline=DEADLINE,
        )
        # Parts that do not add up to their total: a warning the page lists.
        store.save_answer(
            session,
            period_id=unit.period.id,  # type: ignore[arg-type]
            question_id="academic",
            value={"thcs": {"total": 50, "weak": 10, "average": 20, "good": 5}},
            member_id=unit.director.id,
        )
        unit_id = unit.unit.id
    port = free_port()
    links = DraftLinks(SECRET, f"http://127.0.0.1:{port}", timedelta(hours=24))
    drafts_dir = folder / "drafts"
    options = EngineOptions(
        templates_root=FIXTURE_TEMPLATES, drafts_dir=drafts_dir, draft_links=links
    )
    engine = ConversationEngine(database, options)
    app = build_web_app(draft_routes(database, links, drafts_dir))
    try:
        with served(app, port) as base:
            yield Site(base, database, links, engine, drafts_dir, unit_id)  # type: ignore[arg-type]
    finally:
        database.dispose()

"""The draft page behind a /duthao link, over HTTP against a real uvicorn on loopback.

The link comes from the engine's own /duthao (the draft kept in the history), and the
server is the bot's web application with the draft routes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import time_machine
from docx import Document

from bot.conversation import heavy
from bot.conversation.events import Command
from bot.core.clock import now
from bot.core.replies import DocumentReply, HeavyJob
from bot.core.settings import Settings
from bot.report.preview import previews_available
from bot.store.database import Database
from bot.texts import t
from bot.workflow.draft_links import revoke
from handlers.web.drafts import configured_draft_routes
from tests.support.web import DIRECTOR, Site, ask_draft, draft_site, tampered


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with draft_site(tmp_path_factory.mktemp("web")) as served_site:
        yield served_site


@pytest.fixture(scope="module")
def draft(site: Site) -> DocumentReply:
    return ask_draft(site.engine)


def assert_private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers
    assert response.headers["referrer-policy"] == "no-referrer"


def test_duthao_gives_a_link_to_the_kept_draft(site: Site, draft: DocumentReply) -> None:
    assert draft.link is not None and draft.link.startswith(f"{site.base}/d/")
    assert draft.kept_at is not None and draft.kept_at.parent.parent == site.drafts_dir
    if previews_available():
        assert draft.preview_url == f"{draft.link}/preview-1.png"


def test_the_page_shows_the_draft_as_escaped_text(draft: DocumentReply) -> None:
    response = httpx.get(draft.link or "", timeout=120)
    assert response.status_code == 200
    assert_private(response)
    page = response.text
    assert "Báo cáo thử nghiệm" in page  # the report's name
    assert "Trung tâm &lt;b&gt;Hoa Sen&lt;/b&gt; &amp; &#34;Q1&#34; {{ 7*7 }}" in page
    assert "<b>Hoa Sen</b>" not in page
    assert "Năm học 2025 - 2026" in page
    assert "Kỳ báo cáo đang mở (hạn nộp 30/06/2026)" in page
    assert "Còn thiếu 9 câu" in page  # the status: most answers are missing
    assert "Cảnh báo số liệu chưa xử lý (2)" in page
    assert "Yếu (10) + TB (20) + Khá (5) = 35, nhưng TS HV là 50." in page
    assert 'href="' in page and "/docx" in page


def test_the_docx_download_is_the_kept_draft(draft: DocumentReply) -> None:
    response = httpx.get(f"{draft.link}/docx", timeout=60)
    assert response.status_code == 200
    assert_private(response)
    assert response.content == draft.data
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "BÁO CÁO" in text.upper()


@pytest.mark.slow
@pytest.mark.skipif(not previews_available(), reason="LibreOffice or pdftoppm not installed")
def test_the_pdf_and_the_page_pictures(draft: DocumentReply) -> None:
    pdf = httpx.get(f"{draft.link}/pdf", timeout=180)
    assert pdf.status_code == 200
    assert_private(pdf)
    assert pdf.content.startswith(b"%PDF")
    picture = httpx.get(draft.preview_url or "", timeout=180)
    assert picture.status_code == 200
    assert_private(picture)
    assert picture.content.startswith(b"\x89PNG")
    assert httpx.get(f"{draft.link}/preview-99.png", timeout=60).status_code == 404
    page = httpx.get(draft.link or "", timeout=60).text
    assert 'src="' in page and "/preview-1.png" in page


def test_without_libreoffice_the_page_has_no_preview(
    site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice, no pdftoppm
    draft = ask_draft(site.engine)
    assert draft.link is not None and draft.preview_url is None
    page = httpx.get(draft.link or "", timeout=60)
    assert page.status_code == 200
    assert t("web.draft.preview_unavailable") in page.text
    assert "/pdf" not in page.text
    refused = httpx.get(f"{draft.link}/pdf", timeout=60)
    assert refused.status_code == 404
    assert t("web.refused.no_pdf") in refused.text


def test_a_changed_token_gets_the_403_page(draft: DocumentReply) -> None:
    link = draft.link or ""
    changed = tampered(link)
    for url in (changed, f"{changed}/docx", f"{changed}/pdf", f"{changed}/preview-1.png"):
        response = httpx.get(url, timeout=60)
        assert response.status_code == 403
        assert_private(response)
        assert t("web.refused.invalid") in response.text
        assert t("web.refused.what_to_do") in response.text


def test_an_expired_link_gets_the_403_page(draft: DocumentReply) -> None:
    with time_machine.travel(now() + timedelta(hours=24, minutes=1)):
        response = httpx.get(f"{draft.link}/docx", timeout=60)
    assert response.status_code == 403
    assert t("web.refused.expired") in response.text
    assert "/duthao" in response.text


def test_a_revoked_link_gets_the_403_page(site: Site) -> None:
    draft = ask_draft(site.engine)
    assert httpx.get(f"{draft.link}/docx", timeout=60).status_code == 200
    with site.database.session() as session:
        revoke(session, unit_id=site.unit_id)
    response = httpx.get(f"{draft.link}/docx", timeout=60)
    assert response.status_code == 403
    assert t("web.refused.revoked") in response.text


def test_a_link_whose_draft_is_gone_says_so(site: Site) -> None:
    draft = ask_draft(site.engine)
    assert draft.kept_at is not None
    draft.kept_at.unlink()
    response = httpx.get(draft.link or "", timeout=60)
    assert response.status_code == 404
    assert t("web.refused.missing") in response.text


def test_a_draft_drawn_in_the_heavy_worker_opens_through_its_link(site: Site) -> None:
    # The Telegram (and Zalo) path: the draft is drawn in a worker process after the commit.
    replies = site.engine.handle(DIRECTOR, Command("duthao"), event_id="heavy-1", defer=True)
    (job,) = [reply for reply in replies if isinstance(reply, HeavyJob)]
    document = heavy.run_limited(job, limit=120)[0]
    assert isinstance(document, DocumentReply) and document.link is not None
    response = httpx.get(f"{document.link}/docx", timeout=60)
    assert response.status_code == 200 and response.content == document.data


def test_the_routes_are_mounted_with_or_without_a_public_url(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'baocao.db'}")
    unset = Settings(BAOCAO_DATA_DIR=tmp_path)  # type: ignore[call-arg]
    assert len(configured_draft_routes(database, unset)) == 4
    public = Settings(BAOCAO_DATA_DIR=tmp_path, BAOCAO_PUBLIC_URL="https://bc.example.vn")  # type: ignore[call-arg]
    paths = [route.path for route in configured_draft_routes(database, public)]  # type: ignore[attr-defined]
    assert paths == [
        "/d/{token}",
        "/d/{token}/docx",
        "/d/{token}/pdf",
        "/d/{token}/preview-{page:int}.png",
    ]
    database.dispose()

"""The draft pages behind the links /duthao gives: GET /d/<token> and its files.

Every request checks its token (`bot.workflow.draft_links`) and serves the one kept draft
it names from the draft history, never building one. Database reads and conversions run
in threads, off the event loop. Responses set no cookie, are never cached
(`Cache-Control: no-store`) and send no referrer, so the token stays out of logs and
proxies; what the user typed reaches the page only as escaped data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.clock import VIETNAM
from bot.core.settings import Settings
from bot.report.history import DraftHistory, KeptDraft
from bot.report.pdf import PdfConversionError, PdfUnavailableError
from bot.report.preview import kept_pdf, page_images, previews_available
from bot.store.database import Database
from bot.texts import t
from bot.workflow import draft_links
from bot.workflow.draft_links import DraftLinks, LinkRefusedError

WEB_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "_web"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Sent with every answer of these routes, refusals included.
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
}

_pages = Environment(loader=FileSystemLoader(WEB_TEMPLATES), autoescape=True)
_pages.globals["t"] = t


class _MissingDraftError(Exception):
    """The link is valid but its draft is no longer kept (or was never made)."""


@dataclass(frozen=True)
class _Opened:
    """A valid link's draft, copied out of the session."""

    kept: KeptDraft
    unit_name: str
    expires_at: datetime
    # The period as it stands now (the draft may be older): open, closed or final.
    period_status: str
    deadline: date | None


def _when(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def _refused(key: str, status: int = 403) -> HTMLResponse:
    """The page of a link that does not open: why, and what to do."""
    body = _pages.get_template("refused.html").render(reason=t(f"web.refused.{key}"))
    return HTMLResponse(body, status_code=status, headers=HEADERS)


class DraftPages:
    """The handlers of the draft routes, over one database and draft history."""

    def __init__(self, database: Database, links: DraftLinks, drafts_dir: Path) -> None:
        self.database = database
        self.links = links
        self.history = DraftHistory(drafts_dir)

    def _open_now(self, token: str) -> _Opened:
        with self.database.session() as session:
            opened = self.links.open(session, token)
            period = opened.period
        kept = self.history.at(period.id, opened.made_at)  # type: ignore[arg-type]
        if kept is None:
            raise _MissingDraftError
        return _Opened(kept, opened.unit.name, opened.expires_at, period.status, period.deadline)

    async def _open(self, request: Request) -> _Opened | Response:
        """The link's draft, or the page saying why it does not open."""
        try:
            return await run_in_threadpool(self._open_now, request.path_params["token"])
        except LinkRefusedError as refused:
            return _refused(refused.reason.value)
        except _MissingDraftError:
            return _refused("missing", 404)

    async def page(self, request: Request) -> Response:
        """The draft's page: name, status, date, open warnings, pictures, downloads."""
        opened = await self._open(request)
        if isinstance(opened, Response):
            return opened
        token = request.path_params["token"]
        summary = opened.kept.summary
        pages: list[int] = []
        preview_problem = None
        if previews_available():
            try:
                pictures = await run_in_threadpool(page_images, opened.kept.path)
                pages = list(range(1, len(pictures) + 1))
            except (PdfConversionError, PdfUnavailableError):
                preview_problem = t("web.draft.preview_failed")
        else:
            preview_problem = t("web.draft.preview_unavailable")
        context: dict[str, Any] = {
            "token": token,
            "report": summary.get("report") or opened.kept.path.stem,
            "year": summary.get("year", ""),
            "term": summary.get("term", ""),
            "unit": opened.unit_name,
            "made_at": _when(opened.kept.made_at),
            "period_status": t(f"web.draft.period.{opened.period_status}"),
            "deadline": opened.deadline.strftime("%d/%m/%Y") if opened.deadline else "",
            "valid_until": _when(opened.expires_at),
            "missing_count": int(summary.get("missing_count", 0)),
            "missing_sections": ", ".join(summary.get("missing_sections", [])),
            "warnings": list(summary.get("warnings", [])),
            "notes": list(summary.get("notes", [])),
            "pages": pages,
            "preview_problem": preview_problem,
            "pdf": previews_available(),
        }
        body = _pages.get_template("draft.html").render(**context)
        return HTMLResponse(body, headers=HEADERS)

    async def docx(self, request: Request) -> Response:
        """The kept .docx, as an attachment."""
        opened = await self._open(request)
        if isinstance(opened, Response):
            return opened
        path = opened.kept.path
        return FileResponse(path, media_type=DOCX_TYPE, filename=path.name, headers=HEADERS)

    async def pdf(self, request: Request) -> Response:
        """The kept draft printed to PDF (once), as an attachment."""
        opened = await self._open(request)
        if isinstance(opened, Response):
            return opened
        try:
            path = await run_in_threadpool(kept_pdf, opened.kept.path)
        except PdfUnavailableError:
            return _refused("no_pdf", 404)
        except PdfConversionError:
            return _refused("pdf_failed", 500)
        return FileResponse(
            path, media_type="application/pdf", filename=path.name, headers=HEADERS
        )

    async def preview(self, request: Request) -> Response:
        """The picture of one page of the kept draft."""
        opened = await self._open(request)
        if isinstance(opened, Response):
            return opened
        number = int(request.path_params["page"])
        try:
            pictures = await run_in_threadpool(page_images, opened.kept.path)
        except PdfUnavailableError:
            return _refused("no_pdf", 404)
        except PdfConversionError:
            return _refused("pdf_failed", 500)
        if not 1 <= number <= len(pictures):
            return Response(status_code=404, headers=HEADERS)
        return FileResponse(pictures[number - 1], media_type="image/png", headers=HEADERS)


def draft_routes(database: Database, links: DraftLinks, drafts_dir: Path) -> list[BaseRoute]:
    """The routes of the draft pages, to mount on the bot's web application."""
    pages = DraftPages(database, links, drafts_dir)
    return [
        Route("/d/{token}", pages.page, methods=["GET"]),
        Route("/d/{token}/docx", pages.docx, methods=["GET"]),
        Route("/d/{token}/pdf", pages.pdf, methods=["GET"]),
        Route("/d/{token}/preview-{page:int}.png", pages.preview, methods=["GET"]),
    ]


def configured_draft_routes(database: Database, settings: Settings) -> list[BaseRoute]:
    """The draft routes, for the links the deployment gives (`draft_links.configured`)."""
    return draft_routes(database, draft_links.configured(settings), settings.drafts_dir)

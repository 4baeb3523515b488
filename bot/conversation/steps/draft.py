"""/duthao: the draft of the whole report, kept dated; once nothing is missing, the clean
version ("bản sạch") to sign, as .docx or PDF; and the previous draft sent again.

The event only gathers what the draft is made of (a consolidated period's sums included)
into a `DraftOrder`; drawing the document, and printing it to PDF, run after the event's
commit as a heavy job (`bot.conversation.heavy`), outside SQLite's write lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.conversation import heavy
from bot.core.clock import VIETNAM, now
from bot.core.replies import Button, DocumentReply, Outgoing, Reply
from bot.core.text import year_text
from bot.questionnaire.schema import Template
from bot.report.build import Draft, IncompleteReportError, ReportFrame, frame_for, render_draft
from bot.report.history import DraftHistory, KeptDraft, stamped_name
from bot.report.pdf import PdfConversionError, PdfUnavailableError, docx_to_pdf, pdf_available
from bot.report.preview import previews_available
from bot.texts import t
from bot.workflow.access import Action, can
from bot.workflow.draft_links import IssuedLink
from bot.workflow.hierarchy import draft_inputs

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface

log = logging.getLogger(__name__)

ACTIONS = ("draft", "draft:clean", "draft:pdf", "draft:last")


@dataclass(frozen=True)
class DraftOrder:
    """What a draft job needs, copied out of the event's transaction (it is pickled to the
    worker that draws it)."""

    action: str
    template: Template
    frame: ReportFrame
    values: dict[str, Any]
    confirmed: frozenset[str]
    notes: tuple[str, ...]
    period_id: int
    drafts_dir: Path | None
    # The codes of the buttons offered with a draft, made while the step is known.
    codes: dict[str, str]
    # The draft's stamp in the history (to the second), and its signed web link if any.
    made_at: datetime
    link: IssuedLink | None = None


class DraftStep:
    """The draft commands and buttons for one turn."""

    def __init__(self, turn: TurnSurface) -> None:
        self.turn = turn

    def action(self, action: str) -> list[Outgoing]:
        """/duthao and its buttons; the unit's leaders only."""
        turn = self.turn
        if not can(turn.member, Action.VIEW_DRAFT):
            log.warning(
                "refused: member %s (%s) asked for the draft", turn.member.id, turn.member.role
            )
            return [Reply(t("denied.lead_only")), *turn.current(quiet_menu=True)]
        if action == "draft:last":
            last = _history(turn.options.drafts_dir)
            return [*resend_last(last, turn.period_id), *turn.current(quiet_menu=True)]
        return [heavy.job(run_order, self.order(action)), *turn.current(quiet_menu=True)]

    def order(self, action: str) -> DraftOrder:
        """The draft's material as it stands in this event's transaction."""
        turn = self.turn
        made_at = now().replace(microsecond=0)
        links = turn.options.draft_links
        link = None
        if action == "draft" and links is not None and turn.options.drafts_dir is not None:
            # The link names the draft by its stamp: the page opens this very file.
            link = links.issue(
                turn.session, member=turn.member, period=turn.period, made_at=made_at
            )
        values, notes = draft_inputs(
            turn.session,
            period=turn.period,
            template=turn.template,
            values=dict(turn.values),
            root=turn.options.templates_root,
        )
        return DraftOrder(
            action=action,
            template=turn.template,
            frame=frame_for(turn.unit, turn.period),
            values=dict(values),
            confirmed=frozenset(turn.confirmed),
            notes=tuple(notes),
            period_id=turn.period_id,
            drafts_dir=turn.options.drafts_dir,
            codes={name: turn.code(name) for name in ("draft:clean", "draft:pdf", "draft:last")},
            made_at=made_at,
            link=link,
        )


def run_order(order: DraftOrder) -> list[Outgoing]:
    """The draft, or the clean version, drawn from its order (in the heavy-job worker)."""
    if order.action in ("draft:clean", "draft:pdf"):
        return _clean(order, pdf=order.action == "draft:pdf")
    return _draft(order)


def _build(order: DraftOrder, *, clean: bool = False) -> Draft:
    return render_draft(
        order.template,
        order.frame,
        order.values,
        set(order.confirmed),
        clean=clean,
        notes=order.notes,
    )


def _draft(order: DraftOrder) -> list[Outgoing]:
    """The draft as it stands, dated in its name and kept; then the choices."""
    history = _history(order.drafts_dir)
    previous = history.last(order.period_id) if history else None
    draft = _build(order)
    name = stamped_name(draft.file_name, order.made_at)
    kept = (
        history.keep(order.period_id, name, draft.data, _summary(order, draft))
        if history is not None
        else None
    )
    link = order.link
    replies: list[Outgoing] = [
        DocumentReply(
            name,
            draft.data,
            _caption(order, draft),
            kept_at=kept.path if kept else None,
            link=link.url if link else None,
            preview_url=link.preview_url if link and previews_available() else None,
        )
    ]
    buttons: list[list[Button]] = []
    lines: list[str] = []
    if not draft.missing:
        lines.append(t("drafting.clean_offer"))
        buttons.append([Button(order.codes["draft:clean"], t("drafting.button_clean"))])
        if pdf_available():
            buttons.append([Button(order.codes["draft:pdf"], t("drafting.button_pdf"))])
    if previous is not None:
        lines.append(t("drafting.previous", when=_when(previous)))
        buttons.append([Button(order.codes["draft:last"], t("drafting.button_last"))])
    if buttons:
        replies.append(Reply("\n".join(lines), buttons))
    return replies


def _heading(order: DraftOrder) -> str:
    frame = order.frame
    term = t("reports.term", term=frame.term_number) if frame.term else ""
    return t("draft.caption", report=order.template.name, year=year_text(frame.year), term=term)


def _summary(order: DraftOrder, draft: Draft) -> dict[str, Any]:
    """What the draft's web page shows of it, kept beside the file."""
    return {
        "report": order.template.name,
        "unit": order.frame.unit_name,
        "year": year_text(order.frame.year),
        "term": t("reports.term", term=order.frame.term_number) if order.frame.term else "",
        "missing_count": draft.missing_count,
        "missing_sections": list(draft.missing_sections),
        "warnings": list(draft.warnings),
        "notes": list(draft.context.notes),
    }


def _caption(order: DraftOrder, draft: Draft) -> str:
    lines = [_heading(order)]
    if draft.missing_sections:
        lines.append(
            t(
                "draft.missing",
                count=draft.missing_count,
                sections=", ".join(draft.missing_sections),
            )
        )
    else:
        lines.append(t("draft.complete"))
    if draft.warnings:
        lines.append(t("draft.warnings", count=len(draft.warnings)))
        lines.extend(f"• {w}" for w in draft.warnings[:10])
    lines.extend(f"• {note}" for note in draft.context.notes)
    return "\n".join(lines)


def _clean(order: DraftOrder, *, pdf: bool) -> list[Outgoing]:
    """The clean version, refused while an answer is missing."""
    try:
        draft = _build(order, clean=True)
    except IncompleteReportError as err:
        return [Reply(t("drafting.clean_refused", count=err.args[0]))]
    caption = t("drafting.clean_caption", report=order.template.name)
    if not pdf:
        return [DocumentReply(draft.file_name, draft.data, caption)]
    stem = draft.file_name.removesuffix(".docx")
    try:
        data = docx_to_pdf(draft.data, stem)
    except PdfUnavailableError:
        return [Reply(t("drafting.pdf_unavailable"))]
    except PdfConversionError:
        log.warning("PDF conversion failed for period %s", order.period_id, exc_info=True)
        return [Reply(t("drafting.pdf_failed"))]
    return [DocumentReply(f"{stem}.pdf", data, caption)]


def resend_last(history: DraftHistory | None, period_id: int) -> list[Outgoing]:
    """The newest kept draft, as it was sent."""
    last = history.last(period_id) if history else None
    if last is None:
        return [Reply(t("drafting.no_previous"))]
    return [DocumentReply(last.path.name, last.data, t("drafting.resent", when=_when(last)))]


def _history(root: Path | None) -> DraftHistory | None:
    return DraftHistory(root) if root is not None else None


def _when(draft: KeptDraft) -> str:
    return draft.made_at.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")

"""/duthao: the draft of the whole report, kept dated; once nothing is missing, the clean
version ("bản sạch") to sign, as .docx or PDF; and the previous draft sent again."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.clock import VIETNAM, now
from bot.engine.messages import Button, DocumentReply, Outgoing, Reply
from bot.report.build import Draft, IncompleteReportError, build_draft
from bot.report.history import DraftHistory, KeptDraft, stamped_name
from bot.report.numbering import roman
from bot.report.pdf import PdfConversionError, PdfUnavailableError, docx_to_pdf, pdf_available
from bot.texts import t
from bot.workflow.access import Action, can

if TYPE_CHECKING:
    from bot.engine.engine import _Turn

log = logging.getLogger(__name__)

ACTIONS = ("draft", "draft:clean", "draft:pdf", "draft:last")


class DraftStep:
    """The draft commands and buttons for one turn."""

    def __init__(self, turn: _Turn) -> None:
        self.turn = turn
        root = turn.options.drafts_dir
        self.history = DraftHistory(root) if root is not None else None

    def action(self, action: str) -> list[Outgoing]:
        """/duthao and its buttons; the unit's leaders only."""
        turn = self.turn
        if not can(turn.member, Action.VIEW_DRAFT):
            log.warning(
                "refused: member %s (%s) asked for the draft", turn.member.id, turn.member.role
            )
            return [Reply(t("denied.lead_only")), *turn.current(quiet_menu=True)]
        if action == "draft:last":
            return [*self.resend_last(), *turn.current(quiet_menu=True)]
        if action in ("draft:clean", "draft:pdf"):
            return [*self.clean(pdf=action == "draft:pdf"), *turn.current(quiet_menu=True)]
        return [*self.draft(), *turn.current(quiet_menu=True)]

    def build(self, *, clean: bool = False) -> Draft:
        turn = self.turn
        return build_draft(
            template=turn.template,
            unit=turn.unit,
            period=turn.period,
            values=turn.values,
            confirmed=set(turn.confirmed),
            clean=clean,
        )

    def draft(self) -> list[Outgoing]:
        """The draft as it stands, dated in its name and kept; then the choices."""
        turn = self.turn
        previous = self.history.last(turn.period_id) if self.history else None
        draft = self.build()
        name = stamped_name(draft.file_name, now())
        if self.history is not None:
            self.history.keep(turn.period_id, name, draft.data)
        replies: list[Outgoing] = [DocumentReply(name, draft.data, self.caption(draft))]
        buttons: list[list[Button]] = []
        lines: list[str] = []
        if not draft.missing:
            lines.append(t("drafting.clean_offer"))
            buttons.append([Button(turn.code("draft:clean"), t("drafting.button_clean"))])
            if pdf_available():
                buttons.append([Button(turn.code("draft:pdf"), t("drafting.button_pdf"))])
        if previous is not None:
            lines.append(t("drafting.previous", when=_when(previous)))
            buttons.append([Button(turn.code("draft:last"), t("drafting.button_last"))])
        if buttons:
            replies.append(Reply("\n".join(lines), buttons))
        return replies

    def caption(self, draft: Draft) -> str:
        turn = self.turn
        year = turn.period.year.replace("-", " - ")
        period = turn.period
        term = t("reports.term", term=roman(period.term)) if period.term else ""
        lines = [t("draft.caption", report=turn.template.name, year=year, term=term)]
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

    def clean(self, *, pdf: bool) -> list[Outgoing]:
        """The clean version, refused while an answer is missing."""
        try:
            draft = self.build(clean=True)
        except IncompleteReportError as err:
            return [Reply(t("drafting.clean_refused", count=err.args[0]))]
        caption = t("drafting.clean_caption", report=self.turn.template.name)
        if not pdf:
            return [DocumentReply(draft.file_name, draft.data, caption)]
        stem = draft.file_name.removesuffix(".docx")
        try:
            data = docx_to_pdf(draft.data, stem)
        except PdfUnavailableError:
            return [Reply(t("drafting.pdf_unavailable"))]
        except PdfConversionError:
            log.warning("PDF conversion failed for period %s", self.turn.period_id, exc_info=True)
            return [Reply(t("drafting.pdf_failed"))]
        return [DocumentReply(f"{stem}.pdf", data, caption)]

    def resend_last(self) -> list[Outgoing]:
        """The newest kept draft, as it was sent."""
        last = self.history.last(self.turn.period_id) if self.history else None
        if last is None:
            return [Reply(t("drafting.no_previous"))]
        return [DocumentReply(last.path.name, last.data, t("drafting.resent", when=_when(last)))]


def _when(draft: KeptDraft) -> str:
    return draft.made_at.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")

"""An audit told in Vietnamese: the whole list for the terminal, a short one for chat."""

from __future__ import annotations

from bot.figure_check.findings import AuditReport, Finding
from bot.texts import t

__all__ = ["chat_summary", "text_report"]

# How many mismatches a chat reply lists before pointing at the rest.
CHAT_LIMIT = 5


def _headline(report: AuditReport) -> str:
    if not report.checked:
        return t("audit.nothing_checked", file=report.file)
    if not report.findings:
        return t("audit.all_right", file=report.file, checked=report.checked)
    return t(
        "audit.mismatches",
        file=report.file,
        checked=report.checked,
        count=len(report.findings),
    )


def _item(index: int, finding: Finding) -> str:
    return t(
        "audit.item",
        index=index,
        context=finding.context,
        stated=finding.stated,
        expected=finding.expected,
        message=finding.message,
    )


def text_report(report: AuditReport) -> str:
    """Every mismatch quoted in its context with the correct figure."""
    lines = [_headline(report)]
    lines += [_item(i, f) for i, f in enumerate(report.findings, 1)]
    return "\n\n".join(lines)


def chat_summary(report: AuditReport, limit: int = CHAT_LIMIT) -> str:
    """The headline and the first `limit` mismatches, then how many more there are."""
    lines = [_headline(report)]
    lines += [_item(i, f) for i, f in enumerate(report.findings[:limit], 1)]
    if len(report.findings) > limit:
        lines.append(t("audit.more", count=len(report.findings) - limit))
    return "\n\n".join(lines)

"""Why a file could not be audited, told the way its reader (chat or terminal) needs."""

from __future__ import annotations

from bot.texts import t

__all__ = ["SourceError"]

# Reasons with a message of their own; anything else is "unreadable".
_REASONS = ("unreadable", "too_large", "missing", "not_a_file", "file_too_large")


class SourceError(ValueError):
    """The file cannot be read as a .docx or as UTF-8 text.

    `reason` says why for the user: "unreadable", "too_large" (its text inflates past
    the limit), "missing", "not_a_file" (a folder, device or pipe), "file_too_large".
    """

    def __init__(self, detail: str, *, reason: str = "unreadable", **params: object) -> None:
        super().__init__(detail)
        self.reason = reason if reason in _REASONS else "unreadable"
        self.params = params

    def explain(self, file: str, *, chat: bool = False) -> str:
        """The Vietnamese message for `file`: in chat, an unreadable file is asked again
        as a Word file; in the terminal, plain text is named as well."""
        if self.reason == "unreadable":
            return t("audit.unreadable" if chat else "audit.unreadable_file", file=file)
        return t(f"audit.{self.reason}", file=file, **self.params)

"""Why a file could not be written, in words an operator understands."""

from __future__ import annotations

import errno

from bot.texts import t

# errno → catalogue key under `files.reason`; anything else is told with the system's words.
_REASONS = {
    errno.EACCES: "denied",
    errno.EPERM: "denied",
    errno.EROFS: "read_only",
    errno.ENOTDIR: "not_a_folder",
    errno.EEXIST: "not_a_folder",
    errno.ENOENT: "not_a_folder",
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
}


def os_error_text(err: OSError) -> str:
    """The reason of a failed write, in Vietnamese where it is a common one."""
    key = _REASONS.get(err.errno or 0)
    return t(f"files.reason.{key}") if key else str(err.strerror or err)

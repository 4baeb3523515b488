"""Every draft sent is kept, dated in its file name, so none overwrites another and the
last one can be sent again."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core.clock import VIETNAM

_STAMP_FORMAT = "%Y%m%d-%H%M%S"
_STAMPED = re.compile(r"-du-thao-(\d{8}-\d{6})\.docx$")


def stamped_name(file_name: str, moment: datetime) -> str:
    """The file name with the draft's time: "Bao-cao-X-du-thao-20261206-140512.docx"."""
    stamp = moment.astimezone(VIETNAM).strftime(_STAMP_FORMAT)
    return f"{file_name.removesuffix('.docx')}-du-thao-{stamp}.docx"


@dataclass(frozen=True)
class KeptDraft:
    """A draft on disk and when it was made."""

    path: Path
    made_at: datetime

    @property
    def data(self) -> bytes:
        """The file's bytes."""
        return self.path.read_bytes()

    @property
    def summary(self) -> dict[str, Any]:
        """What was said of the draft when it was made (report, status, warnings), if kept."""
        try:
            loaded = json.loads(self.path.with_suffix(".json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}


class DraftHistory:
    """The drafts of each period, one folder per period under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder(self, period_id: int) -> Path:
        """Where the period's drafts are kept."""
        return self.root / f"period-{period_id}"

    def keep(
        self,
        period_id: int,
        file_name: str,
        data: bytes,
        summary: dict[str, Any] | None = None,
    ) -> KeptDraft:
        """Stores a draft whose `file_name` is already stamped, and what was said of it."""
        folder = self.folder(period_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / file_name
        if summary is not None:
            text = json.dumps(summary, ensure_ascii=False, indent=1)
            path.with_suffix(".json").write_text(text, encoding="utf-8")
        path.write_bytes(data)
        return _kept(path)

    def at(self, period_id: int, made_at: datetime) -> KeptDraft | None:
        """The period's draft stamped `made_at` (to the second), if it is kept."""
        stamp = made_at.astimezone(VIETNAM).strftime(_STAMP_FORMAT)
        for draft in self.drafts(period_id):
            if draft.path.name.endswith(f"-du-thao-{stamp}.docx"):
                return draft
        return None

    def drafts(self, period_id: int) -> list[KeptDraft]:
        """The period's kept drafts, oldest first."""
        folder = self.folder(period_id)
        if not folder.is_dir():
            return []
        kept = [_kept(path) for path in folder.glob("*.docx") if _STAMPED.search(path.name)]
        return sorted(kept, key=lambda draft: draft.made_at)

    def last(self, period_id: int) -> KeptDraft | None:
        """The newest kept draft of the period, if any."""
        drafts = self.drafts(period_id)
        return drafts[-1] if drafts else None


def _kept(path: Path) -> KeptDraft:
    match = _STAMPED.search(path.name)
    if match is None:
        raise ValueError(f"not a kept draft: {path.name}")
    made = datetime.strptime(match.group(1), _STAMP_FORMAT).replace(tzinfo=VIETNAM)
    return KeptDraft(path, made)

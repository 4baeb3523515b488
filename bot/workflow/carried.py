"""Last period's answers offered to a period (questions marked `carry`), read once per
process: asked at every `carry` question, they would cost a query each time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.store.committed import CommittedMemo
from bot.workflow.periods import carried_answers
from models import Period, require_id

# Periods kept at most per database (a few answers each); past it the memo starts anew.
MAX_PERIODS = 512
# A period by its id and creation moment: its carried answers are written with it, in the
# transaction that opens it, and never change after; an id used again (a database restored
# or made anew) comes with another moment. Shared only once committed: a period opened in
# the reading transaction may be undone.
_MEMO: CommittedMemo[tuple[int, datetime], dict[str, Any]] = CommittedMemo(
    "carried_answers", MAX_PERIODS
)


def carried_of(session: Session, period: Period) -> dict[str, Any]:
    """The period's carried answers by question id (a copy the caller may change)."""
    key = (require_id(period), period.created_at)
    found = _MEMO.shared(session).get(key)
    if found is None:
        found = carried_answers(session, period_id=key[0])
        _MEMO.pending(session)[key] = found
    return dict(found)

"""The numbered choices a chat was shown last, kept per chat (an upsert on each dialect)."""

from __future__ import annotations

import pytest

from bot.store import shown_choices
from bot.store.database import Database

pytestmark = pytest.mark.dialect


def test_the_newest_choices_of_each_chat_are_kept_and_read_back(database: Database) -> None:
    first = [(1, "3:fix", "✏️ Sửa lại")]
    newer = [(1, "5:o:yes", "1. Có"), (2, "5:o:no", "2. Không")]
    assert shown_choices.recall(database, channel="zalo", external_id="a1") == []
    shown_choices.remember(database, channel="zalo", external_id="a1", choices=first)
    shown_choices.remember(database, channel="zalo", external_id="b2", choices=first)
    shown_choices.remember(database, channel="zalo", external_id="a1", choices=newer)
    assert shown_choices.recall(database, channel="zalo", external_id="a1") == newer
    assert shown_choices.recall(database, channel="zalo", external_id="b2") == first
    # Another channel's chat with the same id is another chat.
    assert shown_choices.recall(database, channel="console", external_id="a1") == []
    shown_choices.remember(database, channel="zalo", external_id="a1", choices=[])
    assert shown_choices.recall(database, channel="zalo", external_id="a1") == []

"""An update the bot cannot read is confirmed, answered where it can be, and never again.

The emulator delivers raw JSON a Telegram library may fail to read (here a message entity
without its offset and length); the real bot keeps answering everybody and, restarted,
does not receive that update again.
"""

from __future__ import annotations

import time

import pytest

from bot.texts import t
from tests.e2e.conftest import Emulator, StartBot
from tests.e2e.test_upload_e2e import expect_menu

pytestmark = pytest.mark.slow


def test_an_unreadable_update_is_answered_and_the_bot_goes_on(
    emulator: Emulator, start_bot: StartBot
) -> None:
    bot = start_bot()
    user = emulator.user()
    other = emulator.user(user_id=5151, first_name="Minh", last_name="Trần")
    user.say("/start")
    expect_menu(user)

    user.mark()
    poison = emulator.raw_update(
        {
            "message": {
                "message_id": 9999,
                "date": int(time.time()),
                "chat": user.chat,
                "from": user.person,
                "text": "xin chào",
                "entities": [{"type": "bold"}],
            }
        }
    )
    user.expect(t("telegram.unreadable_update"), timeout=10)
    other.say("/start")
    expect_menu(other)
    assert bot.process.poll() is None
    assert f"update {poison} cannot be read" in bot.output()

    # Restarted, the bot is not handed the unreadable update again.
    assert bot.terminate() == 0
    start_bot()
    user.say("/tiep")
    user.wait(lambda ms: bool(ms), timeout=10)
    assert emulator.state()["delivered"].count(poison) == 1

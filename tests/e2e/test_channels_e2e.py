"""`baocao run` with Telegram and Zalo configured: one process answers both.

The Telegram side is the Bot API emulator, the Zalo side the fake Zalo API; both on loopback.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import Emulator, StartBot
from tests.support.zalo_api import TOKEN as ZALO_TOKEN
from tests.support.zalo_api import FakeZaloApi, text_update

pytestmark = pytest.mark.slow

ZALO_CHAT = "7d3e91ab20"


def test_one_process_answers_telegram_and_zalo_side_by_side(
    emulator: Emulator, start_bot: StartBot
) -> None:
    with FakeZaloApi(poll_wait=0.5) as zalo:
        bot = start_bot(ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_BASE_URL=zalo.base_url)
        user = emulator.user()
        user.say("/start")
        zalo.push(text_update(ZALO_CHAT, "/start", "z-1", name="Hòa"))
        assert f"Xin chào {user.full_name}!" in user.expect("Xin chào").text
        welcome = zalo.wait_texts(ZALO_CHAT, 1)[0]
        assert "Xin chào Hòa!" in welcome
        # Each in its own demo unit: the Zalo user picks a section by typing its number.
        zalo.push(text_update(ZALO_CHAT, "4", "z-2", name="Hòa"))
        assert "Phần 4 • Câu 1/3" in zalo.wait_texts(ZALO_CHAT, 2)[-1]
        # SIGTERM stops both channels and the process ends cleanly.
        began = time.monotonic()
        assert bot.terminate() == 0, bot.output()
        assert time.monotonic() - began < 15

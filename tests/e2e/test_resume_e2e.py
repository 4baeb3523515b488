"""Resuming over Telegram: after the bot restarts, /tiep continues where the member was."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Emulator, StartBot
from tests.e2e.script import section
from tests.e2e.test_telegram_e2e import open_section, play

pytestmark = pytest.mark.slow


def test_tiep_after_a_restart_continues_in_the_section_the_member_was_in(
    emulator: Emulator, start_bot: StartBot
) -> None:
    bot = start_bot()
    user = emulator.user()
    steps = section(user.full_name, "2")
    open_section(user, steps, "2")
    play(user, steps[2])
    # The member looks at the menu, then the bot is stopped and started again.
    user.say("/viec")
    user.expect("Chọn phần để trả lời")
    assert bot.terminate() == 0
    start_bot()
    user.say("/tiep")
    asked = user.wait(lambda ms: bool(ms))[-1]
    # The question the last answer went on to ask, in section 2 (not section 1's first).
    assert steps[2].expected.endswith(asked.text)
    assert asked.text.startswith("Phần 2")

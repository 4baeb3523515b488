"""One transcript, three channels: the terminal, Telegram and Zalo answer it alike.

The same typed lines go to the terminal channel (in-process), and to one `baocao run`
process serving Telegram (the Bot API emulator) and Zalo (the fake Zalo API) together. Each
answer must show the same step of the conversation, and the answers stored at the end must
be the same on the three channels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Sender
from bot.store.database import Database
from handlers.console import ConsoleChannel
from models import Answer, ChatIdentity, Member, Period
from tests.e2e.conftest import Emulator, StartBot
from tests.support.zalo_api import TOKEN as ZALO_TOKEN
from tests.support.zalo_api import FakeZaloApi, text_update

pytestmark = pytest.mark.slow

# What is typed, and what the answer must show on every channel.
TRANSCRIPT = (
    ("/start", "Xin chào"),
    ("4", "Phần 4 • Câu 1/3"),
    ("Lãnh đạo trung tâm chỉ đạo sát sao.", "Phần 4 • Câu 2/3"),
    ("/lai", "Phần 4 • Câu 1/3"),
    ("/giu", "Phần 4 • Câu 2/3"),
    ("Đổi mới công tác quản lý, kiểm tra nội bộ.", "Phần 4 • Câu 3/3"),
    ("/xem", "Lãnh đạo trung tâm chỉ đạo sát sao."),
)
ZALO_CHAT = "contract-zalo"


def stored(database: Database, channel: str) -> dict[str, Any]:
    """The answers of the period of the unit whose member writes on `channel`."""
    with database.session() as session:
        rows = session.exec(
            select(Answer.question_id, Answer.value)
            .join(Period, Period.id == Answer.period_id)  # type: ignore[arg-type]
            .join(Member, Member.unit_id == Period.unit_id)  # type: ignore[arg-type]
            .join(ChatIdentity, ChatIdentity.member_id == Member.id)  # type: ignore[arg-type]
            .where(ChatIdentity.channel == channel)
        ).all()
    return dict(rows)


def test_the_same_transcript_reads_alike_on_terminal_telegram_and_zalo(
    emulator: Emulator, start_bot: StartBot, tmp_path: Path, migrated_sqlite: Path
) -> None:
    # The terminal, in this process, on a database of its own.
    console_db = tmp_path / "console.db"
    console_db.write_bytes(migrated_sqlite.read_bytes())
    database = Database(f"sqlite:///{console_db}")
    engine = ConversationEngine(database, EngineOptions(demo=True, drafts_dir=tmp_path))
    printed: list[str] = []
    console = ConsoleChannel(
        engine, tmp_path, write=printed.append, sender=Sender("console", "lan", "Lan")
    )
    # Telegram and Zalo, in one `baocao run`.
    with FakeZaloApi(poll_wait=0.5) as zalo:
        start_bot(ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_BASE_URL=zalo.base_url)
        user = emulator.user()
        for number, (typed, shown) in enumerate(TRANSCRIPT, 1):
            del printed[:]
            console.send(typed)
            assert shown in "\n".join(printed), (typed, printed)
            user.say(typed)
            user.expect(shown)
            before = len(zalo.texts(ZALO_CHAT))
            zalo.push(text_update(ZALO_CHAT, typed, f"contract-{number}"))
            zalo.wait_for(
                lambda before=before, shown=shown: any(
                    shown in text for text in zalo.texts(ZALO_CHAT)[before:]
                )
            )
    on_console = stored(database, "console")
    database.dispose()
    process_db = Database(f"sqlite:///{tmp_path / 'baocao.db'}")
    on_telegram = stored(process_db, "telegram")
    on_zalo = stored(process_db, "zalo")
    process_db.dispose()
    assert on_console == on_telegram == on_zalo
    assert len(on_console) == 2

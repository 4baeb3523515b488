"""The terminal chat (`make run` without a Telegram token): a person completes a section of
the real report kind and gets the path of the draft."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from sqlmodel import select

from bot.channels.console import CHANNEL, ConsoleChannel
from bot.database import Database
from bot.engine.engine import ConversationEngine, EngineOptions
from bot.engine.events import Sender
from bot.texts import t
from models import Answer
from tests.docx_helpers import CONVERSION_TIMEOUT, open_docx, run_with, text_of

ANSWERS = [
    "Chi bộ và 01 đảng viên nhận giấy khen của Quận ủy.",
    "Sinh hoạt chủ điểm hàng tuần theo kế hoạch từ đầu năm học.",
    "Giáo dục kỹ năng sống gắn với hướng nghiệp & trải nghiệm.",
]
SAVED_TO = re.compile(r"Đã lưu bản dự thảo: (.+\.docx)")


def scripted(lines: Iterable[str]) -> Callable[[str], str]:
    """A terminal that types `lines`, then Ctrl-D."""
    pending = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(pending)
        except StopIteration:
            raise EOFError from None

    return read


def console(database: Database, drafts: Path, lines: Iterable[str]) -> str:
    """Runs the terminal chat over the real report kind in demo mode; returns what it printed."""
    printed: list[str] = []
    channel = ConsoleChannel(
        ConversationEngine(database, EngineOptions(demo=True)),
        drafts,
        read=scripted(lines),
        write=printed.append,
        sender=Sender(CHANNEL, "lan", "Cô Lan"),
    )
    channel.run()
    return "\n".join(printed)


def test_a_person_completes_section_1_and_gets_the_draft_path(
    database: Database, tmp_path: Path
) -> None:
    drafts = tmp_path / "drafts"
    output = console(
        database, drafts, ["1", ANSWERS[0], "", ANSWERS[1], ANSWERS[2], "xong", "/duthao"]
    )
    assert "Phần 1 • Câu 1/3" in output
    assert "Phần 1 • Câu 3/3" in output
    assert "🎉 Đã hoàn thành Phần 1" in output
    assert "/xong" in output  # the review's buttons shown as typed commands
    match = SAVED_TO.search(output)
    assert match, output[-2000:]
    path = Path(match.group(1))
    assert path.is_file() and path.parent == drafts
    document = open_docx(path.read_bytes())
    text = text_of(document)
    for answer in ANSWERS:
        assert answer in text
    assert run_with(document, "[Chưa có:").font.highlight_color is not None
    assert output.rstrip().endswith(t("console.goodbye"))


def test_leaving_and_coming_back_resumes_at_the_next_question(
    database_url: str, tmp_path: Path
) -> None:
    first = Database(database_url)
    first.create_schema()
    output = console(first, tmp_path, ["1", ANSWERS[0]])
    assert "✅ Đã lưu" in output and "Phần 1 • Câu 2/3" in output
    first.dispose()

    second = Database(database_url)
    output = console(second, tmp_path, ["/tiep"])
    second.dispose()
    assert "Phần 1 • Câu 2/3" in output
    assert "Phần 1 • Câu 1/3" not in output


@pytest.mark.slow
def test_baocao_run_without_a_token_chats_in_the_terminal(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "BAOCAO_DEMO"}
    }
    env.update(BAOCAO_DATA_DIR=str(tmp_path / "data"), PYTHONIOENCODING="utf-8")
    typed = "\n".join(["1", *ANSWERS, "xong", "/duthao"]) + "\n"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("baocao")), "run"],
        input=typed,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=CONVERSION_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    match = SAVED_TO.search(done.stdout)
    assert match, done.stdout[-2000:]
    path = Path(match.group(1))
    assert path.is_relative_to(tmp_path / "data" / "drafts")
    assert ANSWERS[2] in text_of(open_docx(path.read_bytes()))
    assert (tmp_path / "data" / "baocao.db").is_file()


def test_a_line_ending_in_a_backslash_continues_the_same_answer(
    database: Database, tmp_path: Path
) -> None:
    drafts = tmp_path / "drafts"
    printed = console(
        database, drafts, ["/start", "1", "Đoạn thứ nhất. \\", "Đoạn thứ hai.", "/xem"]
    )
    assert "Phần 1 • Câu 2/3" in printed
    with database.session() as session:
        values = [a.value for a in session.exec(select(Answer)).all()]
    assert values == ["Đoạn thứ nhất.\nĐoạn thứ hai."]

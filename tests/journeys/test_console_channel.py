"""The terminal chat (`make run` without a Telegram token): a person completes a section of
the real report kind and gets the path of the draft."""

from __future__ import annotations

import json
import os
import pty
import re
import select as os_select
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import time_machine
from sqlmodel import select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Sender
from bot.reminders.policy import NUDGE
from bot.store.database import Database
from bot.texts import t
from handlers.console import CHANNEL, ConsoleChannel
from models import Answer, Reminder
from tests.conftest import FIXTURE_TEMPLATES
from tests.integration import test_reminders
from tests.integration.test_reminders import LAN, World
from tests.support.docx_helpers import CONVERSION_TIMEOUT, open_docx, run_with, text_of

ANSWERS = [
    "Chi bộ và 01 đảng viên nhận giấy khen của Quận ủy.",
    "Sinh hoạt chủ điểm hàng tuần theo kế hoạch từ đầu năm học.",
    "Giáo dục kỹ năng sống gắn với hướng nghiệp & trải nghiệm.",
]
# The unit of tests/integration/test_reminders.py: Lan directs, An and Bình each owe a section.
world = test_reminders.world
clock = test_reminders.clock
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


def baocao_run(folder: Path, lines: Iterable[str]) -> subprocess.CompletedProcess[str]:
    """`baocao run` without a token, in its own process, with its data in `folder`/data:
    the terminal chat types `lines`, then Ctrl-D."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "BAOCAO_DEMO"}
    }
    env.update(BAOCAO_DATA_DIR=str(folder / "data"), PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [str(Path(sys.executable).with_name("baocao")), "run"],
        input="\n".join(lines) + "\n",
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=CONVERSION_TIMEOUT,
        check=False,
    )


@pytest.mark.slow
def test_baocao_run_without_a_token_chats_in_the_terminal(tmp_path: Path) -> None:
    done = baocao_run(tmp_path, ["1", *ANSWERS, "xong", "/duthao"])
    assert done.returncode == 0, done.stderr
    match = SAVED_TO.search(done.stdout)
    assert match, done.stdout[-2000:]
    path = Path(match.group(1))
    assert path.is_relative_to(tmp_path / "data" / "drafts")
    assert ANSWERS[2] in text_of(open_docx(path.read_bytes()))
    # One file per draft: the path printed is the one the draft history keeps.
    assert list((tmp_path / "data" / "drafts").rglob("*.docx")) == [path]
    assert (tmp_path / "data" / "baocao.db").is_file()


@pytest.mark.slow
def test_baocao_run_again_continues_where_the_last_run_stopped(tmp_path: Path) -> None:
    # A new process's first event reads the member straight from its row (the hot path),
    # before any query of the ORM has set the models up.
    first = baocao_run(tmp_path, ["1", ANSWERS[0]])
    assert first.returncode == 0, first.stderr
    assert "Phần 1 • Câu 2/3" in first.stdout
    again = baocao_run(tmp_path, ["/tiep"])
    assert again.returncode == 0, again.stderr
    assert "Phần 1 • Câu 2/3" in again.stdout
    assert "Phần 1 • Câu 1/3" not in again.stdout


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


def baocao_env(data: Path) -> dict[str, str]:
    """The environment of a terminal chat on its own data folder, without Telegram."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "BAOCAO_DEMO"}
    }
    env.update(BAOCAO_DATA_DIR=str(data), PYTHONIOENCODING="utf-8")
    return env


BAOCAO = str(Path(sys.executable).with_name("baocao"))


def test_log_lines_go_to_a_file_not_into_the_terminal_chat(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = subprocess.run(
        [BAOCAO, "run"],
        input="1\n/help\n",
        cwd=tmp_path,
        env=baocao_env(data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    chat = done.stdout + done.stderr
    assert "alembic" not in chat and " INFO " not in chat, chat[:2000]
    assert "Phần 1 • Câu 1/3" in chat
    log = data / "baocao.log"
    assert str(log) in done.stdout.splitlines()[0]
    assert "alembic.runtime.migration" in log.read_text(encoding="utf-8")


class Terminal:
    """A program run in a pseudo-terminal, as a person at a real terminal would run it."""

    def __init__(self, args: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True
        )
        os.close(slave)
        self.output = b""
        self.seen = 0

    def read_until(self, text: str, timeout: float = 60) -> str:
        """What the program wrote since the last call, up to and including `text`."""
        wanted = text.encode()
        deadline = time.monotonic() + timeout
        while wanted not in self.output[self.seen :]:
            remaining = deadline - time.monotonic()
            tail = self.output[-1500:].decode(errors="replace")
            assert remaining > 0, f"no {text!r} in the terminal:\n{tail}"
            ready, _, _ = os_select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the program ended and closed the terminal
                    chunk = b""
                assert chunk, f"the program ended before {text!r}:\n{tail}"
                self.output += chunk
        end = self.output.index(wanted, self.seen) + len(wanted)
        shown, self.seen = self.output[self.seen : end], end
        return shown.decode(errors="replace")

    def type(self, line: str) -> None:
        """Types a line and Enter."""
        data = line.encode() + b"\n"
        for start in range(0, len(data), 512):
            os.write(self.master, data[start : start + 512])

    def close(self) -> int:
        """Ctrl-D, then the exit status."""
        os.write(self.master, b"\x04")
        try:
            return self.process.wait(timeout=60)
        finally:
            os.close(self.master)


def stored_answers(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [json.loads(row[0]) for row in connection.execute("SELECT value FROM answer")]


@pytest.mark.slow
def test_a_line_cut_by_the_terminal_is_refused_and_a_continued_answer_kept_whole(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    terminal = Terminal([BAOCAO, "run"], cwd=tmp_path, env=baocao_env(data))
    sentence = "Trung tâm tổ chức sinh hoạt chủ điểm hằng tuần. "
    too_long = sentence * 120  # 5 880 characters, about 7 000 bytes in one line
    assert len(too_long.encode()) > 4095
    try:
        terminal.read_until("› ")
        terminal.type("1")
        terminal.read_until("Phần 1 • Câu 1/3")
        terminal.read_until("› ")
        terminal.type(too_long)
        refused = terminal.read_until("› ")
        assert "CHƯA được lưu" in refused
        assert "Đã lưu" not in refused.replace("CHƯA được lưu", "")
        assert "Phần 1 • Câu 2/3" not in refused
        assert stored_answers(data / "baocao.db") == []
        # The same text in three lines joined by "\\" arrives whole.
        parts = [sentence * 40] * 3
        for part in parts[:-1]:
            terminal.type(part.rstrip() + " \\")
        terminal.type(parts[-1])
        assert "Phần 1 • Câu 2/3" in terminal.read_until("Phần 1 • Câu 2/3")
    finally:
        status = terminal.close()
    assert status == 0
    assert stored_answers(data / "baocao.db") == ["\n".join(p.strip() for p in parts)]


def test_the_terminal_says_reminders_come_from_the_bot_and_queues_no_nudge(
    database: Database, world: World, clock: time_machine.Coordinates, tmp_path: Path
) -> None:
    printed: list[str] = []
    channel = ConsoleChannel(
        ConversationEngine(database, EngineOptions(templates_root=FIXTURE_TEMPLATES)),
        tmp_path,
        read=scripted([]),
        write=printed.append,
        sender=Sender("telegram", LAN, "Nguyễn Thị Lan"),
    )
    channel.send("/nhacnho")
    desk = "\n".join(printed)
    assert t("reach.desk_note") in desk
    nudge = re.search(r"\[(\d+)\. 📣 Nhắc ngay\]", desk)
    assert nudge, desk
    printed.clear()
    channel.send(nudge.group(1))
    answer = "\n".join(printed)
    assert "sẽ gửi" not in answer and "sẽ được gửi" not in answer and "Đã xếp" not in answer
    assert "2 người còn thiếu phần báo cáo: Trần Văn An, Lê Thị Bình" in answer
    assert "Telegram/Zalo" in answer
    with database.session() as session:
        nudges = session.exec(select(Reminder).where(Reminder.kind == NUDGE)).all()
    assert nudges == []

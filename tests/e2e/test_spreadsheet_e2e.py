"""A spreadsheet sent over Telegram while a table question waits: the real bot fetches it,
shows what it will fill, and fills the table when the user presses the button."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from bot.texts import t
from tests.e2e.conftest import Emulator, StartBot
from tests.e2e.script import section

pytestmark = pytest.mark.slow

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def titles_xlsx() -> bytes:
    """The learning titles table, its two columns in the other order."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Danh hiệu", "Số được công nhận", "Số đăng ký", "Tỉ lệ"])
    sheet.append(["Gia đình học tập", 23523, 34194, 0.6879])
    sheet.append(["Dòng họ học tập", 12, 15, 0.8])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_spreadsheet_fills_the_open_table_after_a_preview(
    emulator: Emulator, start_bot: StartBot
) -> None:
    start_bot()
    user = emulator.user()
    steps = section(user.full_name, "2")
    table_step = next(i for i, step in enumerate(steps) if step.asks == "table")
    for step in steps[:table_step]:
        user.say(step.typed)
        user.expect_last(step.expected)

    sent = user.send_document(titles_xlsx(), "danh-hieu.xlsx", XLSX_TYPE)
    preview = user.expect("📥 Tệp «danh-hieu.xlsx»", timeout=10)
    requests = [r["request"] for r in emulator.state()["fileRequests"]]
    assert requests.count("download") == 1 and sent["file_id"]
    assert "Gia đình học tập: Số đăng ký 34.194 · Số được công nhận 23.523" in preview.text
    assert "Tỉ lệ 68,79%" in preview.text

    user.press(t("button.import_ok"))
    done = user.expect(
        t("importing.done", table="Kết quả công nhận danh hiệu học tập", file="danh-hieu.xlsx"),
        timeout=10,
    )
    # The table is filled: the next question of the section is asked.
    assert done.text != preview.text

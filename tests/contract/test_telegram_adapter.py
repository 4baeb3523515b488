"""The Telegram adapter: raw updates to neutral events, and replies to Bot API calls.

Updates are the JSON Telegram sends; the bot talks to an offline request class that answers
the Bot API locally, records every call, and refuses any method it does not know.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, Update, User
from telegram.error import NetworkError
from telegram.ext import AIORateLimiter, Application
from typer.testing import CliRunner

from bot import cli
from bot.conversation import transaction
from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.conversation.events import Attachment, ButtonPress, Command, Sender, Text
from bot.conversation.options import chat_service_options
from bot.core.replies import Button, DocumentReply, Notice, Reply
from bot.core.settings import Settings, get_settings
from bot.store.database import Database
from bot.texts import t
from handlers.telegram import webhook as telegram_webhook
from handlers.telegram.adapter import CHANNEL, CHANNEL_KEY, TelegramChannel, event_of, sender_of
from handlers.telegram.app import (
    MENU_COMMANDS,
    WebhookConfig,
    announce_commands,
    build_application,
    file_base_url,
)
from handlers.telegram.drawing import (
    CALLBACK_DATA_LIMIT,
    CAPTION_LIMIT,
    TEXT_LIMIT,
    compose,
    keyboard_of,
    split_caption,
    split_text,
    telegram_length,
)
from handlers.telegram.poll import poll
from handlers.telegram.typing_indicator import Typing
from tests.support.bot_api import Call, OfflineBotApi
from tests.support.ports import free_port
from tests.support.telegram_updates import (
    BOT,
    DATE,
    PHOTO,
    STICKER,
    bot_message,
    callback_update,
    message_update,
    private_chat,
)

TOKEN = "123456:TEST"
USER_ID = 4242
PRIVATE = private_chat(USER_ID)
GROUP = {"id": -100777, "type": "supergroup", "title": "Tổ Giáo vụ"}


VOICE = {"file_id": "v1", "file_unique_id": "u3", "duration": 2}
DOCUMENT = {"file_id": "d1", "file_unique_id": "u4", "file_name": "so-lieu.xlsx"}
ANIMATION = {
    "file_id": "a1",
    "file_unique_id": "u5",
    "width": 1,
    "height": 1,
    "duration": 1,
}


def parse(raw: dict[str, Any]) -> Update:
    return Update.de_json(raw, Bot(TOKEN))


# -- conversion ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (message_update(1, USER_ID, text="1.234"), Text("1.234")),
        (
            message_update(2, USER_ID, text="Năm học\nnhiều khó khăn"),
            Text("Năm học\nnhiều khó khăn"),
        ),
        (message_update(3, USER_ID, text="/tiep"), Command("tiep")),
        (message_update(4, USER_ID, text="/start@baocao_bot"), Command("start")),
        (message_update(5, USER_ID, text="/XEM  2"), Command("xem", "2")),
        (message_update(6, USER_ID, photo=PHOTO, caption="bảng điểm"), Attachment("photo")),
        (message_update(7, USER_ID, sticker=STICKER), Attachment("sticker")),
        (message_update(8, USER_ID, voice=VOICE), Attachment("voice")),
        (message_update(9, USER_ID, document=DOCUMENT), Attachment("document", "so-lieu.xlsx")),
        (message_update(10, USER_ID, animation=ANIMATION, document=DOCUMENT), Attachment("video")),
        (
            message_update(11, USER_ID, location={"latitude": 10.8, "longitude": 106.7}),
            Attachment("other"),
        ),
        (
            callback_update(
                12, USER_ID, "7:o:yes", {"message_id": 3, "date": DATE, "chat": PRIVATE}
            ),
            ButtonPress("7:o:yes"),
        ),
    ],
)
def test_an_update_becomes_a_neutral_event(raw: dict[str, Any], expected: object) -> None:
    assert event_of(parse(raw)) == expected


def test_the_sender_is_the_telegram_user() -> None:
    assert sender_of(parse(message_update(1, USER_ID, text="hi"))) == Sender(
        "telegram", "4242", "Hương Nguyễn"
    )


def test_channel_posts_and_bots_have_no_sender() -> None:
    post = {
        "update_id": 1,
        "channel_post": {
            "message_id": 1,
            "date": DATE,
            "chat": {"id": -1001, "type": "channel"},
            "text": "tin",
        },
    }
    assert sender_of(parse(post)) is None
    from_bot = message_update(2, USER_ID, text="hi")
    from_bot["message"]["from"] = BOT
    assert sender_of(parse(from_bot)) is None


# -- shaping replies ----------------------------------------------------------------------


def test_a_short_text_is_one_message() -> None:
    assert split_text("Phần 1 • Câu 1/5\nTóm tắt?") == ["Phần 1 • Câu 1/5\nTóm tắt?"]
    assert split_text("  \n ") == []


def test_a_long_text_is_split_at_line_boundaries() -> None:
    lines = [f"{i}. [1.{i}] Câu hỏi số {i}: câu trả lời khá dài " + "x" * 60 for i in range(200)]
    text = "\n".join(lines)
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(telegram_length(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert "\n".join(chunks) == text
    assert all(set(chunk.split("\n")) <= set(lines) for chunk in chunks)


def test_a_line_longer_than_a_message_is_cut_between_words() -> None:
    words = " ".join(f"từ{i}" for i in range(3000))
    chunks = split_text(words)
    assert all(telegram_length(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert " ".join(chunks).split() == words.split()


def test_length_is_counted_as_telegram_counts_it() -> None:
    # An emoji outside the basic plane takes two UTF-16 units.
    text = "📋" * 3000
    chunks = split_text(text)
    assert [telegram_length(c) for c in chunks] == [4096, 1904]
    assert "".join(chunks) == text


def test_a_long_caption_is_cut_and_the_rest_follows() -> None:
    lines = [f"• Cảnh báo số {i}: tổng các cột không khớp với tổng số học viên" for i in range(40)]
    caption, rest = split_caption("\n".join(lines))
    assert telegram_length(caption) <= CAPTION_LIMIT
    assert caption.split("\n") == lines[: len(caption.split("\n"))]
    assert f"{caption}\n{rest}" == "\n".join(lines)
    assert split_caption("ngắn") == ("ngắn", "")


def test_texts_without_buttons_join_the_next_message() -> None:
    ask = Reply("Câu 2/5", [[Button("4:back", "◀ Quay lại")]])
    assert compose([Reply("✅ Đã lưu"), ask]) == [Reply("✅ Đã lưu\n\nCâu 2/5", ask.buttons)]
    chosen = Reply("Có tham gia?\n✅ Có", replace=True)
    assert compose([chosen, ask]) == [chosen, ask]
    document = DocumentReply("a.docx", b"PK", "Dự thảo")
    assert compose([Reply("a"), document, Reply("b")]) == [Reply("a"), document, Reply("b")]


def test_buttons_become_inline_buttons_and_oversized_codes_are_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fits = "9:" + "s" * (CALLBACK_DATA_LIMIT - 2)
    markup = keyboard_of(
        [
            [Button("3:o:yes", "1. Có"), Button("3:o:no", "2. Không")],
            [Button(fits, "vừa"), Button(fits + "x", "quá dài")],
            [Button("3:" + "ệ" * 40, "quá dài theo byte")],
        ]
    )
    assert markup is not None
    rows = [[(b["text"], b["callback_data"]) for b in row] for row in markup["inline_keyboard"]]
    assert rows == [[("1. Có", "3:o:yes"), ("2. Không", "3:o:no")], [("vừa", fits)]]
    assert "dropped" in caplog.text
    assert keyboard_of([]) is None


def test_the_file_url_follows_the_api_url() -> None:
    assert file_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_base_url("http://127.0.0.1:9000/bot/") == "http://127.0.0.1:9000/file/bot"


def test_a_webhook_needs_a_secret_and_takes_its_path_from_the_url() -> None:
    settings = Settings(
        _env_file=None,
        TELEGRAM_WEBHOOK_URL="https://baocao.example/telegram/hook",
        TELEGRAM_WEBHOOK_SECRET="s3cr3t_-",
        TELEGRAM_WEBHOOK_PORT="8080",
    )
    config = WebhookConfig.from_settings(settings)
    assert config == WebhookConfig(
        "https://baocao.example/telegram/hook", "s3cr3t_-", "0.0.0.0", 8080
    )
    assert config.url_path == "telegram/hook"
    # Command-line options win over the settings.
    assert WebhookConfig.from_settings(settings, port=9000, listen="127.0.0.1") == WebhookConfig(
        "https://baocao.example/telegram/hook", "s3cr3t_-", "127.0.0.1", 9000
    )
    assert WebhookConfig.from_settings(Settings(_env_file=None)) is None
    with pytest.raises(ValueError, match="secret"):
        WebhookConfig.from_settings(
            Settings(_env_file=None, TELEGRAM_WEBHOOK_URL="https://baocao.example/h")
        )
    with pytest.raises(ValueError, match="port"):
        WebhookConfig.from_settings(settings, port=70000)


@pytest.fixture
def run_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """`baocao run` with a token and a database of the test's own, offline: the bot's
    identity is given instead of asked, and the webhook server records its arguments and
    stops the bot instead of serving."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "BAOCAO_", "DATABASE_URL", "ZALO_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'baocao.db'}")
    monkeypatch.setenv("BAOCAO_REMINDER_SWEEP_SECONDS", "0")
    started: dict[str, Any] = {}

    async def initialize(self: Bot) -> None:
        self._bot_user = User(BOT["id"], BOT["first_name"], True, username=BOT["username"])

    async def set_my_commands(self: Bot, *_args: Any, **_kwargs: Any) -> bool:
        return True

    async def serve_webhook(
        application: Application, *, stop: asyncio.Event, **options: Any
    ) -> None:
        started["webhook"] = options
        started["bot_token"] = application.bot.token
        stop.set()  # `baocao run` stops as on a service stop

    monkeypatch.setattr(Bot, "initialize", initialize)
    monkeypatch.setattr(Bot, "set_my_commands", set_my_commands)
    monkeypatch.setattr(telegram_webhook, "serve_webhook", serve_webhook)
    monkeypatch.setenv("BAOCAO_WEB_LISTEN", f"127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    yield started
    get_settings.cache_clear()


def test_baocao_run_passes_the_webhook_options_to_the_application(
    run_env: dict[str, Any],
) -> None:
    result = CliRunner().invoke(
        cli.app,
        [
            "run",
            "--webhook-url",
            "https://baocao.example/tg/hook",
            "--listen",
            "127.0.0.1",
            "--port",
            "8081",
            "--secret-token",
            "abc_1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert run_env["bot_token"] == TOKEN
    assert run_env["webhook"] == {
        "listen": "127.0.0.1:8081",
        "path": "tg/hook",
        "url": "https://baocao.example/tg/hook",
        "secret_token": "abc_1",
    }


def test_baocao_run_takes_the_webhook_from_the_environment(
    run_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://baocao.example/hook")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "from-env")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_PORT", "8444")
    result = CliRunner().invoke(cli.app, ["run", "--port", "9443"])
    assert result.exit_code == 0, result.output
    options = run_env["webhook"]
    assert (options["url"], options["secret_token"]) == (
        "https://baocao.example/hook",
        "from-env",
    )
    assert options["listen"] == "0.0.0.0:9443"


def test_baocao_run_refuses_a_webhook_without_a_secret(run_env: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli.app, ["run", "--webhook-url", "https://baocao.example/h"])
    assert result.exit_code == 2
    assert "secret" in result.output
    assert "webhook" not in run_env


# -- the bot against an offline Bot API ---------------------------------------------------


class TelegramUser:
    """A person in a private chat with the bot: types, sends files, presses buttons."""

    def __init__(self, application: Application, api: OfflineBotApi) -> None:
        self.application = application
        self.api = api
        self.update_id = 0

    async def send(self, raw: dict[str, Any]) -> list[Call]:
        """Feeds one raw update to the bot; returns the calls it made."""
        before = len(self.api.calls)
        await self.application.process_update(Update.de_json(raw, self.application.bot))
        return self.api.calls[before:]

    def next_id(self) -> int:
        self.update_id += 1
        return self.update_id

    async def say(self, text: str, chat: dict[str, Any] = PRIVATE) -> list[Call]:
        return await self.send(message_update(self.next_id(), USER_ID, chat, text=text))

    def last_with_button(self, label: str) -> tuple[dict[str, Any], str]:
        """The newest bot message with a button whose label contains `label`."""
        for call in reversed(self.api.named("sendMessage", "editMessageText")):
            markup = call.params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        message_id = call.params.get("message_id") or self.message_id_of(call)
                        pressed = bot_message(message_id, USER_ID, call.params["text"], markup)
                        return pressed, button["callback_data"]
        raise AssertionError(f"no button {label!r}")

    def message_id_of(self, call: Call) -> int:
        sends = self.api.named("sendMessage", "sendDocument")
        return 101 + sends.index(call)

    async def press(self, label: str) -> list[Call]:
        pressed, data = self.last_with_button(label)
        return await self.send(callback_update(self.next_id(), USER_ID, data, pressed))


def texts(calls: list[Call]) -> str:
    return "\n".join(str(c.params.get("text", c.params.get("caption", ""))) for c in calls)


@pytest.fixture
async def api() -> OfflineBotApi:
    return OfflineBotApi()


@pytest.fixture
async def application(
    engine: ConversationEngine, api: OfflineBotApi
) -> AsyncIterator[Application]:
    settings = Settings(telegram_bot_token=TOKEN, _env_file=None)
    app = build_application(
        settings,
        engine,
        request=api,
        get_updates_request=OfflineBotApi(),
        rate_limiter=AIORateLimiter(max_retries=2),
    )
    app.bot_data[CHANNEL_KEY] = TelegramChannel(engine, retry_delay=0, typing_after=30)
    async with app:
        yield app
    assert api.unknown == []


@pytest.fixture
def user(application: Application, api: OfflineBotApi) -> TelegramUser:
    return TelegramUser(application, api)


async def test_start_up_sets_the_command_menu_in_vietnamese(
    application: Application, api: OfflineBotApi
) -> None:
    await announce_commands(application)
    (call,) = api.named("setMyCommands")
    commands = {c["command"]: c["description"] for c in call.params["commands"]}
    assert list(commands) == list(MENU_COMMANDS)
    assert {"start", "help", "tiep", "viec", "duthao", "huy", "xem", "lai", "boqua"} <= set(
        commands
    )
    assert commands["duthao"] == "Nhận bản dự thảo báo cáo (.docx)"


async def test_start_is_answered_in_vietnamese_with_section_buttons(user: TelegramUser) -> None:
    calls = await user.say("/start")
    assert [c.method for c in calls] == ["sendMessage"]
    text = calls[0].params["text"]
    assert text.startswith("Xin chào Hương Nguyễn!")
    assert "Chọn phần để trả lời" in text
    assert "parse_mode" not in calls[0].params
    labels = [b["text"] for row in calls[0].params["reply_markup"]["inline_keyboard"] for b in row]
    assert any("Thông tin chung" in label for label in labels)


async def test_a_typed_answer_costs_one_message(user: TelegramUser) -> None:
    await user.say("/start")
    await user.press("Thông tin chung")
    calls = await user.say("Năm học nhiều khó khăn.")
    assert [c.method for c in calls] == ["sendMessage"]
    assert "✅ Đã lưu" in calls[0].params["text"]
    assert "Câu 2/5" in calls[0].params["text"]


async def test_a_choice_button_edits_the_question_in_place(user: TelegramUser) -> None:
    await user.say("/start")
    await user.press("Chất lượng")
    await user.say("10 1 5 4")
    await user.say("20 2 10 8")
    pressed, _ = user.last_with_button("1. Có")
    calls = await user.press("1. Có")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    edit = calls[1].params
    assert edit["message_id"] == pressed["message_id"]
    assert "✅ Có" in edit["text"]
    assert "reply_markup" not in edit  # the answered question keeps no buttons
    assert "Tên cuộc thi" in calls[2].params["text"]


async def test_a_navigation_button_is_answered_and_asks_in_a_new_message(
    user: TelegramUser,
) -> None:
    await user.say("/start")
    calls = await user.press("Thông tin chung")
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendMessage"]
    assert "Phần 1 • Câu 1/5" in calls[1].params["text"]


async def test_an_error_and_the_question_asked_again_are_one_message(user: TelegramUser) -> None:
    await user.say("/start")
    await user.press("Thông tin chung")
    await user.say("Tốt")
    calls = await user.say("nhiều lắm")
    assert [c.method for c in calls] == ["sendMessage"]
    text = calls[0].params["text"]
    assert text.startswith("❗")
    assert text.endswith("Số học viên đầu năm?\nVí dụ: 591")


async def test_a_stale_or_forged_button_is_answered_and_explained(user: TelegramUser) -> None:
    await user.say("/start")
    pressed, _ = user.last_with_button("Thông tin chung")
    calls = await user.send(callback_update(user.next_id(), USER_ID, "999:o:forged", pressed))
    assert calls[0].method == "answerCallbackQuery"
    assert "thuộc một câu hỏi trước đó" in texts(calls)


async def test_a_redelivered_update_changes_nothing_twice(user: TelegramUser) -> None:
    await user.say("/start")
    await user.press("Thông tin chung")
    answer = message_update(user.next_id(), USER_ID, text="Tốt")
    first = await user.send(answer)
    again = await user.send(answer)
    assert "✅ Đã lưu" in texts(first)
    # The reply may never have reached the user: it is sent again, nothing stored twice.
    assert texts(again) == texts(first)
    assert "Câu 3/5" in texts(await user.say("591"))


async def test_a_photo_or_sticker_where_text_is_expected_is_explained(user: TelegramUser) -> None:
    await user.say("/start")
    await user.press("Thông tin chung")
    calls = await user.send(message_update(user.next_id(), USER_ID, photo=PHOTO))
    assert "Tôi chưa đọc được ảnh" in texts(calls)
    assert "Tóm tắt tình hình năm học?" in texts(calls)
    calls = await user.send(message_update(user.next_id(), USER_ID, sticker=STICKER))
    assert "nhãn dán" in texts(calls)


async def test_a_group_is_asked_to_talk_privately(user: TelegramUser, api: OfflineBotApi) -> None:
    calls = await user.say("/start", chat=GROUP)
    assert [c.method for c in calls] == ["sendMessage"]
    assert calls[0].params["chat_id"] == GROUP["id"]
    assert "nhắn riêng" in calls[0].params["text"]
    # Chatter in the group that is not a command gets no answer.
    assert await user.say("chào cả nhà", chat=GROUP) == []


async def test_an_edited_message_is_not_an_answer(user: TelegramUser) -> None:
    await user.say("/start")
    await user.press("Thông tin chung")
    raw = message_update(user.next_id(), USER_ID, text="Sửa lại")
    raw["edited_message"] = raw.pop("message") | {"edit_date": DATE + 5}
    calls = await user.send(raw)
    assert "tin nhắn đã sửa" in texts(calls)


async def test_the_draft_arrives_as_a_document(user: TelegramUser) -> None:
    await user.say("/start")
    calls = await user.say("/duthao")
    actions = [(c.method, c.params.get("action")) for c in calls]
    assert ("sendChatAction", "typing") in actions  # at once, before the draft is built
    upload = actions.index(("sendChatAction", "upload_document"))
    send = actions.index(("sendDocument", None))
    assert upload < send
    document = calls[send]
    file_name, content, _mime = document.files["document"]
    assert file_name.endswith(".docx")
    assert content[:2] == b"PK"
    assert "Dự thảo" in document.params["caption"]
    assert telegram_length(document.params["caption"]) <= CAPTION_LIMIT


async def test_the_draft_button_shows_typing_at_once(user: TelegramUser) -> None:
    # The channel waits 30 s before "typing…" (the fixture): only the draft shows it at once.
    await user.say("/start")
    calls = await user.press(t("button.draft"))
    methods = [(c.method, c.params.get("action")) for c in calls]
    document = methods.index(("sendDocument", None))
    assert methods.index(("sendChatAction", "typing")) < document
    assert methods.index(("answerCallbackQuery", None)) < document  # acknowledged first
    # Other presses and typed answers show nothing while the engine is quick.
    calls = await user.press("Thông tin chung")
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendMessage"]


async def test_a_press_outside_a_private_chat_is_only_acknowledged(user: TelegramUser) -> None:
    pressed = bot_message(7, USER_ID, "…") | {"chat": GROUP}
    calls = await user.send(callback_update(user.next_id(), USER_ID, "1:s:general", pressed))
    assert [c.method for c in calls] == ["answerCallbackQuery"]


async def test_a_long_caption_continues_in_a_message(
    user: TelegramUser, application: Application
) -> None:
    lines = [f"• Cảnh báo {i}: số liệu dòng {i} chưa khớp với tổng số" for i in range(60)]
    channel = application.bot_data[CHANNEL_KEY]
    document = DocumentReply("a.docx", b"PK", "\n".join(lines))
    await channel.deliver(application.bot, 4242, [document], pressed=None)
    sent, *follow = user.api.named("sendDocument", "sendMessage")
    assert telegram_length(sent.params["caption"]) <= CAPTION_LIMIT
    assert "\n".join([sent.params["caption"], *(c.params["text"] for c in follow)]) == (
        "\n".join(lines)
    )


async def test_a_draft_link_follows_the_document_and_is_never_cut(
    user: TelegramUser, application: Application
) -> None:
    channel = application.bot_data[CHANNEL_KEY]
    link = "https://baocao.example.edu.vn/d/WzEsMSwxLDEsMTc5NjY4NTMxNl0.P8y5loMjfKsNjBuK3g2dG5Tq"
    short = DocumentReply("a.docx", b"PK", "📄 Dự thảo", link=link)
    await channel.deliver(application.bot, 4242, [short], pressed=None)
    (sent,) = user.api.named("sendDocument")
    assert sent.params["caption"] == f"📄 Dự thảo\n\n{t('telegram.draft_link', url=link)}"
    long = DocumentReply(
        "a.docx", b"PK", "\n".join(["• Cảnh báo số liệu dòng này"] * 60), link=link
    )
    await channel.deliver(application.bot, 4242, [long], pressed=None)
    _, sent, *follow = user.api.named("sendDocument", "sendMessage")
    assert telegram_length(sent.params["caption"]) <= CAPTION_LIMIT
    assert follow[-1].params["text"].endswith(t("telegram.draft_link", url=link))


def test_links_go_to_the_public_url_or_the_local_web_server(tmp_path: Path) -> None:
    plain = Settings(BAOCAO_DATA_DIR=tmp_path, BAOCAO_WEB_LISTEN="127.0.0.1:8181")  # type: ignore[call-arg]
    local = chat_service_options(plain).draft_links
    assert local is not None and local.public_url == "http://127.0.0.1:8181"
    public = Settings(  # type: ignore[call-arg]
        BAOCAO_DATA_DIR=tmp_path, BAOCAO_PUBLIC_URL="https://baocao.example.edu.vn"
    )
    links = chat_service_options(public).draft_links
    assert links is not None and links.public_url == "https://baocao.example.edu.vn"


async def test_a_network_error_is_retried_without_losing_the_answer(
    user: TelegramUser, api: OfflineBotApi
) -> None:
    await user.say("/start")
    api.fail("sendMessage", NetworkError("connection reset"), (502, "Bad Gateway"))
    calls = await user.press("Thông tin chung")
    assert "Tóm tắt tình hình năm học?" in texts(calls)


async def test_flood_control_is_waited_out(user: TelegramUser, api: OfflineBotApi) -> None:
    await user.say("/start")
    api.fail("sendMessage", (429, "Too Many Requests: retry after 0"))
    calls = await user.say("/tiep")
    assert "Tóm tắt tình hình năm học?" in texts(calls)


async def test_a_user_who_blocked_the_bot_breaks_nothing(
    user: TelegramUser, api: OfflineBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    api.fail("sendMessage", (403, "Forbidden: bot was blocked by the user"))
    with caplog.at_level(logging.INFO):
        calls = await user.say("/start")
    assert calls == []
    assert "blocked the bot" in caplog.text
    assert "Xin chào" in texts(await user.say("/start"))


async def test_a_failing_update_is_logged_and_the_user_told(
    user: TelegramUser,
    engine: ConversationEngine,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: Any, **__: Any) -> list[Any]:
        raise RuntimeError("database is gone")

    monkeypatch.setattr(engine, "handle_in", broken)
    calls = await user.say("/start")
    assert "gặp lỗi" in texts(calls)
    assert "update 1 failed" in caplog.text


async def test_polling_confirms_an_update_only_after_handling_it(
    engine: ConversationEngine,
) -> None:
    api = OfflineBotApi()
    settings = Settings(telegram_bot_token=TOKEN, _env_file=None)
    app = build_application(settings, engine, request=api, get_updates_request=api)
    api.pending = [
        [message_update(7, USER_ID, text="/start"), message_update(8, USER_ID, text="/help")]
    ]
    stop = asyncio.Event()
    async with app:
        task = asyncio.create_task(poll(app, stop, timeout=0))
        while 9 not in [c.params.get("offset") for c in api.named("getUpdates")]:
            await asyncio.sleep(0.01)
        stop.set()
        await task
    methods = [(c.method, c.params.get("offset")) for c in api.calls if c.method != "getMe"]
    assert methods[:2] == [("deleteWebhook", None), ("getUpdates", 0)]
    # Nothing past update 7 is confirmed before it is answered...
    first_answer = methods.index(("sendMessage", None))
    assert all(offset <= 7 for method, offset in methods[:first_answer] if method == "getUpdates")
    # ...and the offset that confirms both is sent only after both were answered.
    confirm = methods.index(("getUpdates", 9))
    assert [m for m, _ in methods[:confirm]].count("sendMessage") == 2


async def polled(api: OfflineBotApi, engine: ConversationEngine, until: int) -> list[Call]:
    """Polls the pending updates until `until` is confirmed; the poll must still be running."""
    settings = Settings(telegram_bot_token=TOKEN, _env_file=None)
    app = build_application(settings, engine, request=api, get_updates_request=api)
    app.bot_data[CHANNEL_KEY] = TelegramChannel(engine, retry_delay=0, typing_after=30)
    stop = asyncio.Event()
    async with app:
        task = asyncio.create_task(poll(app, stop, timeout=0))
        for _ in range(500):
            offsets = [c.params.get("offset") for c in api.named("getUpdates")]
            if until in offsets or task.done():
                break
            await asyncio.sleep(0.01)
        assert not task.done(), task.exception()
        stop.set()
        await task
    assert until in [c.params.get("offset") for c in api.named("getUpdates")]
    return api.calls


# An entity without its offset and length: PTB cannot build the update.
MALFORMED = message_update(7, USER_ID, text="xin chào", entities=[{"type": "bold"}])


async def test_an_update_that_cannot_be_read_is_confirmed_and_answered(
    engine: ConversationEngine, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(Exception):  # noqa: B017 - whatever PTB raises on it
        parse(MALFORMED)
    api = OfflineBotApi()
    api.pending = [[MALFORMED, message_update(8, USER_ID, text="/start")]]
    calls = await polled(api, engine, until=9)
    said = [c.params["text"] for c in calls if c.method == "sendMessage"]
    assert said[0] == t("telegram.unreadable_update")
    # The update after it is handled as usual, and the poll goes on.
    assert "Xin chào" in said[1]
    assert "update 7 cannot be read" in caplog.text


async def test_an_update_started_twice_without_finishing_is_given_up(
    engine: ConversationEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Two processes took update 7 and died handling it (the attempts are counted first).
    for _ in range(2):
        transaction.start_attempts(engine.database, channel="telegram", event_ids=["7"])
    api = OfflineBotApi()
    api.pending = [
        [message_update(7, USER_ID, text="/start"), message_update(8, USER_ID, text="/help")]
    ]
    calls = await polled(api, engine, until=9)
    said = [c.params["text"] for c in calls if c.method == "sendMessage"]
    assert said[0] == t("telegram.gave_up")
    assert "Xin chào" not in "\n".join(said)
    assert len(said) == 2  # /help is answered
    assert "update 7 gave up after 2 attempts" in caplog.text


async def test_typing_shows_only_when_the_work_outlasts_its_delay() -> None:
    api = OfflineBotApi()
    bot = Bot(TOKEN, request=api)

    async def actions() -> list[Any]:
        return [c.params.get("action") for c in api.named("sendChatAction")]

    async with Typing(bot, 5, after=0.05):
        await asyncio.sleep(0)  # quick work: no indicator
    await asyncio.sleep(0.1)  # and none later, once the block is over
    assert await actions() == []

    async with Typing(bot, 5, after=0.02):
        await asyncio.sleep(0.15)  # slow work: the indicator appears while it runs
    assert await actions() == ["typing"]

    async with Typing(bot, 5, after=0):
        assert await actions() == ["typing", "typing"]  # known long work: shown at once


@pytest.mark.parametrize("external_id", ["²", "-²", "１２"])
async def test_a_notice_to_a_chat_id_that_is_not_ascii_digits_is_skipped(
    application: Application, api: OfflineBotApi, external_id: str
) -> None:
    channel = application.bot_data[CHANNEL_KEY]
    await channel.send_notice(application.bot, Notice(CHANNEL, external_id, "Xin chào"))
    assert api.named("sendMessage") == []


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[Path]:
    """A migrated database file nobody may write, not even root (`chattr +i`)."""
    path = tmp_path / "baocao.db"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.dispose()
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    yield path
    subprocess.run(["chattr", "-i", str(path)], check=True)


def test_baocao_run_refuses_a_read_only_database_clearly(
    run_env: dict[str, Any], immutable: Path, caplog: pytest.LogCaptureFixture
) -> None:
    result = CliRunner().invoke(
        cli.app, ["run", "--webhook-url", "https://baocao.example/h", "--secret-token", "s1"]
    )
    assert result.exit_code == 3, result.output
    assert "Không ghi được vào cơ sở dữ liệu" in result.output
    assert "readonly database" in caplog.text
    assert "webhook" not in run_env  # never started serving


async def test_an_answer_the_database_cannot_store_is_said_not_saved(
    database_url: str, options: EngineOptions, caplog: pytest.LogCaptureFixture
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a read-only connection is opened through SQLite's URI")
    path = database_url.removeprefix("sqlite:///")
    engine = ConversationEngine(Database(f"sqlite:///file:{path}?mode=ro&uri=true"), options)
    api = OfflineBotApi()
    settings = Settings(telegram_bot_token=TOKEN, _env_file=None)
    app = build_application(settings, engine, request=api, get_updates_request=OfflineBotApi())
    async with app:
        await TelegramUser(app, api).say("/start")
    assert texts(api.named("sendMessage")) == t("telegram.not_saved")
    assert "chưa lưu được" in t("telegram.not_saved")
    assert "not saved" in caplog.text
    assert "readonly database" in caplog.text


async def test_a_reply_that_fails_after_the_answer_is_stored_says_it_was_saved(
    user: TelegramUser, api: OfflineBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    await user.say("/start")
    await user.press("Thông tin chung")
    api.fail("sendMessage", (400, "Bad Request: can't parse entities"))
    calls = await user.say("Tốt")
    said = texts(api.named("sendMessage")[-1:])
    assert said.startswith(t("telegram.saved_not_sent"))
    assert "đã lưu" in said
    assert said.endswith("Số học viên đầu năm?\nVí dụ: 591")
    assert calls[-1].method == "sendMessage"
    assert "update 3 stored but its replies not sent" in caplog.text
    # What the user types next answers the next question, not the one already stored.
    assert "Câu 3/5" in texts(await user.say("591"))


async def test_polling_goes_on_when_the_database_turns_read_only(
    database_url: str, options: EngineOptions
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a read-only connection is opened through SQLite's URI")
    path = database_url.removeprefix("sqlite:///")
    engine = ConversationEngine(Database(f"sqlite:///file:{path}?mode=ro&uri=true"), options)
    api = OfflineBotApi()
    api.pending = [[message_update(7, USER_ID, text="/start")]]
    calls = await polled(api, engine, until=8)
    assert [c.params["text"] for c in calls if c.method == "sendMessage"] == [
        t("telegram.not_saved")
    ]

"""The one registry of chat commands: every command in it is routed to its handler, in a
period and (those marked for it) before any period is open; anything else is unknown."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.conversation.commands import COMMANDS, MENU_COMMANDS, command_named
from bot.conversation.engine import ConversationEngine
from bot.conversation.events import Command, Sender
from bot.core.replies import Reply
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from tests.support.transcript import Chat


@pytest.fixture
def database_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """SQLite only: routing a command cannot depend on the database's dialect."""
    path = tmp_path / "baocao.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


# The public chat commands: the members' and the leaders' (desk) ones.
MEMBER = ("start", "help", "trogiup", "tiep", "viec", "baocao", "duthao", "huy")
# Linking a second app works the same with or without a period.
LINKING = ("lienket", "huylienket")
ANSWERING = ("lai", "boqua", "giu", "xem", "xong")
LEADERS = (
    "tiendo",
    "moky",
    "giao",
    "moi",
    "tralai",
    "chot",
    "mokhoa",
    "thanhvien",
    "nhacnho",
    "donvi",
    "donvicon",
    "dieuchinh",
)
# What a director can do before the unit has any period.
BEFORE_A_PERIOD = {"moky", "moi", "thanhvien", "donvi", "donvicon", *LINKING}


def _unknown(name: str) -> str:
    return t("input.unknown_command", command=name)


@pytest.mark.parametrize("name", [c.name for c in COMMANDS])
def test_every_registered_command_is_answered_in_a_period(chat: Chat, name: str) -> None:
    chat.say("/start")  # the demo makes the newcomer the director of a unit with a period
    assert _unknown(name) not in chat.say(f"/{name}")


def test_a_command_not_in_the_registry_is_unknown(chat: Chat) -> None:
    chat.say("/start")
    assert command_named("khongco") is None
    assert _unknown("khongco") in chat.say("/khongco")


def test_the_registry_holds_every_chat_command_once() -> None:
    names = [c.name for c in COMMANDS]
    assert sorted(names) == sorted([*MEMBER, *ANSWERING, *LEADERS, *LINKING])
    assert [c.name for c in COMMANDS if c.desk] == list(LEADERS)


def test_the_menu_keeps_the_registry_order_and_has_descriptions() -> None:
    names = [c.name for c in COMMANDS]
    assert list(MENU_COMMANDS) == [n for n in names if n in MENU_COMMANDS]
    assert all(t(f"telegram.commands.{name}") for name in MENU_COMMANDS)


def test_before_any_period_only_the_lobby_commands_reach_the_desk(
    database: Database, engine: ConversationEngine
) -> None:
    with database.session() as session:
        unit = store.create_unit(session, name="Trường A", place="Quận 1")
        store.add_member(
            session,
            unit=unit,
            display_name="Cô Lan",
            role="director",
            channel="test",
            external_id="lan",
        )
    sender = Sender("test", "lan", "Cô Lan")
    lobby_menu = t("period.none_open_lead")
    for command in COMMANDS:
        replies = engine.handle(sender, Command(command.name))
        text = "\n".join(r.text for r in replies if isinstance(r, Reply))
        if command.name in BEFORE_A_PERIOD:
            assert text and text != lobby_menu, command.name
        else:
            assert text == lobby_menu, command.name

"""A link code typed in two chats at the same instant links one of them, on SQLite and
PostgreSQL: the code is used with one conditional UPDATE, whose second run waits for the
first transaction and then matches no row (PostgreSQL re-checks it on the committed row)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.store.database import Database
from bot.workflow import links
from models import ChatIdentity, require_id
from tests.support.factories import open_unit

pytestmark = pytest.mark.dialect


def test_one_code_typed_in_two_chats_at_once_links_one(database: Database) -> None:
    with database.session() as session:
        opened = open_unit(session, channel="telegram", external_id="1001")
        code = links.new_code(
            session, member_id=require_id(opened.director), channel="telegram", external_id="1001"
        ).code
    reached_update = threading.Event()
    outcome: dict[str, Any] = {}

    def second_chat() -> None:
        try:
            with database.session() as session:
                outcome["linked"] = links.redeem_code(
                    session, code=code, channel="zalo", external_id="z-2", current=None
                )
        except links.LinkError as err:
            outcome["refused"] = err.reason

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is racer and statement.lstrip().startswith(
            "UPDATE linkcode"
        ):
            reached_update.set()

    racer = threading.Thread(target=second_chat)
    with database.session() as first:
        links.redeem_code(first, code=code, channel="zalo", external_id="z-1", current=None)
        # The first chat's transaction is still open: the second one reads the code as
        # unused, passes every check and reaches its UPDATE before the first commits.
        event.listen(database.engine, "before_cursor_execute", watch)
        racer.start()
        assert reached_update.wait(30)
    racer.join(30)
    event.remove(database.engine, "before_cursor_execute", watch)

    assert outcome == {"refused": "used"}
    with database.session() as session:
        linked = session.exec(select(ChatIdentity).where(ChatIdentity.channel == "zalo")).all()
        assert [(i.external_id, i.member_id) for i in linked] == [("z-1", opened.director.id)]

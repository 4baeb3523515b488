"""Bidi overrides and zero-width characters never reach the stored answers, the members'
names or the draft."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlmodel import select

from bot.conversation.events import Sender
from bot.questionnaire.answers import clean_name, clean_text
from bot.store.database import Database
from bot.texts import t
from models import Answer, Member, Unit
from tests.support.transcript import Chat

INVISIBLE = [
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
    "\u200b",
    "\u200c",
    "\u200d",
    "\ufeff",
    "\u2060",
]
HIDDEN = "".join(INVISIBLE)


@pytest.mark.parametrize("char", INVISIBLE)
def test_clean_text_drops_each_invisible_character(char: str) -> None:
    assert clean_text(f"Tố{char}t\n{char}") == "Tốt"
    assert clean_name(f"{char} Cô {char}Hương ") == "Cô Hương"


def test_a_draft_from_hidden_characters_holds_none_of_them(chat: Chat, database: Database) -> None:
    chat.sender = Sender("test", "teacher-1", f"Cô \u202eHương\u200b{HIDDEN}")
    chat.say("/start")
    chat.say("1")
    chat.say(f"Năm học \u202enhiều\u2066 khó khăn{HIDDEN}.\n\u200bHọc viên chuyên cần hơn.")
    chat.say(f"5{HIDDEN}91")
    chat.say("\ufeff53\u200d")
    chat.say(f"Ghi {HIDDEN}chú")
    with database.session() as session:
        answers = {a.question_id: a.value for a in session.exec(select(Answer)).all()}
        names = [m.display_name for m in session.exec(select(Member)).all()]
        signers = [u.signer_name for u in session.exec(select(Unit)).all()]
    assert answers["summary"] == "Năm học nhiều khó khăn.\nHọc viên chuyên cần hơn."
    assert answers["enrolled"] == 591 and answers["dropouts"] == 53
    assert answers["note"] == "Ghi chú"
    assert names == ["Cô Hương"]
    # The demo unit is signed with the catalogue's name, never the chat's (issue 14.6).
    assert signers == [t("demo.signer_name")]
    chat.say("/duthao")
    with zipfile.ZipFile(io.BytesIO(chat.document.data)) as archive:
        xml = "".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        )
    assert "Năm học nhiều khó khăn." in xml
    found = sorted({f"U+{ord(c):04X}" for c in xml if c in INVISIBLE})
    assert found == []

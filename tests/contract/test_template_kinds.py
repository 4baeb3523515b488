"""Report kinds from BAOCAO_TEMPLATES_DIR: listed beside the bundled ones, filled in chat and
drafted, reloaded when edited, each period keeping the version it was opened with; and a
schema version 1 template loading as it always did."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from sqlmodel import select

from bot.conversation.engine import ConversationEngine, EngineOptions
from bot.core.settings import get_settings
from bot.questionnaire import loader
from bot.questionnaire.loader import (
    DEFAULT_TEMPLATES_DIR,
    SHARED_DIR,
    all_templates,
    load_template,
    template_digest,
)
from bot.questionnaire.schema import TextQuestion
from bot.store.database import Database
from bot.workflow.kinds import period_template
from models import Period, TemplateVersion
from tests.conftest import FIXTURE_TEMPLATES
from tests.support.transcript import Chat

KIND = "bao-cao-thu-ngoai"
BUNDLED = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
FROZEN_V1 = FIXTURE_TEMPLATES / "schema-v1"


def copy_kind(source: Path, target_root: Path, kind: str) -> Path:
    """The kind in `source` copied under `target_root` as `kind` (its answers too)."""
    folder = target_root / kind
    folder.mkdir(parents=True)
    for name in ("questionnaire.yaml", "sample-answers.yaml"):
        text = (source / name).read_text(encoding="utf-8")
        text = text.replace(f"id: {source.name}\n", f"id: {kind}\n", 1)
        text = text.replace(f"template: {source.name}\n", f"template: {kind}\n", 1)
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "questionnaire.yaml"


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An outside folder holding the mini report as kind KIND, set as BAOCAO_TEMPLATES_DIR
    (after an empty one, to show the ':' list), looked at again on every lookup."""
    root = tmp_path / "mau-bao-cao"
    copy_kind(FIXTURE_TEMPLATES / "mini-report", root, KIND)
    monkeypatch.setenv("BAOCAO_TEMPLATES_DIR", f"{tmp_path / 'empty'}:{root}")
    monkeypatch.setattr(loader, "RELOAD_SECONDS", 0.0)
    get_settings.cache_clear()
    yield root / KIND / "questionnaire.yaml"
    get_settings.cache_clear()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_outside_kind_is_listed_beside_the_bundled_ones(outside: Path) -> None:
    ids = [kind.id for kind in all_templates()]
    assert KIND in ids
    bundled = {folder.name for folder in DEFAULT_TEMPLATES_DIR.iterdir() if folder.is_dir()}
    # The folders of shared fragments, the sector's calendar and the web pages are not kinds.
    not_kinds = {SHARED_DIR, "_sector", "_web"}
    assert not_kinds <= bundled and not not_kinds & set(ids)
    assert bundled - not_kinds < set(ids)


def test_an_outside_kind_cannot_take_a_bundled_id(outside: Path) -> None:
    copy = copy_kind(DEFAULT_TEMPLATES_DIR / BUNDLED, outside.parents[1], BUNDLED)
    edit(copy, "name: Báo cáo tổng kết năm học", "name: Bản sửa")
    assert load_template(BUNDLED).name.startswith("Báo cáo tổng kết năm học")
    assert [k.id for k in all_templates()].count(BUNDLED) == 1


def test_an_outside_kind_is_filled_in_chat_and_drafted(outside: Path, database: Database) -> None:
    engine = ConversationEngine(database, EngineOptions(demo=True, demo_template=KIND))
    chat = Chat(engine)
    chat.say("/start")
    assert "Tóm tắt tình hình năm học?" in chat.say("1")
    chat.say("Năm học nhiều khó khăn.")
    chat.say("591")
    chat.say("53")
    chat.say("/duthao")
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(chat.document.data)).paragraphs)
    # Years and "năm học" are held together by non-breaking spaces in the document.
    body = body.replace("\xa0", " ")
    assert "Năm học nhiều khó khăn." in body
    assert "Tỉ lệ bỏ học là 53/591 (8,97%)." in body


def test_an_edited_kind_is_reloaded_without_a_restart(outside: Path) -> None:
    before = load_template(KIND)
    edit(outside, "name: Báo cáo thử nghiệm", "name: Báo cáo thử nghiệm (sửa)")
    after = load_template(KIND)
    assert after.name == "Báo cáo thử nghiệm (sửa)"
    assert template_digest(after) != template_digest(before)


def test_an_unchanged_kind_is_not_read_again(outside: Path) -> None:
    assert load_template(KIND) is load_template(KIND)


def test_the_file_is_looked_at_again_only_every_few_seconds(
    outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "RELOAD_SECONDS", 3600.0)
    load_template(KIND)
    edit(outside, "name: Báo cáo thử nghiệm", "name: Báo cáo thử nghiệm (sửa)")
    assert load_template(KIND).name == "Báo cáo thử nghiệm"


def test_a_broken_edit_keeps_the_last_good_version(outside: Path) -> None:
    load_template(KIND)
    edit(
        outside,
        "      - id: enrolled\n        kind: integer",
        "      - id: enrolled\n        kind: integr",
    )
    assert load_template(KIND).name == "Báo cáo thử nghiệm"


def test_a_period_keeps_the_version_it_was_opened_with(outside: Path, database: Database) -> None:
    engine = ConversationEngine(database, EngineOptions(demo=True, demo_template=KIND))
    chat = Chat(engine)
    chat.say("/start")
    edit(outside, "prompt: Tóm tắt tình hình năm học?", "prompt: Tình hình chung của đơn vị?")
    assert "Tình hình chung của đơn vị?" in load_template(KIND).sections[0].questions[0].prompt
    asked = chat.say("1")
    assert "Tóm tắt tình hình năm học?" in asked
    assert "Tình hình chung của đơn vị?" not in asked
    with database.session() as session:
        period = session.exec(select(Period)).one()
        stored = session.get(TemplateVersion, period.template_hash)
        assert stored is not None and "Tóm tắt tình hình năm học?" in stored.text
        kept = period_template(session, period)
        assert kept.sections[0].questions[0].prompt == "Tóm tắt tình hình năm học?"
    # A newcomer's period is opened with the edited version.
    newcomer = Chat(engine, "teacher-2")
    newcomer.say("/start")
    assert "Tình hình chung của đơn vị?" in newcomer.say("1")


def test_a_period_keeps_its_kind_when_the_file_is_removed(
    outside: Path, database: Database
) -> None:
    engine = ConversationEngine(database, EngineOptions(demo=True, demo_template=KIND))
    chat = Chat(engine)
    chat.say("/start")
    shutil.rmtree(outside.parent)
    assert "Tóm tắt tình hình năm học?" in chat.say("1")


# -- schema versions ------------------------------------------------------------------------


def test_a_schema_version_1_template_loads_unchanged() -> None:
    template = load_template("frozen-v1", FROZEN_V1)
    address, summary = template.sections[0].questions[:2]
    assert isinstance(address, TextQuestion) and isinstance(summary, TextQuestion)
    # Written when text was one short line unless it said `long: true`.
    assert (address.long, address.length_limit) == (False, 500)
    assert summary.long


def test_text_is_long_by_default_from_schema_version_2(tmp_path: Path) -> None:
    text = (FROZEN_V1 / "frozen-v1" / "questionnaire.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "frozen-v1"
    folder.mkdir()
    (folder / "questionnaire.yaml").write_text(
        text.replace("schema_version: 1", "schema_version: 2"), encoding="utf-8"
    )
    address = load_template("frozen-v1", tmp_path).sections[0].questions[0]
    assert isinstance(address, TextQuestion) and address.long

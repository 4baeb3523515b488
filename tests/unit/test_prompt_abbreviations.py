"""The abbreviations a table's prompt explains, kept with the template: the kept text is
the one worked out from the table asked, never another table's of the same id."""

from __future__ import annotations

from typing import Any

from bot.conversation.prompts import abbreviations
from bot.questionnaire.loader import load_template
from bot.questionnaire.schema import TableQuestion
from bot.texts import t

CENTRE = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"


def _table(*labels: str) -> TableQuestion:
    data: dict[str, Any] = {
        "id": "conduct",
        "kind": "table",
        "prompt": "x",
        "rows": [{"id": "a", "label": "A"}],
        "columns": [{"id": f"c{i}", "label": label} for i, label in enumerate(labels)],
    }
    return TableQuestion.model_validate(data)


def test_a_tables_abbreviations_are_explained_and_kept() -> None:
    template = load_template(CENTRE)
    table = _table("SL học viên", "TB")
    expected = t("ask.abbreviations", items="SL: số lượng · TB: trung bình")
    assert abbreviations(template, table) == expected
    assert abbreviations(template, table) == expected


def test_another_table_of_the_same_id_is_worked_out_anew() -> None:
    template = load_template(CENTRE)
    assert abbreviations(template, _table("SL")) == t("ask.abbreviations", items="SL: số lượng")
    assert abbreviations(template, _table("KXL")) == t(
        "ask.abbreviations", items="KXL: không xếp loại"
    )
    assert abbreviations(template, _table("Ghi chú")) is None

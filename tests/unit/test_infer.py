"""Checks inferred from a template's structure: what is inferred and what is not, the
opt-outs, de-duplication with declared checks, stable keys, and how they fail."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from bot.cli import app
from bot.core.rates import rate
from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.infer import candidate_checks, inferred_checks
from bot.questionnaire.loader import load_template, sample_answers_path
from bot.questionnaire.references import validate_template
from bot.questionnaire.schema import TableQuestion, Template
from bot.questionnaire.table_shape import category_rank, from_up_rank, table_shape

# -- small inline templates -----------------------------------------------------------------


def col(column_id: str, label: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"id": column_id, "label": label or column_id, **fields}


def make(
    tables: list[dict[str, Any]] | None = None,
    questions: list[dict[str, Any]] | None = None,
    **top: Any,
) -> Template:
    """A one-section template with the given tables (rows THCS, THPT and a total row by
    default) and questions."""
    built = []
    for table in tables or []:
        built.append(
            {
                "kind": "table",
                "prompt": table.get("label", table["id"]),
                "rows": [{"id": "thcs", "label": "THCS"}, {"id": "thpt", "label": "THPT"}],
                "total_row": {"id": "total", "label": "Tổng"},
                **table,
            }
        )
    data = {
        "schema_version": 1,
        "id": "inline",
        "name": "Thử",
        "sections": [
            {
                "id": "s",
                "number": "1",
                "title": "Thử",
                "questions": [*(questions or []), *built],
            }
        ],
        "document": {"summary": "x", "number_suffix": "BC", "file_name": "x"},
        **top,
    }
    template = Template.model_validate(data)
    assert validate_template(template) == []
    return template


# A conduct table as the annual report declares it: the roles name the total and KXL.
CONDUCT = {
    "id": "conduct",
    "label": "Hạnh kiểm",
    "columns": [
        col("total", "TS HV", role="total"),
        col("weak", "Yếu"),
        col("average", "TB"),
        col("good", "Khá"),
        col("excellent", "Tốt"),
        col("unclassified", "KXL", role="unclassified"),
    ],
    "computed": [
        {"id": "avg_up", "label": "SL", "kind": "sum", "of": ["average", "good", "excellent"]},
        {
            "id": "avg_up_rate",
            "label": "Tỷ lệ",
            "kind": "rate",
            "part": "avg_up",
            "total": ["weak", "average", "good", "excellent"],
        },
    ],
}
# An academic table with no role at all: the rate avg_up / total reveals the distribution.
ACADEMIC = {
    "id": "academic",
    "label": "Học lực",
    "columns": [
        col("total", "TS HV"),
        col("poor", "Kém"),
        col("weak", "Yếu"),
        col("average", "TB"),
        col("good", "Khá"),
        col("excellent", "Giỏi"),
    ],
    "computed": [
        {"id": "avg_up", "label": "SL", "kind": "sum", "of": ["average", "good", "excellent"]},
        {
            "id": "avg_up_rate",
            "label": "Tỷ lệ",
            "kind": "rate",
            "part": "avg_up",
            "total": ["total"],
        },
    ],
}
TITLES = {
    "id": "titles",
    "label": "Danh hiệu",
    "columns": [col("registered", "Số đăng ký"), col("recognised", "Số được công nhận")],
    "computed": [
        {
            "id": "rate",
            "label": "Tỉ lệ",
            "kind": "rate",
            "part": "recognised",
            "total": ["registered"],
        }
    ],
}
NETWORK = {
    "id": "network",
    "label": "Quy mô",
    "rows": [{"id": "schools", "label": "Trường"}, {"id": "pupils", "label": "Học sinh"}],
    "total_row": None,
    "columns": [
        col("total", "Tổng số"),
        col("public", "Công lập"),
        col("non_public", "Ngoài công lập"),
        col("girls", "Trong đó nữ", role="subset"),
    ],
}
GIFTED = {
    "id": "gifted",
    "label": "HSG",
    "columns": [
        col("previous_registered", "Năm trước: Đăng ký"),
        col("previous_passed", "Năm trước: Đạt"),
        col("registered", "Năm nay: Đăng ký"),
        col("passed", "Năm nay: Đạt"),
    ],
}
# The seed's paper shape: each category as SL and TL under its own header, typed.
TYPED = {
    "id": "typed",
    "label": "Học lực (gõ tay)",
    "columns": [
        col("total", "TS HV", role="total"),
        col("weak", "SL", group="Yếu"),
        col("weak_rate", "TL", group="Yếu", kind="percent"),
        col("average", "SL", group="TB"),
        col("average_rate", "TL", group="TB", kind="percent"),
        col("good", "SL", group="Khá"),
        col("good_rate", "TL", group="Khá", kind="percent"),
        col("avg_up", "SL", group="Từ TB trở lên"),
        col("avg_up_rate", "Tỷ lệ năm nay", group="Từ TB trở lên", kind="percent"),
        col("previous_rate", "Tỷ lệ năm trước", group="Từ TB trở lên", kind="percent"),
        col("change", "Tăng/giảm", group="Từ TB trở lên", kind="decimal", min=None),
    ],
}
# The same table graded as Thông tư 22/2021 does: Chưa đạt, Đạt, Khá, Tốt.
TT22 = {
    "id": "tt22",
    "label": "Kết quả học tập (TT22)",
    "columns": [
        col("total", "TS HV", role="total"),
        col("fail", "SL", group="Chưa đạt"),
        col("fail_rate", "TL", group="Chưa đạt", kind="percent"),
        col("pass", "SL", group="Đạt"),
        col("good", "SL", group="Khá"),
        col("excellent", "SL", group="Tốt"),
        col("pass_up", "SL", group="Từ Đạt trở lên"),
    ],
}
ROWS = {
    "id": "staff",
    "label": "Đội ngũ",
    "rows": [
        {"id": "managers", "label": "CBQL"},
        {"id": "teachers", "label": "Giáo viên"},
        {"id": "all", "label": "Toàn đơn vị", "role": "total"},
        {"id": "women", "label": "Trong đó nữ", "role": "subset"},
    ],
    "total_row": None,
    "columns": [col("people", "Số người"), col("rate", "Tỉ lệ", kind="percent")],
}
DROPOUTS = [
    {"id": "enrolled", "kind": "integer", "prompt": "Số HV?", "label": "Số học viên"},
    {"id": "dropouts", "kind": "integer", "prompt": "Bỏ học?", "label": "Số bỏ học"},
]
DROPOUT_RATE = {"id": "dropout_rate", "label": "Tỉ lệ", "kind": "rate", "part": "dropouts"}


def rows_of(template: Template, key_part: str) -> list[str]:
    return [c.key for c in inferred_checks(template) if key_part in c.key]


def names(template: Template) -> set[str]:
    return {c.name for c in inferred_checks(template)}


INFERRED: dict[str, tuple[Template, set[str]]] = {
    "distribution by roles, KXL a part": (make([CONDUCT]), {"conduct.sum:total"}),
    "distribution from a rate over a sum of categories": (
        make([ACADEMIC]),
        {"academic.sum:total"},
    ),
    "part within total from a rate": (
        make([TITLES]),
        {"titles.not_above:recognised:registered"},
    ),
    "public + non-public, and a subset column": (
        make([NETWORK]),
        {"network.sum:total", "network.not_above:girls:total"},
    ),
    "nothing to infer from a table without rates or roles": (make([GIFTED]), set()),
    "typed rates, typed 'from average up', typed change": (
        make([TYPED]),
        {
            "typed.sum:total",
            "typed.sum:avg_up",
            "typed.rate:weak_rate",
            "typed.rate:average_rate",
            "typed.rate:good_rate",
            "typed.rate:avg_up_rate",
            "typed.change:change",
        },
    ),
    "TT22 grades: typed 'from Đạt up' and a typed rate": (
        make([TT22]),
        {"tt22.sum:total", "tt22.sum:pass_up", "tt22.rate:fail_rate"},
    ),
    "typed total row and subset row": (
        make([ROWS]),
        {"staff.rows:people", "staff.within:all:people"},
    ),
    "figure rate over two answers": (
        make(questions=DROPOUTS, figures=[{**DROPOUT_RATE, "total": ["enrolled"]}]),
        {"not_above:dropouts:enrolled"},
    ),
}


@pytest.mark.parametrize("case", list(INFERRED), ids=list(INFERRED))
def test_what_is_inferred(case: str) -> None:
    template, expected = INFERRED[case]
    assert names(template) == expected


def test_row_checks_cover_every_row_and_typed_checks_only_typed_rows() -> None:
    template = make([TYPED])
    assert rows_of(template, "sum:total") == [
        "typed.thcs.sum:total",
        "typed.thpt.sum:total",
        "typed.total.sum:total",
    ]
    # The total row adds typed rates up, so a rate or a change there means nothing.
    assert rows_of(template, "rate:weak_rate") == [
        "typed.thcs.rate:weak_rate",
        "typed.thpt.rate:weak_rate",
    ]


def test_the_distribution_parts() -> None:
    conduct = table_shape(TableQuestion.model_validate({**CONDUCT, **_table_frame()}))
    assert conduct.total == "total"
    assert conduct.parts == ("weak", "average", "good", "excellent", "unclassified")
    assert conduct.categories == ("weak", "average", "good", "excellent")
    network = table_shape(TableQuestion.model_validate({**NETWORK, **_table_frame()}))
    assert (network.total, network.parts) == ("total", ("public", "non_public"))


def _table_frame() -> dict[str, Any]:
    return {"kind": "table", "prompt": "x", "rows": [{"id": "a", "label": "A"}]}


NOT_INFERRED: dict[str, Template] = {
    "a rate over several columns says nothing of a total": make(
        [
            {
                **CONDUCT,
                "columns": [
                    {k: v for k, v in c.items() if k != "role"} for c in CONDUCT["columns"]
                ],
            }
        ]
    ),
    "a percent column outside a group is not a typed rate": make(
        [
            {
                "id": "t",
                "columns": [
                    col("total", role="total"),
                    col("a"),
                    col("b"),
                    col("a_rate", kind="percent"),
                ],
            }
        ]
    ),
    "a figure rate over a figure": make(
        questions=DROPOUTS,
        figures=[
            {"id": "all", "label": "Tất cả", "kind": "sum", "of": ["enrolled"]},
            {**DROPOUT_RATE, "total": ["all"]},
        ],
    ),
    "a figure rate over two answers added": make(
        questions=DROPOUTS, figures=[{**DROPOUT_RATE, "total": ["enrolled", "dropouts"]}]
    ),
    "a computed 'from average up' is computed, not checked": make([ACADEMIC]),
}


@pytest.mark.parametrize("case", list(NOT_INFERRED), ids=list(NOT_INFERRED))
def test_what_is_not_inferred(case: str) -> None:
    inferred = names(NOT_INFERRED[case])
    assert not [n for n in inferred if "rate:" in n or "avg_up" in n or "not_above" in n]
    if case.startswith("a rate over several"):
        assert inferred == set()


# -- opt-out --------------------------------------------------------------------------------


def test_a_table_can_opt_out() -> None:
    template = make([{**ACADEMIC, "infer_checks": False}, TITLES])
    assert names(template) == {"titles.not_above:recognised:registered"}


def test_a_template_can_opt_out() -> None:
    assert inferred_checks(make([ACADEMIC, TITLES], infer_checks=False)) == []


def test_skip_a_check_on_every_row_or_on_one() -> None:
    every = make([ACADEMIC, TITLES], skip_checks=["academic.sum:total"])
    # Without the sum, the weaker check the rate implies is no longer covered.
    assert names(every) == {
        "academic.not_above:avg_up:total",
        "titles.not_above:recognised:registered",
    }
    one = make([ACADEMIC], skip_checks=["academic.thpt.sum:total"])
    assert rows_of(one, "sum:total") == ["academic.thcs.sum:total", "academic.total.sum:total"]


def test_a_skip_naming_nothing_is_a_template_problem() -> None:
    template = Template.model_validate(
        make([ACADEMIC]).model_dump(exclude_defaults=True) | {"skip_checks": ["academic.sum:al"]}
    )
    assert validate_template(template) == [
        "skip_checks: 'academic.sum:al' names no inferred check"
    ]


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        (
            {**TITLES, "columns": [col("a", role="subset"), col("b")]},
            "table titles: columns a have a role but no column is the total",
        ),
        (
            {**ROWS, "rows": [{"id": "a", "label": "A", "role": "subset"}]},
            "table staff: rows a are subsets but no row has role total",
        ),
        (
            {**GIFTED, "columns": [col("a", role="total"), col("b", kind="percent", role="part")]},
            "table gifted: column b: a percent column cannot be a part",
        ),
    ],
)
def test_roles_that_contradict_each_other_are_template_problems(
    table: dict[str, Any], problem: str
) -> None:
    with pytest.raises(AssertionError):
        make([table])
    data = make().model_dump(exclude_defaults=True)
    data["sections"][0]["questions"] = [
        {"kind": "table", "prompt": "x", "rows": [{"id": "r", "label": "R"}], **table}
    ]
    assert problem in validate_template(Template.model_validate(data))


# -- de-duplication -------------------------------------------------------------------------


def test_a_declared_table_check_wins_over_the_same_inferred_one() -> None:
    declared = {
        "kind": "sum_equals",
        "parts": ["excellent", "good", "average", "weak", "poor"],
        "total": "total",
    }
    template = make([{**ACADEMIC, "checks": [declared]}])
    assert inferred_checks(template) == []
    cells = {"thpt": {"total": 10, "poor": 1, "weak": 1, "average": 1, "good": 1, "excellent": 1}}
    failures = evaluate(template, {"academic": cells}).failures
    assert [f.key for f in failures] == ["academic.thpt.0", "academic.total.0"]


def test_a_declared_template_check_wins_over_the_same_inferred_one() -> None:
    check = {"id": "mine", "kind": "not_above", "part": "dropouts", "total": "enrolled"}
    template = make(
        questions=DROPOUTS, figures=[{**DROPOUT_RATE, "total": ["enrolled"]}], checks=[check]
    )
    assert inferred_checks(template) == []
    failures = evaluate(template, {"enrolled": 5, "dropouts": 6}).failures
    assert [f.key for f in failures] == ["mine"]


def test_a_part_within_total_that_the_distribution_covers_is_dropped() -> None:
    keys = {c.name for c in candidate_checks(make([ACADEMIC]))}
    assert "academic.not_above:avg_up:total" in keys  # from the rate, before de-duplication
    assert names(make([ACADEMIC])) == {"academic.sum:total"}


def test_one_failure_per_wrong_figure() -> None:
    cells = {"thpt": {"total": 10, "poor": 1, "weak": 1, "average": 1, "good": 1, "excellent": 1}}
    failures = evaluate(make([ACADEMIC]), {"academic": cells}).failures
    assert [f.key for f in failures] == ["academic.thpt.sum:total", "academic.total.sum:total"]


# -- stable keys ----------------------------------------------------------------------------


def test_keys_do_not_depend_on_order_or_unrelated_changes() -> None:
    alone = {c.key for c in inferred_checks(make([ACADEMIC]))}
    shuffled = {
        **ACADEMIC,
        "columns": list(reversed(ACADEMIC["columns"])),
        "rows": [{"id": "thpt", "label": "THPT"}, {"id": "thcs", "label": "Trung học cơ sở"}],
    }
    moved = make([TITLES, shuffled], questions=DROPOUTS)
    assert alone <= {c.key for c in inferred_checks(moved)}


def test_the_annual_report_keys() -> None:
    template = load_template("bao-cao-tong-ket-nam-hoc-gdnn-gdtx")
    rows = {
        "learning_titles": ["families", "clans", "communities", "organisations"],
        "conduct": ["thcs", "thpt", "linked", "total"],
        "academic": ["thcs", "thpt", "linked", "total"],
        "certificates": ["foreign_language", "it_basic"],
    }
    names = {
        "learning_titles": "not_above:recognised:registered",
        "conduct": "sum:total",
        "academic": "sum:total",
        "certificates": "not_above:certified:learners",
    }
    expected = [f"{t}.{r}.{names[t]}" for t, ids in rows.items() for r in ids]
    expected += ["not_above:dropouts:enrolled", "not_above:previous_dropouts:previous_enrolled"]
    assert [c.key for c in inferred_checks(template)] == expected


# -- evaluation -----------------------------------------------------------------------------


def conduct_row(total: int, *parts: int) -> dict[str, int]:
    ids = ["weak", "average", "good", "excellent", "unclassified"]
    return {"total": total, **dict(zip(ids, parts, strict=True))}


def test_a_distribution_that_does_not_add_up_names_every_number() -> None:
    answers = {"conduct": {"thpt": conduct_row(538, 0, 0, 77, 448, 10)}}
    failures = evaluate(make([CONDUCT]), answers).failures
    assert failures[0].key == "conduct.thpt.sum:total"
    assert failures[0].message == (
        "Bảng «Hạnh kiểm», dòng THPT: Yếu (0) + TB (0) + Khá (77) + Tốt (448) + KXL (10) = 535,"
        " nhưng TS HV là 538."
    )
    assert failures[0].question_ids == {"conduct"}


def test_a_distribution_that_adds_up_passes() -> None:
    answers = {"conduct": {"thpt": conduct_row(538, 0, 0, 77, 448, 13), "thcs": None}}
    assert evaluate(make([CONDUCT]), answers).failures == []


def test_public_and_non_public_that_do_not_make_the_total() -> None:
    # The district seed: "Tổng số trường: 34 trường (công lập: 17; ngoài công lập: 27)".
    answers = {"network": {"schools": {"total": 34, "public": 17, "non_public": 27, "girls": 0}}}
    [failure] = evaluate(make([NETWORK]), answers).failures
    assert failure.message == (
        "Bảng «Quy mô», dòng Trường: Công lập (17) + Ngoài công lập (27) = 44,"
        " nhưng Tổng số là 34."
    )


def test_a_subset_column_above_its_total() -> None:
    cells = {"pupils": {"total": 9453, "public": 5328, "non_public": 4125, "girls": 9500}}
    [failure] = evaluate(make([NETWORK]), {"network": cells}).failures
    assert failure.key == "network.pupils.not_above:girls:total"
    assert failure.message.endswith("Trong đó nữ (9.500) lớn hơn Tổng số (9.453).")


def test_a_part_above_its_total_from_a_rate() -> None:
    answers = {"titles": {"thcs": {"registered": 36, "recognised": 40}}}
    [failure, on_total] = evaluate(make([TITLES]), answers).failures
    assert failure.message == (
        "Bảng «Danh hiệu», dòng THCS: Số được công nhận (40) lớn hơn Số đăng ký (36)."
    )
    assert on_total.key == "titles.total.not_above:recognised:registered"


def test_a_figure_part_above_its_total() -> None:
    template = make(questions=DROPOUTS, figures=[{**DROPOUT_RATE, "total": ["enrolled"]}])
    [failure] = evaluate(template, {"enrolled": 591, "dropouts": 600}).failures
    assert failure.key == "not_above:dropouts:enrolled"
    assert failure.message == "Số bỏ học (600) lớn hơn Số học viên (591)."
    assert failure.question_ids == {"dropouts", "enrolled"}
    assert evaluate(template, {"enrolled": 591, "dropouts": 53}).failures == []


def typed_row(**overrides: Any) -> dict[str, Any]:
    """214/538 weak, 193 average, 131 good: typed figures that hold."""
    row = {
        "total": 538,
        "weak": 44,
        "weak_rate": "8,18",
        "average": 193,
        "average_rate": "35,87",
        "good": 301,
        "good_rate": "55,95",
        "avg_up": 494,
        "avg_up_rate": "91,82",
        "previous_rate": "89,87",
        "change": "1,95",
    }
    return {k: str(Decimal(str(v).replace(",", "."))) for k, v in {**row, **overrides}.items()}


def typed_failures(**overrides: Any) -> list[str]:
    answers = {"typed": {"thpt": typed_row(**overrides)}}
    return [f.message for f in evaluate(make([TYPED]), answers).failures]


def test_typed_figures_that_hold_pass() -> None:
    assert typed_failures() == []
    # Fewer decimals are fine when they round right: 44/538 = 8,18% typed "8,2" or "8".
    assert typed_failures(weak_rate="8,2") == []
    assert typed_failures(weak_rate="8") == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"avg_up_rate": "91,28"},
            "Bảng «Học lực (gõ tay)», dòng THPT: Tỷ lệ năm nay «Từ TB trở lên» ghi 91,28%, nhưng"
            " 494/538 = 91,82%.",
        ),
        (
            {"weak_rate": "8,1"},
            "Bảng «Học lực (gõ tay)», dòng THPT: TL «Yếu» ghi 8,10%, nhưng 44/538 = 8,18%.",
        ),
        (
            {"avg_up": 490},
            "Bảng «Học lực (gõ tay)», dòng THPT: SL «TB» (193) + SL «Khá» (301) = 494, nhưng"
            " SL «Từ TB trở lên» là 490.",
        ),
        (
            {"change": "-1,95"},
            "Bảng «Học lực (gõ tay)», dòng THPT: Tăng/giảm «Từ TB trở lên» ghi -1,95, nhưng"
            " 91,82% − 89,87% là tăng 1,95 điểm phần trăm.",
        ),
    ],
)
def test_typed_figures_that_do_not_hold(overrides: dict[str, Any], message: str) -> None:
    failures = typed_failures(**overrides)
    assert message in failures, failures


def test_typed_rates_of_a_distribution_with_kxl_are_over_the_ranked() -> None:
    table = {
        "id": "conduct",
        "label": "Hạnh kiểm",
        "columns": [
            col("total", "TS HV", role="total"),
            col("good", "SL", group="Khá"),
            col("good_rate", "TL", group="Khá", kind="percent"),
            col("excellent", "SL", group="Tốt"),
            col("excellent_rate", "TL", group="Tốt", kind="percent"),
            col("unclassified", "KXL", role="unclassified"),
        ],
    }
    # 448 of the 525 ranked learners (538 less 13 KXL) is 85,33%, not 448/538 = 83,27%.
    row = {"total": 538, "good": 77, "good_rate": "14.67", "excellent": 448}
    row |= {"excellent_rate": "85.33", "unclassified": 13}
    assert evaluate(make([table]), {"conduct": {"thpt": row}}).failures == []
    row["excellent_rate"] = "83.27"
    [failure] = evaluate(make([table]), {"conduct": {"thpt": row}}).failures
    assert failure.message.endswith("TL «Tốt» ghi 83,27%, nhưng 448/525 = 85,33%.")


def test_a_typed_total_row_and_its_subset_row() -> None:
    cells = {
        "managers": {"people": 5},
        "teachers": {"people": 50},
        "all": {"people": 56},
        "women": {"people": 60},
    }
    failures = {f.key: f.message for f in evaluate(make([ROWS]), {"staff": cells}).failures}
    assert failures == {
        "staff.all.rows:people": "Đội ngũ, dòng CBQL, cột Số người (5) + Đội ngũ, dòng Giáo viên,"
        " cột Số người (50) = 55, nhưng Đội ngũ, dòng Toàn đơn vị, cột Số người là 56.",
        "staff.women.within:all:people": "Đội ngũ, dòng Trong đó nữ, cột Số người (60) lớn hơn"
        " Đội ngũ, dòng Toàn đơn vị, cột Số người (56).",
    }


def test_a_confirmed_inferred_check_is_marked_confirmed() -> None:
    answers = {
        "academic": {
            "thpt": {"total": 9, "poor": 1, "weak": 1, "average": 1, "good": 1, "excellent": 1}
        }
    }
    failures = evaluate(make([ACADEMIC]), answers, {"academic.thpt.sum:total"}).failures
    assert [(f.key, f.confirmed) for f in failures] == [
        ("academic.thpt.sum:total", True),
        ("academic.total.sum:total", False),
    ]


def test_check_json_lists_inferred_failures(tmp_path: Path) -> None:
    kind = "bao-cao-tong-ket-nam-hoc-gdnn-gdtx"
    data = yaml.safe_load(sample_answers_path(kind).read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["answers"]["academic"]["thpt"] = [538, 3, 41, 193, 214, 80]
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(
        app, ["check", "--template", kind, "--answers", str(path), "--json"]
    )
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["warnings"]
    assert [w["key"] for w in warnings] == ["academic.thpt.sum:total", "academic.total.sum:total"]
    assert "= 531, nhưng TS HV là 538." in warnings[0]["message"]


# -- properties -----------------------------------------------------------------------------


@given(parts=st.lists(st.integers(0, 10_000), min_size=5, max_size=5), extra=st.integers(-50, 50))
def test_a_distribution_fails_exactly_when_it_does_not_add_up(
    parts: list[int], extra: int
) -> None:
    total = sum(parts) + extra
    ids = ["poor", "weak", "average", "good", "excellent"]
    cells = {"thpt": {"total": total, **dict(zip(ids, parts, strict=True))}, "thcs": None}
    keys = [f.key for f in evaluate(make([ACADEMIC]), {"academic": cells}).failures]
    assert keys == ([] if extra == 0 else ["academic.thpt.sum:total", "academic.total.sum:total"])


@given(
    total=st.integers(1, 100_000),
    share=st.fractions(0, 1),
    places=st.integers(0, 2),
)
def test_a_rate_typed_to_any_precision_passes_and_a_nudged_one_fails(
    total: int, share: Any, places: int
) -> None:
    part = int(total * share)
    others = total - part
    shown = rate(part, total)
    assert shown is not None
    typed = shown.quantize(Decimal(1).scaleb(-places), rounding="ROUND_HALF_UP")
    table = {
        "id": "t",
        "label": "T",
        "columns": [
            col("total", "TS", role="total"),
            col("a", "SL", group="Đạt"),
            col("a_rate", "TL", group="Đạt", kind="percent"),
            col("b", "Chưa đạt"),
        ],
    }
    template = make([table])
    row = {"total": total, "a": part, "b": others}
    cells = {"thpt": row | {"a_rate": str(typed)}}
    assert evaluate(template, {"t": cells}).failures == []
    nudged = typed + Decimal(1).scaleb(-places)
    if nudged <= 100:
        cells = {"thpt": row | {"a_rate": str(nudged)}}
        assert [f.key for f in evaluate(template, {"t": cells}).failures] == ["t.thpt.rate:a_rate"]


def test_category_ranks() -> None:
    assert [
        category_rank(x) for x in ("Kém", "Yếu", "TB", "Trung bình", "Khá", "Giỏi", "Tốt")
    ] == [
        0,
        1,
        2,
        2,
        3,
        4,
        4,
    ]
    assert category_rank("Loại giỏi") == 4
    assert category_rank("KXL") is None
    assert from_up_rank("Từ trung bình trở lên") == 2
    assert from_up_rank("Từ Khá trở lên:") == 3
    assert from_up_rank("Tỷ lệ năm nay") is None
    # Thông tư 22/2021's grades, alone or beside the older names.
    assert [category_rank(x) for x in ("Chưa đạt", "Đạt", "Yếu (Chưa đạt)", "TB/Đạt")] == [
        1,
        2,
        1,
        2,
    ]
    assert from_up_rank("Từ trung bình (đạt) trở lên") == 2
    # Two names of different grades are no category.
    assert category_rank("Khá/Đạt") is None


def test_the_mini_report_declares_what_inference_would_find() -> None:
    """The fixture keeps its declared checks (the transcripts' keys): inference adds none."""
    from tests.conftest import FIXTURE_TEMPLATES

    template = load_template("mini-report", FIXTURE_TEMPLATES)
    assert {c.name for c in candidate_checks(template)} == {
        "academic.sum:total",
        "academic.not_above:avg_up:total",
        "not_above:dropouts:enrolled",
    }
    assert inferred_checks(template) == []

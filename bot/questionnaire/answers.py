"""Turning what a user typed into a stored answer value, and stored values back into text.

Stored values are JSON: text as str, integers as int, decimals and percents as str of a
Decimal, dates as ISO str, choices as option ids, yes/no as bool, tables as
{row_id: {column_id: value} | None}, lists as [{field_id: value}].
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

from bot.core.digits import small_int
from bot.core.number_words import words_to_integer
from bot.core.numbers import (
    NumberParseError,
    format_decimal,
    format_integer,
    format_percent,
    parse_decimal,
    parse_integer,
    parse_percent,
    shown,
)
from bot.core.text import fold, yes_or_no
from bot.questionnaire import dates
from bot.questionnaire.schema import (
    ChoiceQuestion,
    DateQuestion,
    DecimalQuestion,
    IntegerQuestion,
    ListField,
    ListQuestion,
    MultiChoiceQuestion,
    Option,
    PercentQuestion,
    Question,
    TableColumn,
    TableQuestion,
    TextQuestion,
    YesNoQuestion,
)
from bot.questionnaire.symbols import drop_emoji, has_emoji
from bot.texts import t

# C0/C1 controls (but tab and newline), private-use sentinels, noncharacters; invisible
# format characters that would reorder or hide text in the official document: bidi marks,
# embeddings, overrides and isolates, zero-width spaces and joiners, word joiner, BOM.
_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ue000-\uf8ff\ufffe\uffff"
    r"\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
_BLANK_LINES = re.compile(r"\n\s*\n+")
_CELL_SPLIT = re.compile(r"[\s;|]+")
_PERCENT_SIGNS = {"%", "\uff05"}
_ZERO = Decimal(0)
ROW_BLANK_INPUTS = {"-", "–", "—", "trong", "de trong", "khong co", "bo trong", "0 hv"}


class InvalidAnswer(ValueError):  # noqa: N818 (reads as the event it names)
    """What the user typed is not an acceptable answer; `message` says why, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_text(text: str) -> str:
    """NFC, no control characters, trimmed; line breaks kept, runs of blank lines folded."""
    if text.isprintable():  # one line with no unsafe character: most answers
        return unicodedata.normalize("NFC", text).strip()
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _UNSAFE.sub("", text)
    if "\n" in text:  # most answers are one line
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def clean_name(text: str) -> str:
    """A person's name as `clean_text` keeps it, on one line with single spaces."""
    return " ".join(clean_text(text).split())


def _number_error(err: NumberParseError) -> InvalidAnswer:
    return InvalidAnswer(t(err.key, **err.params))


def _bounded_decimal(text: str, minimum: Decimal | None, maximum: Decimal | None) -> Decimal:
    try:
        return parse_decimal(text, minimum=minimum, maximum=maximum)
    except NumberParseError as err:
        raise _number_error(err) from err


def _integer(
    text: str, minimum: int | None, maximum: int | None, units: tuple[str, ...] = ()
) -> int:
    try:
        return parse_integer(text, minimum=minimum, maximum=maximum, units=units)
    except NumberParseError as err:
        raise _number_error(err) from err


def _percent(text: str) -> Decimal:
    try:
        return parse_percent(text)
    except NumberParseError as err:
        raise _number_error(err) from err


def parse_date(text: str, school_year: str | None = None) -> date:
    """A typed date ("15/04/2027", "2027-04-15", or "15/4" within `school_year`)."""
    try:
        return dates.parse_date(text, school_year)
    except dates.DateParseError as err:
        raise InvalidAnswer(err.message) from err


def example_of(question: Question, school_year: str | None = None) -> str | None:
    """The example shown with a question; a date's is moved into `school_year`."""
    if isinstance(question, DateQuestion):
        return dates.example(school_year, question.example)
    return question.example


def _option_by_text(options: list[Option], text: str) -> Option | None:
    """The option a user meant by its number ("2") or its label ("khá")."""
    folded = fold(text)
    number = small_int(folded, limit=len(options))
    if number:
        return options[number - 1]
    for option in options:
        if folded in (fold(option.label), option.id):
            return option
    return None


def parse_yes_no(text: str) -> bool:
    """Có / Không, as typed in many ways."""
    answer = yes_or_no(text)
    if answer is None:
        raise InvalidAnswer(t("answer.yes_no"))
    return answer


def _check_length(text: str, limit: int) -> str:
    if not text:
        raise InvalidAnswer(t("answer.empty"))
    if len(text) > limit:
        raise InvalidAnswer(
            t("answer.too_long", length=format_integer(len(text)), limit=format_integer(limit))
        )
    return text


def parse_answer(question: Question, raw: str, *, school_year: str | None = None) -> Any:
    """The stored value of a typed answer to a one-message question (not table or list);
    a date typed without its year falls in `school_year` (by default the current one)."""
    text = clean_text(raw)
    if isinstance(question, TextQuestion):
        return _check_length(drop_emoji(text), question.length_limit)
    if not text:
        raise InvalidAnswer(t("answer.empty"))
    if len(text) > 200:
        raise InvalidAnswer(t("answer.too_long_for_value"))
    if isinstance(question, IntegerQuestion):
        return _integer(
            text, question.min, question.max, (question.unit,) if question.unit else ()
        )
    if isinstance(question, DecimalQuestion):
        return str(_bounded_decimal(text, question.min, question.max))
    if isinstance(question, PercentQuestion):
        return str(_percent(text))
    if isinstance(question, DateQuestion):
        return parse_date(text, school_year).isoformat()
    if isinstance(question, YesNoQuestion):
        return parse_yes_no(text)
    if isinstance(question, ChoiceQuestion):
        option = _option_by_text(question.options, text)
        if option is None:
            raise InvalidAnswer(t("answer.choice", count=len(question.options)))
        return option.id
    if isinstance(question, MultiChoiceQuestion):
        return parse_multi_choice(question, text)
    raise TypeError(f"{question.kind} questions are not answered in one message")


def parse_multi_choice(question: MultiChoiceQuestion, text: str) -> list[str]:
    """Several options typed as numbers or labels separated by commas or spaces."""
    parts = [
        p
        for p in re.split(r"[,;\s]+" if re.fullmatch(r"[\d,;\s]+", text) else r"[,;]+", text)
        if p.strip()
    ]
    chosen: list[str] = []
    for part in parts:
        option = _option_by_text(question.options, part)
        if option is None:
            raise InvalidAnswer(t("answer.multi_choice", count=len(question.options)))
        if option.id not in chosen:
            chosen.append(option.id)
    if not chosen:
        raise InvalidAnswer(t("answer.multi_choice", count=len(question.options)))
    return [o.id for o in question.options if o.id in chosen]


def parse_cell(column: TableColumn | ListField, text: str) -> Any:
    """One table cell or numeric list field."""
    kind = column.kind
    if kind == "text":
        return _check_length(drop_emoji(clean_text(text)), 500)
    if kind == "quantity":
        return parse_quantity(_check_length(drop_emoji(clean_text(text)), 500))
    if kind == "percent":
        return str(_percent(text))
    minimum = getattr(column, "min", _ZERO)
    maximum = getattr(column, "max", None)
    if kind == "integer":
        return _integer(
            text,
            None if minimum is None else int(minimum),
            None if maximum is None else int(maximum),
        )
    return str(_bounded_decimal(text, minimum, maximum))


def emoji_notes(asked: Question | ListField, raw: str) -> list[str]:
    """The note to show when parsing `raw` as a text answer to `asked` left emoji out."""
    takes_text = isinstance(asked, TextQuestion) or (
        isinstance(asked, ListField) and asked.kind in ("text", "quantity")
    )
    return [t("typed.emoji_dropped")] if takes_text and has_emoji(raw) else []


def parse_quantity(text: str) -> str:
    """A quantity with an optional unit, its count in digits: "hai" -> "2",
    "mười tám tiết" -> "18 tiết"; "01 đợt" stays as typed."""
    words = text.split()
    if words[0][0].isdigit():
        return text
    for end in range(len(words), 0, -1):
        count = words_to_integer(" ".join(words[:end]))
        if count is not None:
            return " ".join([str(count), *words[end:]])
    raise InvalidAnswer(t("number.quantity", text=shown(text)))


def split_cells(text: str) -> list[str]:
    """The cells of a row typed in one message: "538 3 41" or "538; 3; 41".

    A space inside a number ("1 234") cannot be told from a cell separator, so a row is
    split on every space; thousands in a row are written "1.234". A "%" typed after a
    space ("89,87 %") belongs to the number before it.
    """
    return _split_clean(clean_text(text))


def _split_clean(text: str) -> list[str]:
    """`split_cells` of a text `clean_text` left as it is."""
    cells: list[str] = []
    for cell in _CELL_SPLIT.split(text):
        if cell in _PERCENT_SIGNS and cells:
            cells[-1] += cell
        elif cell:
            cells.append(cell)
    return cells


def parse_table_row(table: TableQuestion, raw: str) -> dict[str, Any] | None:
    """A row typed in one message, or None when the user leaves the row blank."""
    text = clean_text(raw)
    if fold(text) in ROW_BLANK_INPUTS:
        return None
    cells = _split_clean(text)
    expected = len(table.columns)
    if not any(map(str.isdigit, text)):
        # "abc" or a sentence is not "one number too few": say what a row is.
        names = ", ".join(c.label for c in table.columns)
        raise InvalidAnswer(
            t("answer.row_no_numbers", text=shown(text), expected=expected, columns=names)
        )
    if len(cells) != expected:
        names = ", ".join(c.label for c in table.columns)
        raise InvalidAnswer(
            t("answer.row_cells", expected=expected, given=len(cells), columns=names)
        )
    row: dict[str, Any] = {}
    for column, cell in zip(table.columns, cells, strict=True):
        try:
            row[column.id] = parse_cell(column, cell)
        except InvalidAnswer as err:
            raise InvalidAnswer(
                t("answer.row_cell", column=column.label, reason=err.message)
            ) from err
    return row


def value_from_file(question: Question, raw: Any) -> Any:
    """A stored value from an answers file, parsing strings as if they were typed."""
    if raw is None:
        return None
    if isinstance(question, TableQuestion):
        return _table_from_file(question, raw)
    if isinstance(question, ListQuestion):
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            raise InvalidAnswer(t("answers_file.list_shape"))
        return [_item_from_file(question, item) for item in raw]
    if isinstance(question, MultiChoiceQuestion) and isinstance(raw, list):
        return parse_multi_choice(question, ", ".join(str(r) for r in raw))
    if isinstance(question, YesNoQuestion) and isinstance(raw, bool):
        return raw
    if isinstance(question, DateQuestion) and isinstance(raw, date):
        return raw.isoformat()
    if isinstance(question, ChoiceQuestion) and raw in {o.id for o in question.options}:
        return raw
    return parse_answer(question, _plain(raw))


def _plain(raw: Any) -> str:
    """A YAML scalar as the text a user would have typed (YAML floats use a dot)."""
    return str(raw)


def _table_from_file(question: TableQuestion, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidAnswer(t("answers_file.table_shape"))
    out: dict[str, Any] = {}
    for row in question.rows:
        cells = raw.get(row.id)
        if cells is None:
            out[row.id] = None
        elif isinstance(cells, dict):
            columns = {c.id for c in question.columns}
            if set(cells) - columns or columns - set(cells):
                raise InvalidAnswer(
                    t(
                        "answers_file.table_columns",
                        row=row.id,
                        expected=", ".join(c.id for c in question.columns),
                        written=", ".join(str(c) for c in cells),
                    )
                )
            out[row.id] = {c.id: parse_cell(c, _plain(cells[c.id])) for c in question.columns}
        elif isinstance(cells, list):
            out[row.id] = parse_table_row(question, " ".join(_plain(c) for c in cells))
        else:
            # A row written as one line, as typed in chat: "538 0 0 77 448 13".
            out[row.id] = parse_table_row(question, _plain(cells))
    unknown = set(raw) - {r.id for r in question.rows}
    if unknown:
        raise InvalidAnswer(
            t(
                "answers_file.table_rows",
                rows=", ".join(sorted(map(str, unknown))),
                known=", ".join(r.id for r in question.rows),
            )
        )
    return out


def _item_from_file(question: ListQuestion, item: dict[str, Any]) -> dict[str, Any]:
    return {
        f.id: None if item.get(f.id) is None else parse_cell(f, _plain(item[f.id]))
        for f in question.fields
    }


def format_number(kind: str, value: Any) -> str:
    """A stored numeric value the Vietnamese way."""
    if kind == "integer":
        return format_integer(int(value))
    if kind == "percent":
        return format_percent(Decimal(value))
    return format_decimal(Decimal(value), trim=True)


def format_date(iso: str) -> str:
    """An ISO date as dd/mm/yyyy."""
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def format_answer(question: Question, value: Any) -> str:
    """A stored answer as one line of text for echoes and reviews (tables summarised)."""
    if value is None:
        return ""
    if isinstance(question, TextQuestion):
        return str(value)
    if isinstance(question, IntegerQuestion | DecimalQuestion | PercentQuestion):
        text = format_number(question.kind, value)
        unit = getattr(question, "unit", None)
        return f"{text} {unit}" if unit else text
    if isinstance(question, DateQuestion):
        return format_date(value)
    if isinstance(question, YesNoQuestion):
        return t("answer.yes") if value else t("answer.no")
    if isinstance(question, ChoiceQuestion):
        return next((o.label for o in question.options if o.id == value), str(value))
    if isinstance(question, MultiChoiceQuestion):
        return "; ".join(o.label for o in question.options if o.id in value)
    if isinstance(question, TableQuestion):
        return "; ".join(
            f"{row.label}: {format_row(question, value.get(row.id))}"
            for row in question.rows
            if row.id in value
        )
    if isinstance(question, ListQuestion):
        return "; ".join(format_item(question, item) for item in value) or t("answer.none")
    raise TypeError(question)


def format_row(table: TableQuestion, row: dict[str, Any] | None) -> str:
    """A table row as "TS HV 538 · Kém 3 · …", or "để trống"."""
    if row is None:
        return t("answer.row_blank")
    return " · ".join(
        f"{c.label} {format_number(c.kind, row[c.id])}" for c in table.columns if c.id in row
    )


def format_item(question: ListQuestion, item: dict[str, Any]) -> str:
    """A list item as "name, level, 6, result"."""
    parts = []
    for field in question.fields:
        value = item.get(field.id)
        if value is not None:
            parts.append(format_integer(value) if field.kind == "integer" else str(value))
    return ", ".join(parts)

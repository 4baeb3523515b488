"""Evaluations of a period's answers, reused while the answers they read are the same."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.questionnaire.evaluate import evaluate
from bot.questionnaire.evaluation import Evaluation
from bot.questionnaire.schema import Template


class EvaluationCache:
    """The last evaluations of each period's answers, reused while what they read is the same.

    Evaluating a template (every figure and check) is the costliest step of an answer, and
    consecutive events often ask it of answers that differ in nothing it reads: a table row
    is evaluated when it is read back and again when it is confirmed unchanged, and a text
    or choice answer changes no figure. Each evaluation runs over a mapping that records the
    answers it reads; a later evaluation of the same template and period reuses it when each
    of those answers is the same value (types included) and, if it read them all, when all
    of them are. Answer values are never changed in place, only replaced.
    """

    def __init__(self, periods: int = 256, per_period: int = 2) -> None:
        self.periods = periods
        self.per_period = per_period
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, list[_Evaluated]] = OrderedDict()

    def evaluate(self, template: Template, period_id: int, values: dict[str, Any]) -> Evaluation:
        """`evaluate(template, values)`, reused when the answers it reads are unchanged."""
        with self._lock:
            entries = list(self._entries.get(period_id, ()))
        for entry in entries:
            if entry.template is template and entry.holds_for(values):
                return entry.evaluation
        reads = _RecordingAnswers(values)
        evaluation = evaluate(template, reads)
        found = _Evaluated(template, reads.read, reads.read_all, evaluation)
        with self._lock:
            kept = [found, *(e for e in entries if e.template is template)]
            self._entries[period_id] = kept[: self.per_period]
            self._entries.move_to_end(period_id)
            while len(self._entries) > self.periods:
                self._entries.popitem(last=False)
        return evaluation


_MISSING = object()


@dataclass(frozen=True)
class _Evaluated:
    """An evaluation and the answers it read (all of them when `read_all`)."""

    template: Template
    read: dict[str, Any]
    read_all: bool
    evaluation: Evaluation

    def holds_for(self, values: dict[str, Any]) -> bool:
        """Whether evaluating `values` would read exactly the same answers."""
        if self.read_all:
            return _same(self.read, values)
        get = values.get
        for key, seen in self.read.items():
            # Mostly the very same object (answers are shared, never changed in place).
            value = get(key, _MISSING)
            if value is not seen and not _same(value, seen):
                return False
        return True


class _RecordingAnswers(Mapping[str, Any]):
    """Answers by question id that remember which ids were read, and what they held."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values
        self.read: dict[str, Any] = {}
        self.read_all = False

    def __getitem__(self, key: str) -> Any:
        value = self._values.get(key, _MISSING)
        self.read[key] = value
        if value is _MISSING:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = self._values.get(key, _MISSING)
        self.read[key] = value
        return default if value is _MISSING else value

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        value = self._values.get(key, _MISSING)
        self.read[key] = value
        return value is not _MISSING

    def __iter__(self) -> Iterator[str]:
        self._read_everything()
        return iter(self._values)

    def __len__(self) -> int:
        self._read_everything()
        return len(self._values)

    def _read_everything(self) -> None:
        self.read_all = True
        self.read = dict(self._values)


def _same(a: Any, b: Any) -> bool:
    """Equality of JSON-like values that also tells 1, 1.0 and True apart."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return False
        for key, value in a.items():
            other = b[key]
            if value is not other and not _same(value, other):
                return False
        return True
    if isinstance(a, list):
        if len(a) != len(b):
            return False
        for value, other in zip(a, b, strict=True):
            if value is not other and not _same(value, other):
                return False
        return True
    return bool(a == b)

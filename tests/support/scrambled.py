"""Sample answers with their numbers scrambled: reports whose checks fail in many ways."""

from __future__ import annotations

import random
from typing import Any

# The report kinds with sample answers and checks.
KINDS = [
    "bao-cao-kiem-diem-hoi-nghi-vien-chuc",
    "bao-cao-nhiem-vu-nam-hoc-phong-gddt",
    "bao-cao-so-ket-hoc-ky-gdnn-gdtx",
    "bao-cao-tong-ket-nam-hoc-gdnn-gdtx",
]


def scrambled(value: Any, chance: random.Random) -> Any:
    """Every whole number of an answer replaced by another, or left out."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return chance.randint(0, 60)
    if isinstance(value, dict):
        return {k: scrambled(v, chance) for k, v in value.items() if chance.random() > 0.05}
    return value

"""The catalogue of Vietnamese user-facing text.

Every message a user reads (apart from each questionnaire's own prompts) lives in the YAML
files of this folder, keyed by dotted names, so a director can review the wording without
reading Python. `t("number.negative")` returns the NFC-normalised text, formatted with
the keyword arguments given.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_FOLDER = Path(__file__).parent


def _flatten(prefix: str, node: Any, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out)
    else:
        out[prefix] = unicodedata.normalize("NFC", str(node)).strip()


@cache
def catalogue() -> dict[str, str]:
    """All messages, from every `*.vi.yaml` file of this folder."""
    out: dict[str, str] = {}
    for path in sorted(_FOLDER.glob("*.vi.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        chunk: dict[str, str] = {}
        _flatten("", data, chunk)
        duplicated = chunk.keys() & out.keys()
        if duplicated:
            raise ValueError(f"{path.name} redefines {sorted(duplicated)}")
        out.update(chunk)
    return out


def t(key: str, /, **params: Any) -> str:
    """The message `key`, with `{name}` fields filled from `params`."""
    template = catalogue()[key]
    return template.format(**params) if params else template

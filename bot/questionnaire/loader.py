"""Finding and loading report kinds from `templates/<kind-id>/`."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.questionnaire.references import TemplateError, validate_template
from bot.questionnaire.schema import Template

QUESTIONNAIRE_FILE = "questionnaire.yaml"
SAMPLE_ANSWERS_FILE = "sample-answers.yaml"
DEFAULT_TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


class TemplateNotFoundError(LookupError):
    """No report kind with that id."""


def _nfc(node: Any) -> Any:
    """Every string of a YAML tree in NFC, so comparisons with typed text are exact."""
    if isinstance(node, str):
        return unicodedata.normalize("NFC", node)
    if isinstance(node, list):
        return [_nfc(item) for item in node]
    if isinstance(node, dict):
        return {_nfc(key): _nfc(value) for key, value in node.items()}
    return node


def read_yaml(path: Path) -> Any:
    """A YAML file's data with every string NFC-normalised."""
    return _nfc(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_template_file(path: Path) -> Template:
    """Validates one questionnaire file into a Template whose references all resolve.

    Raises TemplateError listing every problem (pydantic's included) when it does not hold.
    """
    try:
        template = Template.model_validate(read_yaml(path))
    except ValidationError as err:
        problems = [f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in err.errors()]
        raise TemplateError(str(path), problems) from err
    problems = validate_template(template)
    if problems:
        raise TemplateError(str(path), problems)
    return template


def template_dirs(root: Path = DEFAULT_TEMPLATES_DIR) -> list[Path]:
    """Every report kind's folder under `root`."""
    return sorted(p for p in root.iterdir() if (p / QUESTIONNAIRE_FILE).is_file())


@cache
def load_template(kind_id: str, root: Path = DEFAULT_TEMPLATES_DIR) -> Template:
    """The report kind `kind_id`, validated (cached: templates do not change at run time)."""
    path = root / kind_id / QUESTIONNAIRE_FILE
    if not path.is_file():
        raise TemplateNotFoundError(kind_id)
    template = load_template_file(path)
    if template.id != kind_id:
        problem = f"id {template.id!r} does not match its folder {kind_id!r}"
        raise TemplateError(str(path), [problem])
    return template


def all_templates(root: Path = DEFAULT_TEMPLATES_DIR) -> list[Template]:
    """Every report kind under `root`."""
    return [load_template(d.name, root) for d in template_dirs(root)]


def sample_answers_path(kind_id: str, root: Path = DEFAULT_TEMPLATES_DIR) -> Path:
    """The bundled complete answers of a report kind (used by `demo` and the contract test)."""
    return root / kind_id / SAMPLE_ANSWERS_FILE

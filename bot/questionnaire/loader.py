"""Finding and loading report kinds: the bundled `templates/<kind-id>/` and the folders of
BAOCAO_TEMPLATES_DIR.

A kind is looked up by id in the bundled folder first, then in each outside folder in
order, so an outside kind cannot take over a bundled id (it is refused with a warning and
`baocao templates check` reports it). A loaded kind is kept in memory; its file is looked at
again at most every `RELOAD_SECONDS`, and an edited file is read and validated again, so a
running bot serves the new version without a restart (a broken edit keeps the last good one).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import ValidationError
from yaml.nodes import Node, ScalarNode

from bot.core.settings import get_settings
from bot.questionnaire.references import TemplateError, validate_template
from bot.questionnaire.schema import Template

QUESTIONNAIRE_FILE = "questionnaire.yaml"
SAMPLE_ANSWERS_FILE = "sample-answers.yaml"
# Fragments shared by kinds, beside their folders (not a kind: it has no questionnaire).
SHARED_DIR = "_shared"
INCLUDE_TAG = "!include"
_FRAGMENT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.yaml$")
# A fragment including itself stops here.
_MAX_INCLUDES = 100
DEFAULT_TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
# How often, at most, a loaded kind's file is looked at again for an edit.
RELOAD_SECONDS = 3.0

log = logging.getLogger(__name__)


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


def shared_dir(kind_folder: Path) -> Path:
    """The `_shared/` folder of fragments beside a kind's folder."""
    return kind_folder.parent / SHARED_DIR


class IncludingLoader(yaml.SafeLoader):
    """A safe YAML loader whose `!include NAME.yaml` stands for the fragment
    `shared/NAME.yaml` (see `yaml_loader`)."""

    shared: ClassVar[Path | None] = None
    included: ClassVar[list[Path]] = []

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        node = super().compose_node(parent, index)
        if not (isinstance(node, ScalarNode) and node.tag == INCLUDE_TAG):
            return node
        name = str(node.value).strip()
        shared, included = type(self).shared, type(self).included
        if shared is None or not _FRAGMENT_NAME.match(name):
            raise yaml.MarkedYAMLError(
                problem=f"cannot include {name!r}: a file name in {SHARED_DIR}/ is needed",
                problem_mark=node.start_mark,
            )
        path = shared / name
        if not path.is_file() or len(included) >= _MAX_INCLUDES:
            raise yaml.MarkedYAMLError(
                problem=f"cannot include {name!r}: no file {path}", problem_mark=node.start_mark
            )
        included.append(path)
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=type(self))


def yaml_loader(shared: Path | None) -> type[IncludingLoader]:
    """A loader for one text: `!include NAME.yaml` stands for the fragment `shared/NAME.yaml`.

    The fragment's nodes replace the tag's before anything is built, so a fragment can be a
    whole value (`columns: !include distribution-columns.yaml`) or merged into a mapping and
    completed there (`<<: !include previous-rate-table.yaml`); `included` lists what was read.
    """
    return type("Loader", (IncludingLoader,), {"shared": shared, "included": []})


def included_fragments(path: Path) -> list[Path]:
    """The fragments a questionnaire file includes (none when it does not load)."""
    loader = yaml_loader(shared_dir(path.parent))
    try:
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    return list(dict.fromkeys(loader.included))


def parse_yaml(text: str, shared: Path | None = None) -> Any:
    """YAML text's data with every string NFC-normalised (fragments of `shared` included)."""
    return _nfc(yaml.load(text, Loader=yaml_loader(shared)))


def read_yaml(path: Path) -> Any:
    """A YAML file's data with every string NFC-normalised."""
    return parse_yaml(path.read_text(encoding="utf-8"))


def digest_of(text: str) -> str:
    """The version hash of a questionnaire's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def template_from_text(text: str, source: str, shared: Path | None = None) -> Template:
    """Validates a questionnaire's text into a Template whose references all resolve.

    Raises TemplateError listing every problem (pydantic's included) when it does not hold.
    A text that includes fragments of `shared` is kept as the whole text they make, so the
    version a period is opened with stays the same when a fragment changes later.
    """
    loader = yaml_loader(shared)
    try:
        data = _nfc(yaml.load(text, Loader=loader))
        template = Template.model_validate(data)
    except yaml.YAMLError as err:
        raise TemplateError(source, [f"YAML: {err}"]) from err
    except ValidationError as err:
        problems = [f"{'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in err.errors()]
        raise TemplateError(source, problems) from err
    problems = validate_template(template)
    if problems:
        raise TemplateError(source, problems)
    if loader.included:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    template._text, template._digest = text, digest_of(text)
    return template


def load_template_file(path: Path) -> Template:
    """Validates one questionnaire file (see `template_from_text`)."""
    return template_from_text(path.read_text(encoding="utf-8"), str(path), shared_dir(path.parent))


@lru_cache(maxsize=64)
def template_version(text: str, kind_id: str) -> Template:
    """A kind from a stored copy of its text (an older version a period was opened with)."""
    return template_from_text(text, f"{kind_id}@{digest_of(text)[:12]}")


def template_digest(template: Template) -> str:
    """The version hash of a loaded kind (empty for one built in code)."""
    # Read without pydantic's slow __getattr__ for private attributes: once an event.
    return template.__pydantic_private__["_digest"]  # type: ignore[index]


def template_roots(root: Path = DEFAULT_TEMPLATES_DIR) -> list[Path]:
    """Where kinds are looked up: the bundled folder then BAOCAO_TEMPLATES_DIR's, or `root`
    alone when another folder is given (tests, benches)."""
    if root != DEFAULT_TEMPLATES_DIR:
        return [root]
    return [root, *get_settings().extra_templates_dirs]


def template_dirs(root: Path = DEFAULT_TEMPLATES_DIR) -> list[Path]:
    """Every report kind's folder directly under `root`."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / QUESTIONNAIRE_FILE).is_file())


def kind_folders(root: Path = DEFAULT_TEMPLATES_DIR) -> list[Path]:
    """Every kind's folder over the search path; a later folder's copy of an id is refused."""
    found: dict[str, Path] = {}
    for folder in template_roots(root):
        for kind in template_dirs(folder):
            if kind.name in found:
                log.warning("report kind %s in %s ignored: %s has it", kind.name, folder, found)
                continue
            found[kind.name] = kind
    return list(found.values())


def find_kind(kind_id: str, root: Path = DEFAULT_TEMPLATES_DIR) -> Path | None:
    """The folder of kind `kind_id` (the first over the search path), if any."""
    for folder in template_roots(root):
        if (folder / kind_id / QUESTIONNAIRE_FILE).is_file():
            return folder / kind_id
    return None


def _stamp(path: Path) -> tuple[int, ...]:
    """What changes when a kind's file or a shared fragment it may include is edited."""
    status = path.stat()
    stamp = [status.st_mtime_ns, status.st_size]
    for fragment in sorted(shared_dir(path.parent).glob("*.yaml")):
        try:
            status = fragment.stat()
        except OSError:
            continue  # removed meanwhile: the next look sees it gone
        stamp += [status.st_mtime_ns, status.st_size]
    return tuple(stamp)


@dataclass
class _Entry:
    path: Path
    stamp: tuple[int, ...]
    template: Template
    checked: float


_CACHE: dict[tuple[str, Path, str | None], _Entry] = {}
_LOCK = threading.Lock()


def load_template(kind_id: str, root: Path = DEFAULT_TEMPLATES_DIR) -> Template:
    """The report kind `kind_id`, validated, in its current version."""
    # The search path is `root` and, for the bundled folder, BAOCAO_TEMPLATES_DIR's folders.
    key = (kind_id, root, get_settings().templates_dir)
    # Every event asks for its kind: one looked at less than RELOAD_SECONDS ago is returned
    # without the lock (an entry's template is never replaced in place, only the entry).
    entry = _CACHE.get(key)
    if entry is not None and time.monotonic() - entry.checked < RELOAD_SECONDS:
        return entry.template
    with _LOCK:
        entry = _CACHE.get(key)
        moment = time.monotonic()
        if entry is not None and moment - entry.checked < RELOAD_SECONDS:
            return entry.template
        folder = find_kind(kind_id, root)
        if folder is None:
            raise TemplateNotFoundError(kind_id)
        path = folder / QUESTIONNAIRE_FILE
        stamp = _stamp(path)
        if entry is not None and (entry.path, entry.stamp) == (path, stamp):
            entry.checked = moment
            return entry.template
        text = path.read_text(encoding="utf-8")
        if entry is not None and template_digest(entry.template) == digest_of(text):
            entry.path, entry.stamp, entry.checked = path, stamp, moment
            return entry.template
        try:
            template = _validated(text, path, kind_id)
        except TemplateError:
            if entry is None:
                raise
            log.exception("edited report kind %s is invalid; keeping its last version", kind_id)
            entry.path, entry.stamp, entry.checked = path, stamp, moment
            return entry.template
        if entry is not None:
            log.info("report kind %s reloaded from %s", kind_id, path)
        _CACHE[key] = _Entry(path, stamp, template, moment)
        return template


def _validated(text: str, path: Path, kind_id: str) -> Template:
    template = template_from_text(text, str(path), shared_dir(path.parent))
    if template.id != kind_id:
        problem = f"id {template.id!r} does not match its folder {kind_id!r}"
        raise TemplateError(str(path), [problem])
    return template


def all_templates(root: Path = DEFAULT_TEMPLATES_DIR) -> list[Template]:
    """Every report kind over the search path; an invalid outside kind is left out (logged),
    an invalid bundled one raises."""
    out: list[Template] = []
    for folder in kind_folders(root):
        try:
            out.append(load_template(folder.name, root))
        except TemplateError:
            if folder.parent == root:
                raise
            log.exception("report kind %s left out: invalid", folder)
    return out


def sample_answers_path(kind_id: str, root: Path = DEFAULT_TEMPLATES_DIR) -> Path:
    """The bundled complete answers of a report kind (used by `demo` and the contract test)."""
    folder = find_kind(kind_id, root) or root / kind_id
    return folder / SAMPLE_ANSWERS_FILE

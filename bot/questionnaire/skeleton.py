"""`baocao templates new`: an existing kind's questionnaire as a commented starting point.

The copy keeps every question of the source kind and gains, above the first use of each
key, a comment in Vietnamese saying what the key does, so a clerk learns the format from
the file being edited. Comments are YAML comments: the copy loads exactly as the source.
"""

from __future__ import annotations

import re

from bot.texts import catalogue, t

_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<dash>- )?(?P<key>[a-z_]+):")
_FIELDS = "templates.fields."


def commented_copy(text: str, source_id: str, new_id: str, schema_ref: str) -> str:
    """The questionnaire `text` of kind `source_id` renamed `new_id`, with explanations."""
    explanations = {
        key.removeprefix(_FIELDS): value
        for key, value in catalogue().items()
        if key.startswith(_FIELDS)
    }
    header = [f"# yaml-language-server: $schema={schema_ref}"]
    header += [
        f"# {line}".rstrip() for line in t("templates.new.header", source=source_id).splitlines()
    ]
    out = [*header, ""]
    explained: set[str] = set()
    renamed = False
    for line in text.splitlines():
        if line.startswith("# yaml-language-server:"):
            continue
        if not renamed and re.fullmatch(rf"id:\s*['\"]?{re.escape(source_id)}['\"]?\s*", line):
            line, renamed = f"id: {new_id}", True
        match = _KEY_LINE.match(line)
        if match and match["key"] in explanations and match["key"] not in explained:
            explained.add(match["key"])
            for comment in explanations[match["key"]].splitlines():
                out.append(f"{match['indent']}# {comment}")
        out.append(line)
    return "\n".join(out) + "\n"


def renamed_answers(text: str, source_id: str, new_id: str) -> str:
    """A sample answers file of `source_id` made the sample answers of `new_id`."""
    pattern = rf"^template:\s*['\"]?{re.escape(source_id)}['\"]?\s*$"
    return re.sub(pattern, f"template: {new_id}", text, count=1, flags=re.MULTILINE)

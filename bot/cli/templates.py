"""`baocao templates`: list the report kinds, and check, start, describe and preview one."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from bot.cli.app import JsonOption, app
from bot.core.settings import get_settings
from bot.questionnaire.loader import (
    QUESTIONNAIRE_FILE,
    SAMPLE_ANSWERS_FILE,
    SHARED_DIR,
    TemplateNotFoundError,
    all_templates,
    find_kind,
    included_fragments,
    load_template,
)
from bot.questionnaire.references import TemplateError
from bot.questionnaire.schema import schema_json
from bot.questionnaire.skeleton import commented_copy, renamed_answers
from bot.report.template_check import check_file, questionnaire_files
from bot.texts import t

templates_app = typer.Typer(help="Report kinds: list, check, new, schema, preview.")
app.add_typer(templates_app, name="templates", invoke_without_command=True)

SCHEMA_FILE = "template.schema.json"
_KIND_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@templates_app.callback()
def templates(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the report kinds (bundled and from BAOCAO_TEMPLATES_DIR)."""
    if ctx.invoked_subcommand is not None:
        return
    kinds = all_templates()
    if as_json:
        listing = [
            {"id": k.id, "name": k.name, "version": k.version, "sections": len(k.sections)}
            for k in kinds
        ]
        typer.echo(json.dumps(listing, ensure_ascii=False, indent=2))
        return
    for kind in kinds:
        typer.echo(f"{kind.id}  (v{kind.version})  {kind.name}")


@templates_app.command()
def check(
    path: Annotated[
        Path, typer.Argument(help="questionnaire.yaml, a kind's folder, or a folder of kinds.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Check report kind files: exit 0 when valid, 2 with every problem (in Vietnamese)."""
    files = questionnaire_files(path) if path.exists() else []
    if not files:
        typer.echo(t("templates.check.no_file", path=path), err=True)
        raise typer.Exit(2)
    results = [(file, check_file(file)) for file in files]
    count = sum(len(problems) for _, problems in results)
    if as_json:
        payload = {
            "valid": count == 0,
            "files": [
                {
                    "file": str(file),
                    "valid": not problems,
                    "problems": [p.as_dict() for p in problems],
                }
                for file, problems in results
            ],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for file, problems in results:
            if not problems:
                typer.echo(t("templates.check.ok", file=file))
            for problem in problems:
                typer.echo(f"❌ {problem.text()}")
        summary = "summary_bad" if count else "summary_ok"
        typer.echo(t(f"templates.check.{summary}", count=count if count else len(files)))
    if count:
        raise typer.Exit(2)


@templates_app.command()
def new(
    kind: Annotated[str, typer.Argument(help="Id of the new kind, e.g. bao-cao-so-ket-phong.")],
    source: Annotated[str, typer.Option("--from", help="The kind to start from.")],
    folder: Annotated[
        Path | None, typer.Option("--dir", help="Where (default: first BAOCAO_TEMPLATES_DIR).")
    ] = None,
) -> None:
    """Start a kind from a commented copy of an existing one."""
    if not _KIND_ID.fullmatch(kind):
        _fail(t("templates.new.bad_id", kind=kind))
    origin = find_kind(source)
    if origin is None:
        _fail(t("templates.new.no_source", kind=source))
    extra = get_settings().extra_templates_dirs
    root = folder or (extra[0] if extra else None)
    if root is None:
        _fail(t("templates.new.no_dir"))
    existing = find_kind(kind) or (root / kind if (root / kind).exists() else None)
    if existing is not None:
        _fail(t("templates.new.exists", kind=kind, folder=existing))
    target = root / kind
    target.mkdir(parents=True)
    (root / SCHEMA_FILE).write_text(_schema_text(), encoding="utf-8")
    text = (origin / QUESTIONNAIRE_FILE).read_text(encoding="utf-8")
    copy = commented_copy(text, source, kind, f"../{SCHEMA_FILE}")
    (target / QUESTIONNAIRE_FILE).write_text(copy, encoding="utf-8")
    # The fragments the source includes go beside the copy, unless the folder has its own.
    for fragment in included_fragments(origin / QUESTIONNAIRE_FILE):
        kept = root / SHARED_DIR / fragment.name
        if not kept.exists():
            kept.parent.mkdir(exist_ok=True)
            kept.write_bytes(fragment.read_bytes())
    answers = origin / SAMPLE_ANSWERS_FILE
    if answers.is_file():
        sample = renamed_answers(answers.read_text(encoding="utf-8"), source, kind)
        (target / SAMPLE_ANSWERS_FILE).write_text(sample, encoding="utf-8")
    typer.echo(t("templates.new.done", kind=kind, folder=target, source=source))
    if root.resolve() not in {folder.resolve() for folder in extra}:
        typer.echo(t("templates.new.not_on_path", folder=root))


@templates_app.command()
def schema(
    out: Annotated[Path | None, typer.Option("--out", help="Write to a file.")] = None,
) -> None:
    """Print the JSON Schema of a questionnaire file, for editors' completion."""
    if out is None:
        typer.echo(_schema_text(), nl=False)
        return
    out.write_text(_schema_text(), encoding="utf-8")
    typer.echo(t("templates.cli.schema_done", file=out))


@templates_app.command()
def preview(
    kind: Annotated[str, typer.Argument(help="Report kind id.")],
    out: Annotated[Path, typer.Option("--out", help="The .docx to write.")],
) -> None:
    """Write the questionnaire of a kind as a .docx for reviewers."""
    from bot.report.kind_preview import preview_docx

    try:
        template = load_template(kind)
    except TemplateNotFoundError:
        _fail(t("templates.cli.unknown_kind", kind=kind))
    except TemplateError:
        _fail(t("templates.cli.invalid_kind", kind=kind, folder=find_kind(kind)))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(preview_docx(template))
    typer.echo(t("templates.preview.done", file=out))


def _schema_text() -> str:
    return json.dumps(schema_json(), ensure_ascii=False, indent=2) + "\n"


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)

"""The version of its report kind a period was opened with.

A kind's questionnaire may be edited while periods of it are open (an outside kind a clerk
maintains). A period records the hash of the text it was opened with, and the text itself is
kept in the database, so its questions, checks and document stay those it started with.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from bot.core.clock import now
from bot.questionnaire.loader import (
    DEFAULT_TEMPLATES_DIR,
    TemplateNotFoundError,
    load_template,
    template_digest,
    template_version,
)
from bot.questionnaire.schema import Template
from bot.store.database import table_of
from models import Period, TemplateVersion

log = logging.getLogger(__name__)

_VERSIONS = table_of(TemplateVersion)


def record_version(session: Session, period: Period, template: Template) -> None:
    """Marks `period` as opened with this version of its kind, keeping the version's text."""
    digest = template_digest(template)
    if not digest:
        return
    # Whether the text is kept already, without reading it back (tens of kilobytes).
    kept = session.execute(select(_VERSIONS.c.digest).where(_VERSIONS.c.digest == digest))
    if kept.first() is None:
        # Another transaction may be keeping the same text at this moment (two periods of
        # one kind opened at once, on PostgreSQL): the first one's row is kept.
        insert_of = (
            postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        session.execute(
            insert_of(_VERSIONS)
            .values(digest=digest, template_id=template.id, text=template._text, created_at=now())
            .on_conflict_do_nothing(index_elements=["digest"])
        )
    period.template_hash = digest
    session.add(period)
    session.flush()


def period_template(
    session: Session, period: Period, root: Path = DEFAULT_TEMPLATES_DIR
) -> Template:
    """The kind in the version `period` was opened with (a period from before versions were
    kept takes the current one, from now on)."""
    try:
        current = load_template(period.template_id, root)
    except TemplateNotFoundError:
        stored = _stored(session, period)
        if stored is None:
            raise
        return stored
    opened_with = period.template_hash
    if not opened_with:
        record_version(session, period, current)
        return current
    if opened_with == template_digest(current):
        return current
    stored = _stored(session, period)
    if stored is None:
        log.warning("period %s: its version of %s is lost", period.id, period.template_id)
        return current
    return stored


def _stored(session: Session, period: Period) -> Template | None:
    row = session.get(TemplateVersion, period.template_hash) if period.template_hash else None
    return template_version(row.text, row.template_id) if row is not None else None

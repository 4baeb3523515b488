"""An event's bookkeeping beside its own transaction: attempts, and replies kept for redelivery.

A channel counts an attempt before it hands an event over (`start_attempts`); the event's
transaction keeps its replies with its processed id (`keep_replies`). So an event that
crashed the process twice is known when it comes a third time, and an event delivered again
after its answer was stored gets the same replies again (`replayed`) instead of silence:
the reply may never have reached the user (nor is such an event ever given up).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from bot.core.clock import now
from bot.core.replies import Button, HeavyJob, Outgoing, Reply
from bot.store import processed_events
from bot.store.database import Database, table_of
from bot.texts import t
from models import EventAttempt

# How long an event's attempts and replies are kept: Telegram keeps updates for 24 hours.
KEEP = timedelta(days=2)
# The first key of the per-chat advisory locks ("bc"): two-int keys never meet the one-bigint
# keys of other locks (the migration lock).
CHAT_LOCKS = 0x6263
_LOCK_CHAT = text("SELECT pg_advisory_xact_lock(:space, :key)")


def chat_lock_key(channel: str, chat_id: str) -> int:
    """A chat's lock key: a stable 32-bit hash (two chats sharing one only wait for each other)."""
    digest = hashlib.blake2b(f"{channel}:{chat_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_chat(session: Session, *, channel: str, chat_id: str) -> None:
    """On PostgreSQL, holds the chat's advisory lock until the transaction ends.

    Several processes may share one database (webhooks behind a load balancer): the lock
    makes one chat's events wait for each other, whichever process took them. SQLite needs
    none, its write transactions already run one at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = chat_lock_key(channel, chat_id)
        session.connection().execute(_LOCK_CHAT, {"space": CHAT_LOCKS, "key": key})


def _dump(reply: Reply | HeavyJob) -> dict[str, Any]:
    if isinstance(reply, HeavyJob):
        # Its result is not kept: delivered again, the event says the work was cut short.
        return {"interrupted": True}
    buttons = [[[b.code, b.label, b.command] for b in row] for row in reply.buttons]
    return {"text": reply.text, "buttons": buttons}


def _load(data: dict[str, Any]) -> Reply:
    if data.get("interrupted"):
        return Reply(t("upload.interrupted"))
    buttons = [
        [Button(code, label, command) for code, label, command in row] for row in data["buttons"]
    ]
    return Reply(str(data["text"]), buttons)


def keep_replies(
    session: Session, *, channel: str, event_id: str, replies: Sequence[Outgoing]
) -> None:
    """Keeps the event's replies to its sender: texts, and where heavy work stood."""
    kept = [_dump(reply) for reply in replies if isinstance(reply, Reply | HeavyJob)]
    processed_events.keep_replies(session, channel=channel, event_id=event_id, replies=kept)


def replayed(session: Session, *, channel: str, event_id: str) -> list[Outgoing]:
    """The replies kept for an event already handled (none when nothing was kept)."""
    kept = processed_events.kept_replies(session, channel=channel, event_id=event_id)
    return [_load(data) for data in kept]


def start_attempts(
    database: Database, *, channel: str, event_ids: Sequence[str]
) -> dict[str, int]:
    """Counts one more attempt at each event, durably; returns the attempts made before
    (none for an event handled already: it is answered again with its kept replies).

    One `INSERT … ON CONFLICT DO UPDATE … RETURNING`: two processes counting the same event
    at once (a webhook redelivery racing the first delivery) each count one. Rows older
    than KEEP are dropped in the same transaction.
    """
    if not event_ids:
        return {}
    moment = now()
    with database.session() as session:
        session.execute(delete(EventAttempt).where(col(EventAttempt.updated_at) < moment - KEEP))
        insert_of = _INSERT[session.get_bind().dialect.name]
        statement = insert_of(_ATTEMPTS).values(
            [
                {"channel": channel, "event_id": event_id, "attempts": 1, "updated_at": moment}
                for event_id in dict.fromkeys(event_ids)
            ]
        )
        statement = statement.on_conflict_do_update(
            index_elements=["channel", "event_id"],
            set_={"attempts": _ATTEMPTS.c.attempts + 1, "updated_at": moment},
        ).returning(_ATTEMPTS.c.event_id, _ATTEMPTS.c.attempts)
        counted = {row[0]: row[1] - 1 for row in session.connection().execute(statement)}
        done = processed_events.handled(session, channel=channel, event_ids=counted)
    return {event_id: 0 if event_id in done else counted[event_id] for event_id in event_ids}


_ATTEMPTS = table_of(EventAttempt)
_INSERT: dict[str, Any] = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}

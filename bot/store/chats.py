"""Which of a member's chat accounts to write to: the one they wrote from last."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from models import ChatIdentity, Conversation, require_id


def chats_by_recency(session: Session, *, member_ids: list[int]) -> dict[int, list[ChatIdentity]]:
    """Each member's chat accounts, the one they wrote from last first, then the newest.

    The conversation keeps the chat of the member's last event (`Conversation.identity_id`);
    a member who has not written since it was kept is reached on their newest chat.
    """
    found: dict[int, list[ChatIdentity]] = {}
    if not member_ids:
        return found
    rows = session.execute(
        select(ChatIdentity, col(Conversation.identity_id))
        .outerjoin(Conversation, col(Conversation.member_id) == col(ChatIdentity.member_id))
        .where(col(ChatIdentity.member_id).in_(member_ids))
    ).all()
    last: dict[int, int | None] = {}
    for identity, last_id in rows:
        found.setdefault(identity.member_id, []).append(identity)
        last[identity.member_id] = last_id
    for member_id, identities in found.items():
        identities.sort(key=lambda i: (i.id != last[member_id], -require_id(i)))
    return found


def last_used_chats(session: Session, *, member_ids: list[int]) -> dict[int, ChatIdentity]:
    """Each member's chat account they wrote from last (members without one are left out)."""
    return {m: chats[0] for m, chats in chats_by_recency(session, member_ids=member_ids).items()}

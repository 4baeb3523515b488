"""The linking commands: /lienket shows a code to type in the other app, /lienket <code>
typed there links that chat to the same member, /huylienket detaches a chat."""

from __future__ import annotations

import logging

from sqlmodel import Session

from bot.conversation.events import Sender
from bot.conversation.surface import DeskTurn
from bot.core.replies import Notice, Outgoing, Reply
from bot.store import hot_path
from bot.store.chats import chats_by_recency
from bot.texts import catalogue, t
from bot.workflow import links
from models import ChatIdentity, Unit, require_id

log = logging.getLogger(__name__)

# The chat command, in the registry (`bot.conversation.commands`) and typed with a code.
LINK = "lienket"


def app_name(channel: str) -> str:
    """The app's name as users know it ("Telegram", "Zalo")."""
    return catalogue().get(f"link.app.{channel}") or t("link.app.other")


def _chats_text(chats: list[ChatIdentity], current: int | None) -> str:
    names = [
        t("link.this_chat", app=app_name(c.channel)) if c.id == current else app_name(c.channel)
        for c in chats
    ]
    return ", ".join(names)


def _chats(turn: DeskTurn) -> list[ChatIdentity]:
    member_id = require_id(turn.member)
    return chats_by_recency(turn.session, member_ids=[member_id]).get(member_id, [])


def show_code(turn: DeskTurn, _argument: str) -> list[Outgoing]:
    """/lienket: a fresh code for this member, to type in the other app, and their chats."""
    chats = _chats(turn)
    here = next(c for c in chats if c.id == turn.identity_id)
    code = links.new_code(
        turn.session,
        member_id=require_id(turn.member),
        channel=here.channel,
        external_id=here.external_id,
    )
    other = catalogue().get(f"link.other_app.{here.channel}") or t("link.other_app.other")
    minutes = int(links.CODE_TTL.total_seconds() // 60)
    lines = [t("link.code", code=code.code, other_app=other, minutes=minutes)]
    if len(chats) > 1:
        lines.append(t("link.chats", chats=_chats_text(chats, turn.identity_id)))
        other_chat = next(c for c in chats if c.id != turn.identity_id)
        lines.append(t("link.unlink_hint", channel=other_chat.channel))
    log.info("member %s asked for a link code in %s", turn.member.id, here.channel)
    return [Reply("\n".join(lines))]


def unlink_command(turn: DeskTurn, argument: str) -> list[Outgoing]:
    """/huylienket: detaches this chat; /huylienket <app>: the member's other chats there."""
    chats = _chats(turn)
    if len(chats) < 2:
        return [Reply(t("link.only_chat")), *turn.current()]
    wanted = argument.strip().lower()
    if not wanted:
        links.unlink(
            turn.session, member_id=require_id(turn.member), identity_ids=[turn.identity_id or 0]
        )
        here = next(c for c in chats if c.id == turn.identity_id)
        left = [c for c in chats if c.id != turn.identity_id]
        # This chat is no longer the member's: the conversation must not point at it.
        turn.identity_id = left[0].id
        log.info("member %s unlinked their %s chat", turn.member.id, here.channel)
        return [
            Reply(
                t("link.unlinked_this", app=app_name(here.channel), chats=_chats_text(left, None))
            )
        ]
    gone = [c for c in chats if c.channel == wanted and c.id != turn.identity_id]
    if not gone:
        return [Reply(t("link.none_to_unlink", app=app_name(wanted))), *turn.current()]
    links.unlink(
        turn.session, member_id=require_id(turn.member), identity_ids=[require_id(c) for c in gone]
    )
    left = [c for c in chats if c not in gone]
    log.info("member %s unlinked %s of their %s chats", turn.member.id, len(gone), wanted)
    text = t("link.unlinked", app=app_name(wanted), chats=_chats_text(left, turn.identity_id))
    return [Reply(text), *turn.current()]


def link_chat(
    session: Session, sender: Sender, code: str, context: hot_path.MemberContext | None
) -> tuple[list[Outgoing], hot_path.MemberContext | None]:
    """`/lienket <code>` typed in a chat: links it to the code's member, or says why not.

    Returns the replies and the chat's member context afterwards.
    """
    try:
        linked = links.redeem_code(
            session,
            code=code,
            channel=sender.channel,
            external_id=sender.external_id,
            current=context.member if context else None,
        )
    except links.LinkError as err:
        log.warning(
            "link code refused for %s/%s: %s", sender.channel, sender.external_id, err.reason
        )
        if err.reason == "taken" and context is not None:
            text = t("link.taken", name=context.member.display_name, unit=context.unit.name)
        else:
            text = t(f"link.{err.reason}")
        return [Reply(text)], context
    fresh = hot_path.member_context(
        session, channel=sender.channel, external_id=sender.external_id
    )
    assert fresh is not None  # just linked
    unit = session.get(Unit, linked.member.unit_id)
    app = app_name(sender.channel)
    log.info("member %s linked a %s chat", linked.member.id, sender.channel)
    welcome = t(
        "link.linked", app=app, name=linked.member.display_name, unit=unit.name if unit else ""
    )
    told = Notice(
        linked.shown_channel,
        linked.shown_external_id,
        t("link.linked_notice", app=app, code=code.strip(), channel=sender.channel),
    )
    return [Reply(welcome), told], fresh

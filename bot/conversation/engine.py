"""The conversation engine: neutral events in, neutral messages out, progress in the database.

Each event is handled in a database transaction that is committed before the replies are
returned, so an answer the user sees acknowledged survives any crash after it: its own
(`handle`), or one shared with the events that came at the same moment, in a savepoint of
its own (`handle_in`, called by `bot.conversation.group_commit`).
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from bot.conversation import heavy, links, modes, reports, transaction
from bot.conversation.commands import command_named
from bot.conversation.desk import Desk, lead_ids, notices
from bot.conversation.evaluation_cache import EvaluationCache
from bot.conversation.events import Attachment, ButtonPress, Command, Incoming, Sender
from bot.conversation.lobby import Lobby
from bot.conversation.options import DEMO_TEMPLATE, EngineOptions
from bot.conversation.steps import spreadsheet
from bot.conversation.turn import Turn
from bot.core.clock import now, school_year_of
from bot.core.digits import small_int
from bot.core.replies import Outgoing, Reply
from bot.questionnaire.answers import clean_text
from bot.questionnaire.loader import load_template
from bot.store import hot_path, processed_events
from bot.store import queries as store
from bot.store.database import Database
from bot.texts import t
from bot.workflow.access import role_of
from bot.workflow.invites import InviteError, redeem
from bot.workflow.kinds import period_template
from models import Member, Role, require_id

__all__ = ["DEMO_TEMPLATE", "ConversationEngine", "EngineOptions", "EvaluationCache"]

log = logging.getLogger(__name__)


class ConversationEngine:
    """Handles one neutral event at a time for any chat channel."""

    def __init__(self, database: Database, options: EngineOptions | None = None) -> None:
        self.database = database
        self.options = options or EngineOptions()
        self.evaluations = EvaluationCache()

    def handle(
        self,
        sender: Sender,
        event: Incoming,
        *,
        event_id: str | None = None,
        defer: bool = False,
    ) -> list[Outgoing]:
        """Stores what the event changes and returns the replies, after committing.

        Heavy work runs after the commit, here or (`defer`) by the caller
        (`bot.conversation.heavy`).
        """
        with self.database.session() as session:
            replies = self.handle_in(session, sender, event, event_id=event_id)
        return replies if defer else heavy.run_inline(replies)

    def handle_in(
        self, session: Session, sender: Sender, event: Incoming, *, event_id: str | None = None
    ) -> list[Outgoing]:
        """The event's changes, made in `session` (its caller commits), and its replies.

        Heavy jobs are left in the replies. On PostgreSQL the chat is locked first, so its
        events are handled one at a time whichever process receives them.
        """
        channel = sender.channel
        transaction.lock_chat(session, channel=channel, chat_id=sender.external_id)
        if event_id is not None and not processed_events.claim_event(
            session, channel=channel, event_id=event_id
        ):
            log.info("event %s/%s already handled; its replies again", channel, event_id)
            return transaction.replayed(session, channel=channel, event_id=event_id)
        replies = self._turn(session, sender, event)
        if event_id is not None:
            transaction.keep_replies(session, channel=channel, event_id=event_id, replies=replies)
        return replies

    def _turn(self, session: Session, sender: Sender, event: Incoming) -> list[Outgoing]:
        """The event's changes and replies, inside its transaction."""
        context = hot_path.member_context(
            session, channel=sender.channel, external_id=sender.external_id
        )
        joined: list[Outgoing] = []
        if isinstance(event, Command) and event.name == "start" and event.argument:
            joined, context = self._join(session, sender, event.argument, context)
            if context is None:
                return joined
        if isinstance(event, Command) and event.name == links.LINK and event.argument:
            # Also from a chat no member has yet: that is the chat being linked.
            joined, context = links.link_chat(session, sender, event.argument, context)
            if context is None:
                return joined
        if context is None:
            if not self.options.demo:
                return [Reply(t("start.stranger"))]
            self._create_demo(session, sender)
            context = hot_path.member_context(
                session, channel=sender.channel, external_id=sender.external_id
            )
            assert context is not None  # just created
        reports.choose_period(session, context)
        if context.period is None:
            # A final report stays readable (and the director can reopen a section).
            context.period = store.latest_period(session, unit_id=require_id(context.unit))
        if context.period is None:
            lobby = Lobby(session, context, self.options)
            replies = lobby.dispatch(Command("start") if joined else event)
            lobby.save()
            return [*joined, *replies]
        template = period_template(session, context.period, self.options.templates_root)
        turn = Turn(session, context, template, self.options, self.evaluations)
        replies = dispatch(turn, Command("start") if joined else event)
        turn.save()
        return [*joined, *replies]

    def _join(
        self,
        session: Session,
        sender: Sender,
        code: str,
        context: hot_path.MemberContext | None,
    ) -> tuple[list[Outgoing], hot_path.MemberContext | None]:
        """`/start <code>`: joins the invite's unit; a bad code is explained and logged."""
        try:
            joined = redeem(
                session,
                code=code.strip(),
                channel=sender.channel,
                external_id=sender.external_id,
                display_name=sender.display_name,
                current=context.member if context else None,
            )
        except InviteError as err:
            log.warning(
                "invite refused for %s/%s: %s", sender.channel, sender.external_id, err.reason
            )
            key = "invite.revoked_code" if err.reason == "revoked" else f"invite.{err.reason}"
            return [Reply(t(key))], context
        if joined.already_member and context is not None:
            return [Reply(t("invite.already", unit=context.unit.name))], context
        fresh = hot_path.member_context(
            session, channel=sender.channel, external_id=sender.external_id
        )
        assert fresh is not None  # just joined
        member = fresh.member
        role = t(f"role.{role_of(member).value}")
        welcome = t("invite.joined", name=member.display_name, unit=fresh.unit.name, role=role)
        leads = lead_ids(session, unit_id=require_id(fresh.unit), besides=member.id)
        told = notices(
            session, leads, t("invite.member_joined", name=member.display_name, role=role)
        )
        log.info("member %s joined unit %s as %s", member.id, fresh.unit.id, member.role)
        return [Reply(welcome), *told], fresh

    def _create_demo(self, session: Session, sender: Sender) -> Member:
        """A demo unit with an open annual report, whose director is the newcomer."""
        template = load_template(self.options.demo_template, self.options.templates_root)
        unit = store.create_unit(
            session,
            name=t("demo.unit_name"),
            parent_body=t("demo.parent_body"),
            place=t("demo.place"),
            signer_title=t("demo.signer_title"),
            # Not the chat or login name: the draft would be signed "root" or "nguyenvana".
            signer_name=t("demo.signer_name"),
            is_demo=True,
        )
        member = store.add_member(
            session,
            unit=unit,
            display_name=sender.display_name or t("demo.signer_name"),
            role=Role.DIRECTOR,
            channel=sender.channel,
            external_id=sender.external_id,
        )
        store.open_period(
            session,
            unit=unit,
            template_id=template.id,
            template_version=template.version,
            year=school_year_of(now().date()),
        )
        log.info("created demo unit %s for %s/%s", unit.id, sender.channel, sender.external_id)
        return member


def dispatch(turn: Turn, event: Incoming) -> list[Outgoing]:
    """Routes an event by its kind."""
    if isinstance(event, Command):
        return on_command(turn, event)
    section_id = turn.state.section_id
    if turn.state.mode not in ("menu", "desk") and section_id and not turn.may_work(section_id):
        # The section was taken away or locked since the member opened it.
        turn.state.section_id = None
        return turn.refuse_section(section_id)
    if (imported := spreadsheet.handle(turn, event)) is not None:
        return imported
    if isinstance(event, ButtonPress):
        return on_button(turn, event.code)
    if (
        isinstance(event, Attachment)
        and event.kind == "document"
        and event.data is not None
        and (event.file_name or "").lower().endswith(".docx")
    ):
        # A .docx report the user sent: its figures recomputed, then the current question.
        return [heavy.job(heavy.audit_replies, event.data, event.file_name or ""), *turn.current()]
    if isinstance(event, Attachment) and event.problem:
        return [Reply(t(f"upload.{event.problem}", file=event.file_name)), *turn.current()]
    if isinstance(event, Attachment):
        return [
            Reply(t("input.attachment", kind=t(f"attachment.{_kind(event.kind)}"))),
            *turn.current(),
        ]
    return modes.on_text(turn, event.text)


def on_command(turn: Turn, command: Command) -> list[Outgoing]:
    """Slash commands work at any point and never lose a stored answer."""
    found = command_named(command.name)
    if found is None:
        return [
            Reply(t("input.unknown_command", command=clean_text(command.name)[:30])),
            *turn.current(),
        ]
    return found.run(turn, command.argument)


def on_button(turn: Turn, code: str) -> list[Outgoing]:
    """A button press: checked against the current step, never trusted."""
    step, _, action = code.partition(":")
    if small_int(step) is None or not action or len(code) > 64:
        log.warning("malformed button code from member %s: %r", turn.member.id, code[:80])
        return [Reply(t("input.stale_button")), *turn.current()]
    if action.startswith(("s:", "menu", "draft", "resume", reports.SWITCH)):
        # Navigation between sections is valid from any message.
        return modes.on_action(turn, action)
    if int(step) != turn.state.step:
        return [Reply(t("input.stale_button")), *turn.current()]
    if action.startswith("d:"):
        return Desk(turn).button(action)
    return modes.on_action(turn, action, pressed=True)


def _kind(kind: str) -> str:
    return kind if kind in {"photo", "sticker", "voice", "document", "video", "audio"} else "other"

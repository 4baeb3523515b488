"""The director's desk in chat: its commands, buttons and typed text, each handed to the
area that owns it (periods, assigning, members, invites, returns, reminders, settings,
child units)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.conversation.desk.assign import AssignDesk
from bot.conversation.desk.children import ChildrenDesk
from bot.conversation.desk.core import DeskCore
from bot.conversation.desk.flows import (
    Adjustment,
    ChildName,
    NewDeadline,
    OpenPeriod,
    ReturnSection,
    UnitSetting,
)
from bot.conversation.desk.invites import InvitesDesk
from bot.conversation.desk.members import MembersDesk
from bot.conversation.desk.periods import PeriodsDesk
from bot.conversation.desk.reminders import RemindersDesk
from bot.conversation.desk.returns import ReturnsDesk
from bot.conversation.desk.settings import DeadlineDesk, UnitSettingsDesk
from bot.core.replies import Outgoing, Reply
from bot.core.text import fold
from bot.questionnaire.answers import clean_text
from bot.texts import t

log = logging.getLogger(__name__)


class Desk(DeskCore):
    """The director's commands and buttons for one turn."""

    def command(self, name: str) -> list[Outgoing]:
        """A desk command typed or chosen from the menu."""
        members, returns = MembersDesk(self), ReturnsDesk(self)
        handlers: dict[str, Callable[[], list[Outgoing]]] = {
            "tiendo": members.show_progress,
            "moky": PeriodsDesk(self).start,
            "giao": AssignDesk(self).start,
            "moi": InvitesDesk(self).start,
            "tralai": returns.start_return,
            "chot": returns.start_finalize,
            "mokhoa": returns.start_reopen,
            "thanhvien": members.show,
            "nhacnho": RemindersDesk(self).show,
            "donvi": UnitSettingsDesk(self).show,
            "donvicon": lambda: ChildrenDesk(self).command("donvicon"),
            "dieuchinh": lambda: ChildrenDesk(self).command("dieuchinh"),
        }
        return self.guarded(handlers[name])

    def button(self, action: str) -> list[Outgoing]:
        """A desk button: "d:<what>:<arguments>", every part checked again."""
        parts = action.split(":")
        what, args = parts[1] if len(parts) > 1 else "", parts[2:]
        periods, assign, members = PeriodsDesk(self), AssignDesk(self), MembersDesk(self)
        returns = ReturnsDesk(self)
        handlers: dict[str, Callable[[list[str]], list[Outgoing]]] = {
            "kind": periods.pick_kind,
            "year": periods.pick_year,
            "term": periods.pick_term,
            "due": periods.pick_due,
            "as": assign.pick_section,
            "am": assign.toggle,
            "inv": InvitesDesk(self).make,
            "ret": returns.pick_section,
            "fin": returns.confirm_finalize,
            "reo": returns.reopen,
            "rem": RemindersDesk(self).button,
            "rm": members.ask_remove,
            "rmy": members.remove,
            "ro": members.change_role,
            "list": lambda _args: assign.start(),
            "u": UnitSettingsDesk(self).button,
            "dl": lambda _args: DeadlineDesk(self).ask(),
            "ch": self._children_button,
            "end": self.end,
        }
        handler = handlers.get(what)
        if handler is None:
            log.warning("unknown desk button from member %s: %r", self.member.id, action[:64])
            return self.stale()
        return self.guarded(lambda: handler(args))

    def _children_button(self, args: list[str]) -> list[Outgoing]:
        """ "d:ch:…": the child units' desk, or what they send up, chosen in /moky."""
        if args[:1] == ["col"]:
            return PeriodsDesk(self).pick_collect(args[1] if len(args) > 1 else "")
        return ChildrenDesk(self).button(args)

    def text(self, raw: str) -> list[Outgoing]:
        """Typed text while a desk dialogue waits for it (a deadline, a comment)."""
        flow = self.turn.state.desk
        if isinstance(flow, OpenPeriod) and flow.wait == "deadline":
            # The number of a deadline button, typed (the terminal has no buttons).
            action = flow.choices.get(fold(clean_text(raw)).rstrip("."))
            if action:
                return self.button(action)
            return self.guarded(lambda: PeriodsDesk(self).typed_deadline(raw))
        if isinstance(flow, ReturnSection):
            return self.guarded(lambda: ReturnsDesk(self).typed_comment(raw))
        if isinstance(flow, UnitSetting):
            return self.guarded(lambda: UnitSettingsDesk(self).typed(raw))
        if isinstance(flow, NewDeadline):
            return self.guarded(lambda: DeadlineDesk(self).typed(raw))
        if isinstance(flow, ChildName | Adjustment):
            return self.guarded(lambda: ChildrenDesk(self).typed(raw))
        action = flow.choices.get(fold(clean_text(raw)).rstrip("."))
        if action:
            return self.button(action)
        # The buttons shown last stay valid: say how to choose, keep the dialogue.
        return [Reply(t("desk.pick"))]

    def current(self) -> list[Outgoing]:
        """Repeats the question the desk dialogue is waiting on."""
        flow = self.turn.state.desk
        if isinstance(flow, OpenPeriod) and flow.wait == "deadline":
            return self.guarded(lambda: [PeriodsDesk(self).ask_deadline()])
        if isinstance(flow, ReturnSection):
            asked = ReturnsDesk(self).ask_comment()
            if asked:
                return asked
        if isinstance(flow, UnitSetting):
            return self.guarded(lambda: [UnitSettingsDesk(self).ask()])
        if isinstance(flow, NewDeadline):
            return self.guarded(lambda: [DeadlineDesk(self).question()])
        if isinstance(flow, ChildName | Adjustment):
            return self.guarded(ChildrenDesk(self).current)
        return self.end()

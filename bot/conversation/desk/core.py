"""What every desk area shares: entering and leaving a dialogue, button codes and their
typed numbers, the refusal of a step, and the helpers that tell and re-plan.

Every request is authorised on the server, whatever the button said: the period is always
the member's own unit's, ids in button codes are looked up again within that unit, and the
role is checked for each action.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from bot.conversation.desk.flows import AnyFlow, Idle
from bot.conversation.surface import DeskTurn
from bot.core.clock import now
from bot.core.replies import Button, Notice, Outgoing, Reply
from bot.core.text import short
from bot.questionnaire.schema import Template
from bot.reminders import service as reminders
from bot.store import queries as store
from bot.store.chats import last_used_chats
from bot.texts import t
from bot.workflow.access import DIRECTOR_ONLY, ForbiddenError, Role, role_of
from models import Period, require_id

log = logging.getLogger(__name__)

_LEADING_NUMBER = re.compile(r"^(\d+)\.\s")


class NoPeriodError(LookupError):
    """A desk step that needs the unit's open report, pressed where there is none."""


class DeskCore:
    """The director's desk for one turn: what its areas share."""

    def __init__(self, turn: DeskTurn) -> None:
        self.turn = turn
        self.session = turn.session
        self.member = turn.member

    @property
    def period(self) -> Period:
        """The open report's period (a stale press without one is refused)."""
        if self.turn.period is None:
            raise NoPeriodError
        return self.turn.period

    @property
    def template(self) -> Template:
        """The open report's kind."""
        if self.turn.template is None:
            raise NoPeriodError
        return self.turn.template

    def guarded(self, step: Callable[[], list[Outgoing]]) -> list[Outgoing]:
        """Runs a desk step; a refused one is answered politely and logged by `require`."""
        try:
            result = step()
        except ForbiddenError as err:
            key = "denied.director_only" if err.action in DIRECTOR_ONLY else "denied.lead_only"
            self.turn.state.desk = Idle()
            if self.turn.state.mode == "desk":
                self.turn.state.mode = "menu"
            return [Reply(t(key)), *self.turn.current(quiet_menu=True)]
        except NoPeriodError:
            log.warning("member %s pressed a desk button of no open report", self.member.id)
            return self.stale(self.end())
        return self.numbered(result)

    def numbered(self, replies: list[Outgoing]) -> list[Outgoing]:
        """Numbers the desk's buttons and remembers them, so a number can be typed instead
        of pressing (the terminal has no buttons)."""
        prefix = f"{self.turn.state.step}:d:"
        choices: dict[str, str] = {}
        out: list[Outgoing] = []
        for reply in replies:
            ours = [
                b
                for row in getattr(reply, "buttons", [])
                for b in row
                if b.code.startswith(prefix)
            ]
            if not isinstance(reply, Reply) or not ours:
                out.append(reply)
                continue
            choices = {}
            leading = {b.code: _LEADING_NUMBER.match(b.label) for b in ours}
            taken = {m.group(1) for m in leading.values() if m}
            counter = 0
            rows: list[list[Button]] = []
            for row in reply.buttons:
                new_row: list[Button] = []
                for button in row:
                    found = leading.get(button.code) if button in ours else None
                    if button not in ours:
                        new_row.append(button)
                        continue
                    if found:
                        key, label = found.group(1), button.label
                    else:
                        counter += 1
                        while str(counter) in taken:
                            counter += 1
                        key, label = str(counter), f"{counter}. {button.label}"
                    choices.setdefault(key, button.code.split(":", 1)[1])
                    new_row.append(Button(button.code, short(label, 64), button.command))
                rows.append(new_row)
            out.append(Reply(reply.text, rows, reply.replace))
        if choices and self.turn.state.mode == "desk":
            self.turn.state.desk.choices = choices
        return out

    def begin(self, flow: AnyFlow | None = None) -> None:
        """Enters a desk dialogue (the questionnaire cursor stays where it was)."""
        self.turn.state.clear_input()
        self.turn.state.mode = "desk"
        self.turn.state.desk = flow or Idle()

    def clear(self) -> None:
        """Forgets the desk dialogue."""
        self.turn.state.desk = Idle()

    def end(self, _args: list[str] | None = None) -> list[Outgoing]:
        """Leaves the desk dialogue for the menu."""
        self.clear()
        return self.turn.show_menu()

    def stale(self, then: list[Outgoing] | None = None) -> list[Outgoing]:
        """A button no longer valid, and then `then` (the menu by default)."""
        return [Reply(t("input.stale_button")), *(self.turn.show_menu() if then is None else then)]

    def code(self, action: str) -> str:
        return self.turn.code(f"d:{action}")

    def replan(self, period_id: int) -> None:
        replan_reminders(self.session, period_id, self.turn.options.templates_root)

    def names(self) -> dict[int, str]:
        """The display names of the unit's members, by id."""
        members = store.members_of(self.session, unit_id=require_id(self.turn.unit))
        return {require_id(m): m.display_name for m in members}


class Area:
    """One area of the desk (periods, assigning, members ...), working through the desk."""

    def __init__(self, desk: DeskCore) -> None:
        self.desk = desk
        self.turn = desk.turn
        self.session = desk.session
        self.member = desk.member


def notices(session: Session, member_ids: list[int], text: str) -> list[Outgoing]:
    """The same message to each member, on the chat they wrote from last."""
    found = last_used_chats(session, member_ids=sorted(set(member_ids)))
    return [
        Notice(found[member_id].channel, found[member_id].external_id, text)
        for member_id in sorted(found)
    ]


def replan_reminders(session: Session, period_id: int, templates_root: Path) -> None:
    """Re-plans a period's reminders after a change; a failure is left to the next sweep.

    A savepoint keeps a failed planning from spoiling the change it follows. Cheap enough
    for a deadline, an assignment, a finished or returned section; not for every answer
    (the sweep re-plans every open period on each tick anyway).
    """
    try:
        with session.begin_nested():
            reminders.replan(
                session, period_id=period_id, now=now(), templates_root=templates_root
            )
    except Exception:
        log.exception("reminders of period %s not re-planned", period_id)


def lead_ids(session: Session, *, unit_id: int, besides: int | None = None) -> list[int]:
    """The director and deputies of a unit (but `besides`)."""
    return [
        require_id(m)
        for m in store.members_of(session, unit_id=unit_id)
        if role_of(m) in (Role.DIRECTOR, Role.DEPUTY) and m.id != besides
    ]

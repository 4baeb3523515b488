"""The director's desk in chat: open a period, assign sections, follow progress, invite
people, return a section, mark the report final, reopen a locked section, and see and
change the reminder schedule (or nudge now).

Every request is authorised here on the server, whatever the button said: the period is
always the member's own unit's, ids in button codes are looked up again within that unit,
and the role is checked for each action.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.conversation import reach
from bot.conversation.desk_children import CHILD_COMMANDS, CHILD_WAITS, ChildrenDesk
from bot.conversation.desk_settings import (
    WAIT_DEADLINE,
    WAIT_SETTING,
    DeadlineDesk,
    UnitSettingsDesk,
)
from bot.conversation.headlines import progress_reply
from bot.core.clock import VIETNAM, now, school_year_of, today
from bot.core.digits import small_int
from bot.core.replies import Button, Notice, Outgoing, Reply
from bot.questionnaire.answers import clean_text, fold
from bot.questionnaire.loader import all_templates, load_template
from bot.reminders import deadlines as sector
from bot.reminders import service as reminders
from bot.reminders.planner import policy_of
from bot.store import queries as store
from bot.texts import t
from bot.workflow import periods
from bot.workflow.access import (
    DIRECTOR_ONLY,
    Action,
    ForbiddenError,
    Role,
    can,
    require,
    role_of,
)
from bot.workflow.invites import active_invites, create_invite, invite_link, revoke
from bot.workflow.members import change_role, removable_by, remove_member, role_changeable_by
from bot.workflow.render import year_text
from models import Member

if TYPE_CHECKING:
    from bot.conversation.surface import TurnSurface as _Turn

log = logging.getLogger(__name__)

# Commands of the unit's leaders (each checked again against the member's role).
DESK_COMMANDS = (
    "tiendo",
    "moky",
    "giao",
    "moi",
    "tralai",
    "chot",
    "mokhoa",
    "thanhvien",
    "nhacnho",
    "donvi",
    *CHILD_COMMANDS,
)
_LEADING_NUMBER = re.compile(r"^(\d+)\.\s")
# The role the director can give a member instead of the one they have.
_OTHER_ROLE = {Role.STAFF: Role.DEPUTY, Role.DEPUTY: Role.STAFF}
# Recurring deadlines offered as buttons when a period is opened, soonest first (the
# sector has seven a year).
_MAX_DEADLINE_BUTTONS = 8
_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$")


class Desk:
    """The director's commands and buttons for one turn."""

    def __init__(self, turn: _Turn) -> None:
        self.turn = turn
        self.session = turn.session
        self.member = turn.member

    # -- entry points -------------------------------------------------------------------

    def command(self, name: str) -> list[Outgoing]:
        """A desk command typed or chosen from the menu."""
        handlers = {
            "tiendo": self.show_progress,
            "moky": self.start_open_period,
            "giao": self.start_assign,
            "moi": self.start_invite,
            "tralai": self.start_return,
            "chot": self.start_finalize,
            "mokhoa": self.start_reopen,
            "thanhvien": self.show_members,
            "nhacnho": self.show_reminders,
            "donvi": lambda: UnitSettingsDesk(self).show(),
            "donvicon": lambda: ChildrenDesk(self).command("donvicon"),
            "dieuchinh": lambda: ChildrenDesk(self).command("dieuchinh"),
        }
        return self.guarded(handlers[name])

    def button(self, action: str) -> list[Outgoing]:
        """A desk button: "d:<what>:<arguments>", every part checked again."""
        parts = action.split(":")
        what, args = parts[1] if len(parts) > 1 else "", parts[2:]
        handlers = {
            "kind": self.pick_kind,
            "year": self.pick_year,
            "term": self.pick_term,
            "due": self.pick_due,
            "as": self.pick_assign_section,
            "am": self.toggle_assignee,
            "inv": self.make_invite,
            "ret": self.pick_return_section,
            "fin": self.confirm_finalize,
            "reo": self.reopen,
            "rem": self.reminder_button,
            "rm": self.ask_remove,
            "rmy": self.remove,
            "ro": self.change_role,
            "list": lambda _args: self.start_assign(),
            "u": UnitSettingsDesk(self).button,
            "dl": lambda _args: DeadlineDesk(self, _parse_date).ask(),
            "ch": ChildrenDesk(self).button,
            "end": self.end,
        }
        handler = handlers.get(what)
        if handler is None:
            log.warning("unknown desk button from member %s: %r", self.member.id, action[:64])
            return [Reply(t("input.stale_button")), *self.turn.show_menu()]
        return self.guarded(lambda: handler(args))

    def text(self, raw: str) -> list[Outgoing]:
        """Typed text while a desk dialogue waits for it (a deadline, a comment)."""
        waiting = self.turn.state.desk.get("wait")
        if waiting == "deadline":
            # The number of a deadline button, typed (the terminal has no buttons).
            action = self.turn.state.desk.get("choices", {}).get(fold(clean_text(raw)).rstrip("."))
            if action:
                return self.button(action)
            return self.guarded(lambda: self.typed_deadline(raw))
        if waiting == "comment":
            return self.guarded(lambda: self.typed_comment(raw))
        if waiting == WAIT_SETTING:
            return self.guarded(lambda: UnitSettingsDesk(self).typed(raw))
        if waiting == WAIT_DEADLINE:
            return self.guarded(lambda: DeadlineDesk(self, _parse_date).typed(raw))
        if waiting in CHILD_WAITS:
            return self.guarded(lambda: ChildrenDesk(self).typed(raw))
        typed = fold(clean_text(raw)).rstrip(".")
        action = self.turn.state.desk.get("choices", {}).get(typed)
        if action:
            return self.button(action)
        # The buttons shown last stay valid: say how to choose, keep the dialogue.
        return [Reply(t("desk.pick"))]

    def current(self) -> list[Outgoing]:
        """Repeats the question the desk dialogue is waiting on."""
        waiting = self.turn.state.desk.get("wait")
        if waiting == "deadline":
            return self.guarded(lambda: [self._ask_deadline()])
        if waiting == "comment":
            section = self.turn.template_section(self.turn.state.desk.get("section", ""))
            if section is not None:
                return [Reply(t("return.ask_comment", number=section.number, title=section.title))]
        if waiting == WAIT_SETTING:
            return self.guarded(lambda: [UnitSettingsDesk(self).ask()])
        if waiting == WAIT_DEADLINE:
            return self.guarded(lambda: [DeadlineDesk(self, _parse_date).question()])
        if waiting in CHILD_WAITS:
            return self.guarded(ChildrenDesk(self).current)
        return self.end([])

    def guarded(self, step: Any) -> list[Outgoing]:
        """Runs a desk step; a refused one is answered politely and logged by `require`."""
        try:
            result: list[Outgoing] = step()
        except ForbiddenError as err:
            key = "denied.director_only" if err.action in DIRECTOR_ONLY else "denied.lead_only"
            self.turn.state.desk = {}
            if self.turn.state.mode == "desk":
                self.turn.state.mode = "menu"
            return [Reply(t(key)), *self.turn.current(quiet_menu=True)]
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
                    new_row.append(Button(button.code, _short(label, 64), button.command))
                rows.append(new_row)
            out.append(Reply(reply.text, rows, reply.replace))
        if choices and self.turn.state.mode == "desk":
            self.turn.state.desk["choices"] = choices
        return out

    def begin(self, **desk: Any) -> None:
        """Enters a desk dialogue (the questionnaire cursor stays where it was)."""
        self.turn.state.clear_input()
        self.turn.state.mode = "desk"
        self.turn.state.desk = desk

    def end(self, _args: list[str]) -> list[Outgoing]:
        """Leaves the desk dialogue for the menu."""
        self.turn.state.desk = {}
        return self.turn.show_menu()

    def code(self, action: str) -> str:
        return self.turn.code(f"d:{action}")

    # -- progress and members -------------------------------------------------------------

    def show_progress(self) -> list[Outgoing]:
        """/tiendo: answered / total per section and per person, late ones marked, and the
        headline figures so far."""
        require(self.member, Action.VIEW_PROGRESS, period=self.turn.period)
        return [progress_reply(self.turn)]

    def show_members(self) -> list[Outgoing]:
        """/thanhvien: the unit's members and roles, with a button for each one I may remove
        (and, for the director, give another role)."""
        require(self.member, Action.LIST_MEMBERS)
        members = store.members_of(self.session, unit_id=self.turn.unit.id or 0)
        lines = [t("members.title", unit=self.turn.unit.name)]
        lines += [
            t("members.line", index=i, name=m.display_name, role=t(f"role.{role_of(m).value}"))
            for i, m in enumerate(members, 1)
        ]
        removable = [m for m in members if removable_by(self.member, m)]
        if not removable or not can(self.member, Action.REMOVE_MEMBER):
            return [Reply("\n".join(lines))]
        self.begin()
        self.turn.state.step += 1
        director = can(self.member, Action.CHANGE_ROLE)
        lines.append(t("members.manage_hint" if director else "members.remove_hint"))
        buttons = [
            [Button(self.code(f"rm:{m.id}"), _short(t("button.member", name=m.display_name), 60))]
            for m in removable
        ]
        buttons.append([Button(self.code("end:"), t("button.close"))])
        return [Reply("\n".join(lines), buttons)]

    def ask_remove(self, args: list[str]) -> list[Outgoing]:
        """A member pressed in /thanhvien: confirm the removal, or (the director) change
        their role between staff and deputy."""
        require(self.member, Action.REMOVE_MEMBER)
        target = self._removable(args)
        if target is None:
            return [Reply(t("input.stale_button")), *self.turn.show_menu()]
        self.turn.state.step += 1
        buttons = []
        text = t("members.confirm_remove", name=target.display_name)
        if can(self.member, Action.CHANGE_ROLE) and role_changeable_by(self.member, target):
            other = _OTHER_ROLE[role_of(target)]
            label = t("button.make_role", role=t(f"role.{other.value}"))
            buttons.append([Button(self.code(f"ro:{target.id}:{other.value}"), label)])
            role = t(f"role.{role_of(target).value}")
            text = t("members.card", name=target.display_name, role=role)
        buttons.append(
            [
                Button(self.code(f"rmy:{target.id}"), t("button.confirm_remove")),
                Button(self.code("end:"), t("button.cancel")),
            ]
        )
        return [Reply(text, buttons)]

    def change_role(self, args: list[str]) -> list[Outgoing]:
        """Moves a member between staff and deputy (the director only); they are told."""
        require(self.member, Action.CHANGE_ROLE)
        target_id, wanted = [*args, "", ""][:2]
        number = small_int(target_id)
        target = store.member_by_id(self.session, member_id=number) if number else None
        # Only the role the card offered: the other one of staff and deputy.
        if (
            target is None
            or not role_changeable_by(self.member, target)
            or wanted != _OTHER_ROLE[role_of(target)].value
        ):
            log.warning(
                "refused: member %s pressed role %r for member %r",
                self.member.id,
                wanted[:20],
                target_id[:20],
            )
            return [Reply(t("input.stale_button")), *self.turn.show_menu()]
        changed, previous = change_role(
            self.session,
            target_id=target.id or 0,
            unit_id=self.turn.unit.id or 0,
            role=Role(wanted),
            actor=self.member,
        )
        log.info(
            "member %s made member %s %s (was %s)", self.member.id, changed.id, wanted, previous
        )
        self.turn.state.desk = {}
        role = t(f"role.{wanted}")
        told = self.turn.notify(
            [changed.id or 0],
            t("members.role_changed_notice", unit=self.turn.unit.name, role=role),
        )
        done = Reply(t("members.role_changed", name=changed.display_name, role=role))
        return [done, *self.turn.show_menu(), *told]

    def remove(self, args: list[str]) -> list[Outgoing]:
        """Removes a member: their chats are unlinked, their open sections taken back."""
        require(self.member, Action.REMOVE_MEMBER)
        target = self._removable(args)
        if target is None:
            return [Reply(t("input.stale_button")), *self.turn.show_menu()]
        told = self.turn.notify(
            [target.id or 0], t("members.removed_notice", unit=self.turn.unit.name)
        )
        remove_member(
            self.session,
            target_id=target.id or 0,
            unit_id=self.turn.unit.id or 0,
            actor=self.member,
        )
        log.info("member %s removed member %s", self.member.id, target.id)
        self.turn.state.desk = {}
        done = Reply(t("members.removed", name=target.display_name))
        return [done, *self.turn.show_menu(), *told]

    def _removable(self, args: list[str]) -> Member | None:
        """The member a button names, if this member may remove them (else logged)."""
        target_id = args[0] if args else ""
        number = small_int(target_id)
        target = store.member_by_id(self.session, member_id=number) if number else None
        if target is None or not removable_by(self.member, target):
            log.warning(
                "refused: member %s pressed remove for member %r", self.member.id, target_id[:20]
            )
            return None
        return target

    # -- opening a period -----------------------------------------------------------------

    def start_open_period(self) -> list[Outgoing]:
        """/moky: pick the report kind, the year, the term, then type the deadline."""
        require(self.member, Action.OPEN_PERIOD)
        self.begin()
        self.turn.state.step += 1
        kinds = all_templates(self.turn.options.templates_root)
        buttons = [
            [Button(self.code(f"kind:{i}"), f"{i + 1}. {k.name}"[:60])]
            for i, k in enumerate(kinds)
        ]
        buttons += DeadlineDesk(self, _parse_date).offer()
        return [Reply(t("period.ask_kind"), buttons)]

    def pick_kind(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.OPEN_PERIOD)
        kinds = all_templates(self.turn.options.templates_root)
        kind = small_int(args[0], limit=len(kinds) - 1) if args and kinds else None
        if kind is None:
            return [Reply(t("input.stale_button")), *self.start_open_period()]
        self.begin(kind=kinds[kind].id)
        self.turn.state.step += 1
        current = school_year_of(today())
        start = int(current[:4])
        years = [current, f"{start + 1}-{start + 2}"]
        buttons = [[Button(self.code(f"year:{y}"), year_text(y)) for y in years]]
        return [Reply(t("period.ask_year"), buttons)]

    def pick_year(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.OPEN_PERIOD)
        year = args[0] if args else ""
        start = int(school_year_of(today())[:4])
        if "kind" not in self.turn.state.desk or year not in (
            f"{start}-{start + 1}",
            f"{start + 1}-{start + 2}",
        ):
            return [Reply(t("input.stale_button")), *self.start_open_period()]
        self.turn.state.desk["year"] = year
        self.turn.state.step += 1
        buttons = [
            [
                Button(self.code("term:0"), t("period.whole_year")),
                Button(self.code("term:1"), t("period.term_button", term=1)),
                Button(self.code("term:2"), t("period.term_button", term=2)),
            ]
        ]
        return [Reply(t("period.ask_term"), buttons)]

    def pick_term(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.OPEN_PERIOD)
        if "year" not in self.turn.state.desk or not args or args[0] not in ("0", "1", "2"):
            return [Reply(t("input.stale_button")), *self.start_open_period()]
        self.turn.state.desk["term"] = int(args[0]) or None
        if ChildrenDesk(self).wants_collect():
            return ChildrenDesk(self).ask_collect()
        self.turn.state.desk["wait"] = "deadline"
        self.turn.state.step += 1
        return [self._ask_deadline()]

    def _year_end(self) -> str:
        year = str(self.turn.state.desk.get("year") or school_year_of(today()))
        return year[-4:]

    def _sector_choices(self) -> list[tuple[date, str]]:
        """The sector's recurring deadlines that fit the period being opened: in its school
        year, not past, and of its term (a whole-year report is due at the second term's end).
        A unit without any for this report kind gets the sector's defaults."""
        desk = self.turn.state.desk
        kind, year = str(desk.get("kind", "")), str(desk.get("year", ""))
        if not kind or not year:
            return []
        unit_id = self.turn.unit.id or 0
        known = sector.sector_deadlines(self.session, unit_id=unit_id)
        if not any(d.template_id == kind for d in known):
            known = sector.add_sector_deadlines(self.session, unit_id=unit_id, template_id=kind)
        term = desk.get("term") or 2
        start, first_day = int(year[:4]), today()
        found = []
        for deadline in known:
            if deadline.template_id != kind or deadline.term not in (None, term):
                continue
            # The school year runs from August to July; 29/02 exists only in leap years.
            year_of_day = start if deadline.month >= 8 else start + 1
            try:
                day = date(year_of_day, deadline.month, deadline.day)
            except ValueError:
                continue
            if day >= first_day:
                found.append((day, deadline.label))
        return sorted(found)[:_MAX_DEADLINE_BUTTONS]

    def _ask_deadline(self) -> Reply:
        """Asks for the deadline, offering the sector's recurring ones as buttons."""
        require(self.member, Action.OPEN_PERIOD)
        choices = self._sector_choices()
        if not choices:
            return Reply(t("period.ask_deadline", year=self._year_end()))
        buttons = [
            [Button(self.code(f"due:{day:%Y%m%d}"), _short(f"{day:%d/%m/%Y} – {label}", 60))]
            for day, label in choices
        ]
        return Reply(t("period.ask_deadline_or_pick", year=self._year_end()), buttons)

    def pick_due(self, args: list[str]) -> list[Outgoing]:
        """A recurring deadline pressed: accepted only if it is still one of those offered."""
        require(self.member, Action.OPEN_PERIOD)
        offered = {f"{day:%Y%m%d}": day for day, _label in self._sector_choices()}
        waiting = self.turn.state.desk.get("wait") == "deadline"
        picked = offered.get(args[0]) if args and waiting else None
        if picked is None:
            return [Reply(t("input.stale_button")), *self.start_open_period()]
        return self._open_period(picked)

    def typed_deadline(self, raw: str) -> list[Outgoing]:
        require(self.member, Action.OPEN_PERIOD)
        text = clean_text(raw)
        deadline = _parse_date(text)
        if deadline is None:
            return [Reply(t("period.bad_deadline", text=text[:30], year=self._year_end()))]
        if deadline < today():
            return [Reply(t("period.past_deadline", deadline=deadline.strftime("%d/%m/%Y")))]
        return self._open_period(deadline)

    def _open_period(self, deadline: date) -> list[Outgoing]:
        """Opens the period chosen in the dialogue, due on `deadline`."""
        desk = self.turn.state.desk
        if desk.get("collect"):
            return ChildrenDesk(self).open_collecting(deadline)
        template = load_template(str(desk["kind"]), self.turn.options.templates_root)
        try:
            opened = periods.open_period(
                self.session,
                unit=self.turn.unit,
                template=template,
                year=str(desk["year"]),
                term=desk.get("term"),
                deadline=deadline,
                opened_by=self.member.id,
            )
        except periods.PeriodError:
            self.turn.state.desk = {}
            return [Reply(t("period.already_open")), *self.turn.show_menu()]
        self.turn.state.desk = {}
        self._replan(opened.period.id or 0)
        term = f", học kỳ {opened.period.term}" if opened.period.term else ""
        lines = [
            t(
                "period.opened",
                report=template.name,
                year=year_text(opened.period.year),
                term=term,
                deadline=deadline.strftime("%d/%m/%Y"),
            )
        ]
        if opened.filled or opened.offered:
            lines.append(
                t("period.carried", filled=len(opened.filled), offered=len(opened.offered))
            )
        lines.append(t("period.next_assign"))
        self.turn.switch_period(opened.period, template)
        return [Reply("\n".join(lines)), *self.turn.show_menu()]

    # -- assigning ------------------------------------------------------------------------

    def start_assign(self) -> list[Outgoing]:
        """/giao: the sections with who has them; pick one to (re)assign."""
        require(self.member, Action.ASSIGN, period=self.turn.period)
        self.begin()
        self.turn.state.step += 1
        names = self._names()
        by_section = periods.assignees(self.session, period_id=self.turn.period_id)
        lines = [t("assign.ask_section")]
        buttons = []
        for section in self.turn.template.sections:
            who = ", ".join(names.get(m, "?") for m in by_section.get(section.id, []))
            lines.append(
                t(
                    "assign.section_line",
                    number=section.number,
                    title=section.title,
                    who=f" → {who}" if who else "",
                )
            )
            label = f"{section.number}. {section.title}"
            buttons.append([Button(self.code(f"as:{section.id}"), _short(label, 60))])
        buttons.append([Button(self.code("end:"), t("button.done_assigning"))])
        return [Reply("\n".join(lines), buttons)]

    def pick_assign_section(self, args: list[str], *, replace: bool = False) -> list[Outgoing]:
        require(self.member, Action.ASSIGN, period=self.turn.period)
        section = self.turn.template_section(args[0] if args else "")
        if section is None:
            return [Reply(t("input.stale_button")), *self.start_assign()]
        staff = [
            m
            for m in store.members_of(self.session, unit_id=self.turn.unit.id or 0)
            if m.id != self.member.id or role_of(m) is Role.STAFF
        ]
        if not staff:
            return [Reply(t("assign.no_staff"))]
        self.begin(section=section.id)
        self.turn.state.step += 1
        chosen = set(
            periods.assignees(self.session, period_id=self.turn.period_id).get(section.id, [])
        )
        buttons = [
            [
                Button(
                    self.code(f"am:{section.id}:{m.id}"),
                    _short(f"{'☑' if m.id in chosen else '☐'} {m.display_name}", 60),
                )
            ]
            for m in staff
        ]
        buttons.append(
            [
                Button(self.code("list:"), t("button.back")),
                Button(self.code("end:"), t("button.done_assigning")),
            ]
        )
        text = t("assign.ask_member", number=section.number, title=section.title)
        return [Reply(text, buttons, replace=replace)]

    def toggle_assignee(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.ASSIGN, period=self.turn.period)
        section = self.turn.template_section(args[0] if args else "")
        member_id = args[1] if len(args) > 1 else ""
        person_id = small_int(member_id)
        if section is None or person_id is None:
            return [Reply(t("input.stale_button")), *self.start_assign()]
        person = store.member_by_id(self.session, member_id=person_id)
        if person is None or person.unit_id != self.turn.unit.id or not person.active:
            log.warning(
                "refused: member %s of unit %s pressed assign for member %s outside the unit",
                self.member.id,
                self.member.unit_id,
                member_id,
            )
            return [Reply(t("input.stale_button")), *self.start_assign()]
        removed = periods.unassign(
            self.session, period=self.turn.period, section_id=section.id, member_id=person.id or 0
        )
        notices: list[Outgoing] = []
        if removed:
            ack = t(
                "assign.taken",
                number=section.number,
                title=section.title,
                name=person.display_name,
            )
        else:
            periods.assign(
                self.session,
                period=self.turn.period,
                template=self.turn.template,
                section_id=section.id,
                member=person,
                assigned_by=self.member.id,
            )
            ack = t(
                "assign.given",
                number=section.number,
                title=section.title,
                name=person.display_name,
            )
            if person.id != self.member.id:
                notices += self.turn.notify(
                    [person.id or 0], self._assigned_text(section.number, section.title)
                )
        self._replan(self.turn.period_id)
        replies = self.pick_assign_section([section.id], replace=True)
        return [Reply(ack), *replies, *notices]

    def _assigned_text(self, number: str, title: str) -> str:
        period = self.turn.period
        common = {
            "director": self.member.display_name,
            "number": number,
            "title": title,
            "report": self.turn.template.name,
        }
        if period.deadline:
            return t(
                "assign.notify_deadline", deadline=period.deadline.strftime("%d/%m/%Y"), **common
            )
        return t("assign.notify", **common)

    # -- invites --------------------------------------------------------------------------

    def start_invite(self) -> list[Outgoing]:
        """/moi: pick the role of the person to invite, or revoke the open links."""
        require(self.member, Action.INVITE_STAFF)
        self.begin()
        self.turn.state.step += 1
        row = [Button(self.code("inv:staff"), t("button.role_staff"))]
        if can(self.member, Action.INVITE_DEPUTY):
            row.append(Button(self.code("inv:deputy"), t("button.role_deputy")))
        buttons = [row, [Button(self.code("inv:revoke"), t("button.revoke_invites"))]]
        return [Reply(t("invite.ask_role"), buttons)]

    def make_invite(self, args: list[str]) -> list[Outgoing]:
        choice = args[0] if args else ""
        unit_id = self.turn.unit.id or 0
        if choice == "revoke":
            require(self.member, Action.INVITE_STAFF)
            invites = active_invites(self.session, unit_id=unit_id)
            for invite in invites:
                revoke(self.session, invite_id=invite.id or 0, unit_id=unit_id)
            self.turn.state.desk = {}
            return [Reply(t("invite.revoked", count=len(invites))), *self.turn.show_menu()]
        if choice not in ("staff", "deputy"):
            return [Reply(t("input.stale_button")), *self.start_invite()]
        role = Role(choice)
        require(self.member, Action.INVITE_DEPUTY if role is Role.DEPUTY else Action.INVITE_STAFF)
        invite = create_invite(self.session, unit_id=unit_id, role=role, created_by=self.member.id)
        self.turn.state.desk = {}
        expires = invite.expires_at.astimezone(VIETNAM).strftime("%d/%m/%Y")
        role_name = t(f"role.{role.value}")
        username = self.turn.options.bot_username
        if username:
            text = t(
                "invite.created",
                role=role_name,
                expires=expires,
                link=invite_link(username, invite.code),
            )
        else:
            text = t("invite.created_no_link", role=role_name, expires=expires, code=invite.code)
        usage = t("invite.single_use") if invite.single_use else t("invite.multi_use")
        return [Reply(f"{text}\n{usage}"), *self.turn.show_menu()]

    # -- returning a section --------------------------------------------------------------

    def start_return(self) -> list[Outgoing]:
        """/tralai: pick a section to send back to its authors with a comment."""
        require(self.member, Action.RETURN_SECTION, period=self.turn.period)
        progress = store.section_progress(self.session, period_id=self.turn.period_id)
        candidates = [
            s
            for s in self.turn.template.sections
            if (s.id in progress and progress[s.id].finished) or self.turn.section_counts(s)[0]
        ]
        if not candidates:
            return [Reply(t("return.nothing"))]
        self.begin()
        self.turn.state.step += 1
        buttons = [
            [Button(self.code(f"ret:{s.id}"), _short(f"{s.number}. {s.title}", 60))]
            for s in candidates
        ]
        return [Reply(t("return.ask_section"), buttons)]

    def pick_return_section(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.RETURN_SECTION, period=self.turn.period)
        section = self.turn.template_section(args[0] if args else "")
        if section is None:
            return [Reply(t("input.stale_button")), *self.start_return()]
        self.begin(section=section.id, wait="comment")
        self.turn.state.step += 1
        return [Reply(t("return.ask_comment", number=section.number, title=section.title))]

    def typed_comment(self, raw: str) -> list[Outgoing]:
        require(self.member, Action.RETURN_SECTION, period=self.turn.period)
        section = self.turn.template_section(str(self.turn.state.desk.get("section", "")))
        comment = clean_text(raw)[:500]
        if section is None or not comment:
            return self.current()
        periods.return_section(
            self.session,
            period=self.turn.period,
            section_id=section.id,
            comment=comment,
            by=self.member,
        )
        self._replan(self.turn.period_id)
        self.turn.state.desk = {}
        authors = periods.assignees(self.session, period_id=self.turn.period_id).get(
            section.id, []
        )
        notice = t(
            "return.notify",
            director=self.member.display_name,
            number=section.number,
            title=section.title,
            comment=comment,
        )
        done = t("return.done", number=section.number, title=section.title)
        others = [m for m in authors if m != self.member.id]
        return [Reply(done), *self.turn.show_menu(), *self.turn.notify(others, notice)]

    # -- final and reopen -----------------------------------------------------------------

    def start_finalize(self) -> list[Outgoing]:
        """/chot: confirm, then lock the report."""
        require(self.member, Action.FINALIZE, period=self.turn.period)
        self.begin()
        self.turn.state.step += 1
        buttons = [
            [
                Button(self.code("fin:yes"), t("button.confirm_final")),
                Button(self.code("fin:no"), t("button.cancel")),
            ]
        ]
        text = t(
            "final.confirm",
            report=self.turn.template.name,
            year=year_text(self.turn.period.year),
        )
        return [Reply(text, buttons)]

    def confirm_finalize(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.FINALIZE, period=self.turn.period)
        self.turn.state.desk = {}
        if args[:1] != ["yes"]:
            return [Reply(t("final.cancelled")), *self.turn.show_menu()]
        periods.finalize(self.session, period=self.turn.period)
        told = ChildrenDesk(self).tell_parent()
        return [Reply(t("final.done")), *self.turn.show_menu(), *told]

    def start_reopen(self) -> list[Outgoing]:
        """/mokhoa: unlock one section of a final report."""
        require(self.member, Action.REOPEN, period=self.turn.period)
        if self.turn.period.status != "final":
            return [Reply(t("final.not_final"))]
        self.begin()
        self.turn.state.step += 1
        buttons = [
            [Button(self.code(f"reo:{s.id}"), _short(f"{s.number}. {s.title}", 60))]
            for s in self.turn.template.sections
        ]
        return [Reply(t("final.reopen_ask"), buttons)]

    def reopen(self, args: list[str]) -> list[Outgoing]:
        require(self.member, Action.REOPEN, period=self.turn.period)
        section = self.turn.template_section(args[0] if args else "")
        if section is None or self.turn.period.status != "final":
            return [Reply(t("input.stale_button")), *self.turn.show_menu()]
        periods.reopen_section(self.session, period=self.turn.period, section_id=section.id)
        self.turn.state.desk = {}
        reply = t("final.reopened", number=section.number, title=section.title)
        return [Reply(reply), *self.turn.show_menu()]

    # -- reminders ------------------------------------------------------------------------

    def show_reminders(self) -> list[Outgoing]:
        """/nhacnho: the period's reminders per member, with buttons to change or nudge."""
        require(self.member, Action.MANAGE_REMINDERS, period=self.turn.period)
        # What a sweep would plan now, so the view is current even before the next tick.
        self._replan(self.turn.period_id)
        self.begin()
        return [self._reminder_view()]

    def reminder_button(self, args: list[str]) -> list[Outgoing]:
        """A preset of days, weekends on or off, nudge now, or close."""
        period = self.turn.period
        require(self.member, Action.MANAGE_REMINDERS, period=period)
        what = args[0] if args else ""
        if what == "end":
            return self.end([])
        if what not in ("days", "wk", "now"):
            return [Reply(t("input.stale_button")), *self.show_reminders()]
        if period.status != "open":
            self.turn.state.desk = {}
            return [Reply(t("reminders_desk.not_open")), *self.turn.show_menu()]
        templates_root = self.turn.options.templates_root
        moment = now()
        if what == "days":
            choice = args[1] if len(args) > 1 else ""
            preset = small_int(choice, limit=len(reminders.DAY_PRESETS) - 1)
            if preset is None:
                return [Reply(t("input.stale_button")), *self.show_reminders()]
            days = reminders.DAY_PRESETS[preset]
            reminders.change_policy(
                self.session,
                period_id=self.turn.period_id,
                now=moment,
                days_before=list(days),
                on_due_day=True,
                templates_root=templates_root,
            )
            ack = (
                t("reminders_desk.days_changed", preset=reminders.preset_label(preset))
                if days
                else t("reminders_desk.days_changed_due_day_only")
            )
        elif what == "wk":
            skip = not policy_of(self.session, period_id=self.turn.period_id).skip_weekends
            reminders.change_policy(
                self.session,
                period_id=self.turn.period_id,
                now=moment,
                skip_weekends=skip,
                templates_root=templates_root,
            )
            ack = t(
                "reminders_desk.weekends_skipped" if skip else "reminders_desk.weekends_allowed"
            )
        else:
            ack = self._nudge(moment)
        return [Reply(ack), self._reminder_view(replace=True)]

    def _nudge(self, moment: datetime) -> str:
        """Plans a nudge for everyone who still owes a section; the sweep sends it once."""
        if not self.turn.options.delivers_reminders:
            turn = self.turn
            return reach.nudge_here(
                self.session,
                period=turn.period,
                template=turn.template,
                besides=self.member.id or 0,
                names=self._names(),
            )
        nudged = reminders.nudge_now(
            self.session,
            period_id=self.turn.period_id,
            now=moment,
            besides=self.member.id,
            templates_root=self.turn.options.templates_root,
        )
        if not nudged:
            return t("reminders_desk.nudged_none")
        names = self._names()
        who = ", ".join(names.get(m, "?") for m in nudged)
        log.info(
            "member %s nudged %s member(s) of period %s",
            self.member.id,
            len(nudged),
            self.turn.period_id,
        )
        due = reminders.nudge_time(self.session, period_id=self.turn.period_id, now=moment)
        if due > moment:
            when = reminders.when_text(due)
            return t("reminders_desk.nudged_later", count=len(nudged), names=who, when=when)
        return t("reminders_desk.nudged", count=len(nudged), names=who)

    def _reminder_view(self, *, replace: bool = False) -> Reply:
        """The schedule and its buttons (only "close" once the report is final)."""
        self.turn.state.step += 1
        period_id = self.turn.period_id
        text = reminders.desk_text(
            self.session, period_id=period_id, templates_root=self.turn.options.templates_root
        )
        close = [Button(self.code("rem:end"), t("reminders_desk.close_button"))]
        if self.turn.period.status != "open":
            return Reply(text, [close], replace=replace)
        buttons: list[list[Button]] = []
        if self.turn.period.deadline is not None:
            policy = policy_of(self.session, period_id=period_id)
            chosen = reminders.preset_of(policy)
            presets = []
            for index in range(len(reminders.DAY_PRESETS)):
                label = reminders.preset_label(index)
                if index == chosen:
                    label = t("reminders_desk.preset_chosen", label=label)
                presets.append(Button(self.code(f"rem:days:{index}"), label))
            buttons.append(presets)
            weekends = (
                "reminders_desk.allow_weekends_button"
                if policy.skip_weekends
                else "reminders_desk.skip_weekends_button"
            )
            buttons.append([Button(self.code("rem:wk"), t(weekends))])
        buttons.append([Button(self.code("rem:now"), t("reminders_desk.nudge_button")), *close])
        hint = "hint" if self.turn.period.deadline is not None else "hint_nudge_only"
        lines = [text, *reach.desk_note(self.turn.options.delivers_reminders)]
        return Reply("\n".join([*lines, t(f"reminders_desk.{hint}")]), buttons, replace=replace)

    def _replan(self, period_id: int) -> None:
        replan_reminders(self.session, period_id, self.turn.options.templates_root)

    def _names(self) -> dict[int, str]:
        members = store.members_of(self.session, unit_id=self.turn.unit.id or 0)
        return {m.id or 0: m.display_name for m in members}


def notices(session: Session, member_ids: list[int], text: str) -> list[Outgoing]:
    """The same message to each member's chat accounts."""
    found = store.identities_of(session, member_ids=sorted(set(member_ids)))
    return [
        Notice(identity.channel, identity.external_id, text)
        for member_id in sorted(found)
        for identity in found[member_id]
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
        m.id or 0
        for m in store.members_of(session, unit_id=unit_id)
        if role_of(m) in (Role.DIRECTOR, Role.DEPUTY) and m.id != besides
    ]


def _parse_date(text: str) -> date | None:
    """dd/mm/yyyy (also with '.' or '-'), or yyyy-mm-dd."""
    match = _DATE.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _short(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut after a whole word where one fits."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    # A Vietnamese syllable cut in half reads as another word: drop the broken one.
    if flat[limit - 1] != " " and " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;–-") + "…"

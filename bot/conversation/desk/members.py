"""/tiendo and /thanhvien at the desk: the report's progress, and the unit's members with
removal and (for the director) the choice between staff and deputy."""

from __future__ import annotations

import logging

from bot.conversation.desk.core import Area
from bot.conversation.headlines import headline_block
from bot.core.digits import small_int
from bot.core.replies import Button, Outgoing, Reply
from bot.core.text import short
from bot.store import queries as store
from bot.texts import t
from bot.workflow.access import Action, Role, can, require, role_of
from bot.workflow.members import change_role, removable_by, remove_member, role_changeable_by
from bot.workflow.progress import period_progress
from bot.workflow.render import progress_text
from models import Member, require_id

log = logging.getLogger(__name__)

# The role the director can give a member instead of the one they have.
_OTHER_ROLE = {Role.STAFF: Role.DEPUTY, Role.DEPUTY: Role.STAFF}


class MembersDesk(Area):
    """The report's progress and the unit's people."""

    def show_progress(self) -> list[Outgoing]:
        """/tiendo: answered / total per section and per person, late ones marked, and the
        headline figures so far."""
        period, template = self.desk.period, self.desk.template
        require(self.member, Action.VIEW_PROGRESS, period=period)
        progress = period_progress(self.session, period=period, template=template)
        text = progress_text(progress, template)
        figures = headline_block(template, self.turn.evaluation(), template.sections)
        return [Reply(f"{text}\n\n{figures}" if figures else text)]

    def show(self) -> list[Outgoing]:
        """/thanhvien: the unit's members and roles, with a button for each one I may remove
        (and, for the director, give another role)."""
        require(self.member, Action.LIST_MEMBERS)
        members = store.members_of(self.session, unit_id=require_id(self.turn.unit))
        lines = [t("members.title", unit=self.turn.unit.name)]
        lines += [
            t("members.line", index=i, name=m.display_name, role=t(f"role.{role_of(m).value}"))
            for i, m in enumerate(members, 1)
        ]
        removable = [m for m in members if removable_by(self.member, m)]
        if not removable or not can(self.member, Action.REMOVE_MEMBER):
            return [Reply("\n".join(lines))]
        self.desk.begin()
        self.turn.state.step += 1
        director = can(self.member, Action.CHANGE_ROLE)
        lines.append(t("members.manage_hint" if director else "members.remove_hint"))
        buttons = [
            [
                Button(
                    self.desk.code(f"rm:{m.id}"),
                    short(t("button.member", name=m.display_name), 60),
                )
            ]
            for m in removable
        ]
        buttons.append([Button(self.desk.code("end:"), t("button.close"))])
        return [Reply("\n".join(lines), buttons)]

    def ask_remove(self, args: list[str]) -> list[Outgoing]:
        """A member pressed in /thanhvien: confirm the removal, or (the director) change
        their role between staff and deputy."""
        require(self.member, Action.REMOVE_MEMBER)
        target = self._removable(args)
        if target is None:
            return self.desk.stale()
        self.turn.state.step += 1
        buttons = []
        text = t("members.confirm_remove", name=target.display_name)
        if can(self.member, Action.CHANGE_ROLE) and role_changeable_by(self.member, target):
            other = _OTHER_ROLE[role_of(target)]
            label = t("button.make_role", role=t(f"role.{other.value}"))
            buttons.append([Button(self.desk.code(f"ro:{target.id}:{other.value}"), label)])
            role = t(f"role.{role_of(target).value}")
            text = t("members.card", name=target.display_name, role=role)
        buttons.append(
            [
                Button(self.desk.code(f"rmy:{target.id}"), t("button.confirm_remove")),
                Button(self.desk.code("end:"), t("button.cancel")),
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
            return self.desk.stale()
        changed, previous = change_role(
            self.session,
            target_id=require_id(target),
            unit_id=require_id(self.turn.unit),
            role=Role(wanted),
            actor=self.member,
        )
        log.info(
            "member %s made member %s %s (was %s)", self.member.id, changed.id, wanted, previous
        )
        self.desk.clear()
        role = t(f"role.{wanted}")
        told = self.turn.notify(
            [require_id(changed)],
            t("members.role_changed_notice", unit=self.turn.unit.name, role=role),
        )
        done = Reply(t("members.role_changed", name=changed.display_name, role=role))
        return [done, *self.turn.show_menu(), *told]

    def remove(self, args: list[str]) -> list[Outgoing]:
        """Removes a member: their chats are unlinked, their open sections taken back."""
        require(self.member, Action.REMOVE_MEMBER)
        target = self._removable(args)
        if target is None:
            return self.desk.stale()
        told = self.turn.notify(
            [require_id(target)], t("members.removed_notice", unit=self.turn.unit.name)
        )
        remove_member(
            self.session,
            target_id=require_id(target),
            unit_id=require_id(self.turn.unit),
            actor=self.member,
        )
        log.info("member %s removed member %s", self.member.id, target.id)
        self.desk.clear()
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

"""/moi at the desk: an invite link (or code) for a staff member or a deputy, or revoke
the open ones."""

from __future__ import annotations

from bot.conversation.desk.core import Area
from bot.core.clock import VIETNAM
from bot.core.replies import Button, Outgoing, Reply
from bot.texts import t
from bot.workflow.access import Action, Role, can, require
from bot.workflow.invites import active_invites, create_invite, invite_link, revoke
from models import require_id


class InvitesDesk(Area):
    """Inviting people into the unit."""

    def start(self) -> list[Outgoing]:
        """/moi: pick the role of the person to invite, or revoke the open links."""
        require(self.member, Action.INVITE_STAFF)
        self.desk.begin()
        self.turn.state.step += 1
        row = [Button(self.desk.code("inv:staff"), t("button.role_staff"))]
        if can(self.member, Action.INVITE_DEPUTY):
            row.append(Button(self.desk.code("inv:deputy"), t("button.role_deputy")))
        buttons = [row, [Button(self.desk.code("inv:revoke"), t("button.revoke_invites"))]]
        return [Reply(t("invite.ask_role"), buttons)]

    def make(self, args: list[str]) -> list[Outgoing]:
        """A role pressed: a new invite; or the open invites revoked."""
        choice = args[0] if args else ""
        unit_id = require_id(self.turn.unit)
        if choice == "revoke":
            require(self.member, Action.INVITE_STAFF)
            invites = active_invites(self.session, unit_id=unit_id)
            for invite in invites:
                revoke(self.session, invite_id=require_id(invite), unit_id=unit_id)
            self.desk.clear()
            return [Reply(t("invite.revoked", count=len(invites))), *self.turn.show_menu()]
        if choice not in (Role.STAFF, Role.DEPUTY):
            return self.desk.stale(self.start())
        role = Role(choice)
        require(self.member, Action.INVITE_DEPUTY if role is Role.DEPUTY else Action.INVITE_STAFF)
        invite = create_invite(self.session, unit_id=unit_id, role=role, created_by=self.member.id)
        self.desk.clear()
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

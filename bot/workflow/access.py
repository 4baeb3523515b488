"""Who may do what: roles and actions, checked on the server for every request."""

from __future__ import annotations

import logging
from enum import StrEnum

from models import Member, Period, Role

log = logging.getLogger("baocao.access")


class Action(StrEnum):
    """Everything a member can ask for that is not answering their own sections."""

    ANSWER_OWN = "answer_own"  # answer the sections assigned to me
    ANSWER_ANY = "answer_any"  # answer any section, assigned or not
    VIEW_DRAFT = "view_draft"
    VIEW_PROGRESS = "view_progress"
    OPEN_PERIOD = "open_period"
    ASSIGN = "assign"
    RETURN_SECTION = "return_section"
    INVITE_STAFF = "invite_staff"
    INVITE_DEPUTY = "invite_deputy"
    FINALIZE = "finalize"
    REOPEN = "reopen"
    LIST_MEMBERS = "list_members"
    MANAGE_REMINDERS = "manage_reminders"
    REMOVE_MEMBER = "remove_member"
    CHANGE_ROLE = "change_role"
    EDIT_UNIT = "edit_unit"  # the unit's name, header, signer and recipients
    MANAGE_CHILDREN = "manage_children"  # add child units and invite their directors


# The deputy signs "KT." for the director and runs the report with her; only the director
# marks it final, reopens a locked section, brings in another deputy, changes roles and
# changes what the unit's documents say about it (its name, who signs), and brings in the
# units under it.
DIRECTOR_ONLY = frozenset(
    {
        Action.FINALIZE,
        Action.REOPEN,
        Action.INVITE_DEPUTY,
        Action.CHANGE_ROLE,
        Action.EDIT_UNIT,
        Action.MANAGE_CHILDREN,
    }
)
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.DIRECTOR: frozenset(Action),
    Role.DEPUTY: frozenset(Action) - DIRECTOR_ONLY,
    Role.STAFF: frozenset({Action.ANSWER_OWN}),
}


class ForbiddenError(Exception):
    """A member asked for something their role or unit does not allow."""

    def __init__(self, member: Member, action: Action, detail: str = "") -> None:
        super().__init__(f"member {member.id} may not {action.value} {detail}".strip())
        self.member = member
        self.action = action


_LEADS = frozenset({Role.DIRECTOR, Role.DEPUTY})


def role_of(member: Member) -> Role:
    """The member's role; an unknown stored role counts as staff (least rights)."""
    try:
        return Role(member.role)
    except ValueError:
        return Role.STAFF


def can(member: Member, action: Action) -> bool:
    """Whether the member's role allows an action (active members only)."""
    return member.active and action in PERMISSIONS[role_of(member)]


def require(member: Member, action: Action, *, period: Period | None = None) -> None:
    """Raises ForbiddenError (and logs it) unless the member may act on their unit's period."""
    if period is not None and period.unit_id != member.unit_id:
        log.warning(
            "refused: member %s of unit %s asked %s on period %s of unit %s",
            member.id,
            member.unit_id,
            action.value,
            period.id,
            period.unit_id,
        )
        raise ForbiddenError(member, action, f"on period {period.id} of another unit")
    if not can(member, action):
        log.warning("refused: member %s (%s) asked %s", member.id, member.role, action.value)
        raise ForbiddenError(member, action)


def is_lead(member: Member) -> bool:
    """Director or deputy: sees the whole report."""
    # The role as stored (a `Role`, or its string): an unknown one is staff, as in `role_of`.
    return member.role in _LEADS and member.active

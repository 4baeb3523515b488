"""Commands for operators: units, members, invites, periods, assignments and progress.

Everything a director does in chat can be done here too, for support and scripting; each
command prints JSON with --json.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Annotated, Any

import typer

from bot.cli.app import JsonOption, app, database_session, moment_text
from bot.cli.groups import (
    PeriodOption,
    UnitOption,
    emit,
    fail,
    invite_app,
    member_app,
    period_app,
    unit_app,
    unit_or_fail,
)
from bot.cli.hierarchy import check_parent, open_collecting
from bot.core.clock import school_year_of, today
from bot.core.digits import small_int
from bot.core.settings import get_settings
from bot.core.text import year_text
from bot.questionnaire.loader import TemplateNotFoundError, load_template
from bot.reminders.messages import date_text
from bot.store import queries as store
from bot.texts import t
from bot.workflow.access import Role, role_of
from bot.workflow.invites import create_invite, invite_link, revoke
from bot.workflow.members import MemberError, change_role, remove_member
from bot.workflow.periods import PeriodError, assign, finalize, open_period, unassign
from bot.workflow.progress import period_progress
from models import Period, require_id

log = logging.getLogger(__name__)


def bot_username() -> str | None:
    """The bot's @username: TELEGRAM_BOT_USERNAME, else asked with getMe when a token is set."""
    settings = get_settings()
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    if settings.telegram_bot_token is None:
        return None
    import httpx

    url = f"{settings.telegram_api_base_url}{settings.telegram_bot_token.get_secret_value()}"
    try:
        answer = httpx.get(f"{url}/getMe", timeout=10).json()
        return str(answer["result"]["username"])
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as err:
        log.warning("could not ask Telegram for the bot's username: %s", err)
        return None


def _invite_payload(code: str, role: str, expires: Any, invite_id: int | None) -> dict[str, Any]:
    username = bot_username()
    return {
        "invite_id": invite_id,
        "role": role,
        "invite_code": code,
        "invite_link": invite_link(username, code) if username else None,
        "start_command": f"/start {code}",
        "expires_at": expires.isoformat(),
    }


def _invite_text(payload: dict[str, Any], expires: datetime) -> str:
    start_command = payload["start_command"]
    link = payload["invite_link"] or t("cli.invite.no_link", start_command=start_command)
    role = t(f"role.{payload['role']}")
    return t("cli.invite.text", role=role, expires=moment_text(expires), link=link)


@unit_app.command("create")
def unit_create(
    name: Annotated[str, typer.Option("--name", help="Unit name as in the report header.")],
    place: Annotated[str, typer.Option("--place", help="Place name of the date line.")],
    parent_body: Annotated[
        str, typer.Option("--parent-body", help="Governing body (first header line).")
    ] = "",
    address: Annotated[str, typer.Option("--address")] = "",
    signer_title: Annotated[str, typer.Option("--signer-title")] = t(
        "cli.unit.default_signer_title"
    ),
    signer_name: Annotated[str, typer.Option("--signer-name")] = "",
    parent: Annotated[
        int | None, typer.Option("--parent", help="Id of the unit it reports to.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a unit and print its id and a one-time director invite link."""

    if not name.strip() or not place.strip():
        raise fail(t("cli.error.empty_name"))
    check_parent(parent)
    with database_session() as session:
        unit = store.create_unit(
            session,
            name=name.strip(),
            place=place.strip(),
            parent_body=parent_body.strip(),
            address=address.strip(),
            signer_title=signer_title.strip(),
            signer_name=signer_name.strip(),
            parent_id=parent,
        )
        invite = create_invite(
            session, unit_id=require_id(unit), role=Role.DIRECTOR, created_by=None
        )
        payload = {
            "unit_id": unit.id,
            "name": unit.name,
            "parent_id": parent,
            **_invite_payload(invite.code, invite.role, invite.expires_at, invite.id),
        }
        expires = invite.expires_at
    created = t("cli.unit.created", unit=payload["unit_id"], name=name)
    emit(payload, as_json, f"{created}\n{_invite_text(payload, expires)}")


@member_app.command("list")
def member_list(unit: UnitOption, as_json: JsonOption = False) -> None:
    """List a unit's members with their role and chat accounts."""
    with database_session() as session:
        unit_or_fail(session, unit)
        members = store.members_of(session, unit_id=unit)
        identities = store.identities_of(session, member_ids=[require_id(m) for m in members])
        payload = [
            {
                "member_id": m.id,
                "name": m.display_name,
                "role": m.role,
                "chats": [
                    f"{i.channel}:{i.external_id}" for i in identities.get(require_id(m), [])
                ],
                "joined_at": m.created_at.isoformat(),
            }
            for m in members
        ]
        lines = [
            t(
                "cli.member.line",
                member=m.id,
                name=m.display_name,
                role=t(f"role.{role_of(m).value}"),
                joined=moment_text(m.created_at),
            )
            for m in members
        ]
    emit(payload, as_json, "\n".join(lines) or t("cli.member.none"))


@member_app.command("remove")
def member_remove(
    unit: UnitOption,
    member: Annotated[int, typer.Option("--member", help="Member id.")],
    as_json: JsonOption = False,
) -> None:
    """Remove a member who left: their chats are unlinked, open sections taken back."""
    with database_session() as session:
        try:
            removed = remove_member(session, target_id=member, unit_id=unit, actor=None)
        except MemberError as err:
            raise fail(t("cli.error.no_member_in_unit", member=member, unit=unit)) from err
        payload = {"unit_id": unit, "member_id": member, "name": removed.display_name}
    emit(payload, as_json, t("cli.member.removed", name=payload["name"]))


@member_app.command("role")
def member_role(
    unit: UnitOption,
    member: Annotated[int, typer.Option("--member", help="Member id.")],
    role: Annotated[Role, typer.Option("--role", help="director | deputy | staff")],
    as_json: JsonOption = False,
) -> None:
    """Give a member another role (a new deputy; a handover to a new director)."""
    with database_session() as session:
        try:
            changed, previous = change_role(
                session, target_id=member, unit_id=unit, role=role, actor=None
            )
        except MemberError as err:
            raise fail(t("cli.error.no_member_in_unit", member=member, unit=unit)) from err
        payload = {
            "unit_id": unit,
            "member_id": member,
            "name": changed.display_name,
            "role": role.value,
            "previous_role": previous.value,
        }
    text = t(
        "cli.member.role_changed",
        name=payload["name"],
        previous=t(f"role.{previous.value}"),
        role=t(f"role.{role.value}"),
    )
    emit(payload, as_json, text)


@invite_app.command("create")
def invite_create(
    unit: UnitOption,
    role: Annotated[Role, typer.Option("--role", help="director | deputy | staff")] = Role.STAFF,
    as_json: JsonOption = False,
) -> None:
    """Create an invite link for a role (staff links serve many people until they expire)."""
    with database_session() as session:
        unit_or_fail(session, unit)
        invite = create_invite(session, unit_id=unit, role=role, created_by=None)
        payload = {
            "unit_id": unit,
            **_invite_payload(invite.code, role.value, invite.expires_at, invite.id),
        }
        expires = invite.expires_at
    emit(payload, as_json, _invite_text(payload, expires))


@invite_app.command("revoke")
def invite_revoke(
    unit: UnitOption,
    invite: Annotated[int, typer.Option("--invite", help="Invite id.")],
    as_json: JsonOption = False,
) -> None:
    """Revoke an invite so its link no longer joins anyone."""
    with database_session() as session:
        done = revoke(session, invite_id=invite, unit_id=unit)
    if not done:
        raise fail(t("cli.error.no_invite", invite=invite, unit=unit))
    emit({"invite_id": invite, "revoked": True}, as_json, t("cli.invite.revoked", invite=invite))


def parse_deadline(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise fail(t("cli.error.deadline", text=text)) from err


@period_app.command("open")
def period_open(
    unit: UnitOption,
    template: Annotated[str, typer.Option("--template", help="Report kind id.")],
    deadline: Annotated[str, typer.Option("--deadline", help="YYYY-MM-DD")],
    year: Annotated[
        str | None, typer.Option("--year", help="School year, e.g. 2025-2026.")
    ] = None,
    term: Annotated[int | None, typer.Option("--term", help="1 or 2 (omit for the year).")] = None,
    collect: Annotated[
        str | None,
        typer.Option("--collect", help="Report kind each child unit sends up, to consolidate."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Open a reporting period; last period of the same kind is carried over. With
    --collect, each child unit gets its own period of that kind, summed into this one."""
    due = parse_deadline(deadline)
    school_year = year or school_year_of(today())
    if not _valid_year(school_year):
        raise fail(t("cli.error.year", text=school_year))
    if term is not None and term not in (1, 2):
        raise fail(t("cli.error.term"))
    try:
        kind = load_template(template)
    except TemplateNotFoundError as err:
        raise fail(t("cli.error.kind", kind=template)) from err
    if collect is not None:
        open_collecting(
            unit=unit,
            kind=kind,
            collect=collect,
            year=school_year,
            term=term,
            deadline=due,
            as_json=as_json,
        )
        return
    with database_session() as session:
        found = unit_or_fail(session, unit)
        try:
            opened = open_period(
                session, unit=found, template=kind, year=school_year, term=term, deadline=due
            )
        except PeriodError as err:
            raise fail(t("cli.error.already_open", period=err.details.get("period_id"))) from err
        payload = {
            "period_id": opened.period.id,
            "unit_id": unit,
            "template": kind.id,
            "year": school_year,
            "term": term,
            "deadline": due.isoformat(),
            "carried_from": opened.previous.id if opened.previous else None,
            "filled": opened.filled,
            "offered": opened.offered,
        }
    emit(
        payload,
        as_json,
        t("cli.period.opened", period=payload["period_id"], kind=kind.name, year=school_year),
    )


@period_app.command("list")
def period_list(unit: UnitOption, as_json: JsonOption = False) -> None:
    """List a unit's periods, newest first."""
    with database_session() as session:
        periods = store.periods_of(session, unit_id=unit)
        payload = [_period_dict(p) for p in periods]
        lines = [_period_line(p) for p in periods]
    emit(payload, as_json, "\n".join(lines) or t("cli.period.none"))


def _period_line(period: Period) -> str:
    """One period as a director reads it: its report kind by name, year, term, deadline."""
    try:
        kind = load_template(period.template_id).name
    except TemplateNotFoundError:
        kind = period.template_id
    term = t("cli.period.term", term=period.term) if period.term else ""
    deadline = date_text(period.deadline) if period.deadline else t("unit_settings.unset")
    return t(
        "cli.period.line",
        period=period.id,
        kind=kind,
        year=year_text(period.year),
        term=term,
        deadline=deadline,
        status=t(f"export.status.{period.status}"),
    )


@period_app.command("final")
def period_final(period: PeriodOption, as_json: JsonOption = False) -> None:
    """Mark a report final: its answers are locked."""
    with database_session() as session:
        found = store.period_by_id(session, period_id=period)
        if found is None:
            raise fail(t("cli.error.no_period", period=period))
        finalize(session, period=found)
        payload = _period_dict(found)
    emit(payload, as_json, t("cli.period.final", period=period))


def _period_dict(period: Period) -> dict[str, Any]:
    return {
        "period_id": period.id,
        "unit_id": period.unit_id,
        "template": period.template_id,
        "year": period.year,
        "term": period.term,
        "deadline": period.deadline.isoformat() if period.deadline else None,
        "status": period.status,
        "parent_period_id": period.parent_period_id,
    }


@app.command("assign")
def assign_command(
    period: PeriodOption,
    section: Annotated[str, typer.Option("--section", help="Section id or number, e.g. 3.")],
    member: Annotated[int, typer.Option("--member", help="Member id.")],
    remove: Annotated[bool, typer.Option("--remove", help="Take the section away.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Give a section of a period to a member (several members may share one)."""
    with database_session() as session:
        found = store.period_by_id(session, period_id=period)
        person = store.member_by_id(session, member_id=member)
        if found is None:
            raise fail(t("cli.error.no_period", period=period))
        if person is None or person.unit_id != found.unit_id:
            raise fail(t("cli.error.no_member", member=member, period=period))
        kind = load_template(found.template_id)
        section_id = next(
            (s.id for s in kind.sections if section in (s.id, s.number, f"{s.number}.")), None
        )
        if section_id is None:
            ids = ", ".join(f"{s.number}={s.id}" for s in kind.sections)
            raise fail(t("cli.error.no_section", section=section, sections=ids))
        if remove:
            changed = unassign(session, period=found, section_id=section_id, member_id=member)
        else:
            changed = assign(
                session,
                period=found,
                template=kind,
                section_id=section_id,
                member=person,
                assigned_by=None,
            )
        payload = {
            "period_id": period,
            "section": section_id,
            "member_id": member,
            "assigned": not remove,
            "changed": changed,
        }
        section_title = next(f"{s.number}. {s.title}" for s in kind.sections if s.id == section_id)
        name = person.display_name
    message = "cli.assign.taken" if remove else "cli.assign.given"
    emit(payload, as_json, t(message, section=section_title, member=name))


@app.command("progress")
def progress_command(period: PeriodOption, as_json: JsonOption = False) -> None:
    """Show a period's progress per section and per person."""
    with database_session() as session:
        found = store.period_by_id(session, period_id=period)
        if found is None:
            raise fail(t("cli.error.no_period", period=period))
        progress = period_progress(
            session, period=found, template=load_template(found.template_id)
        )
        payload = progress.as_dict()
    if as_json:
        emit(payload, True, "")
        return
    from bot.workflow.render import progress_text

    typer.echo(progress_text(progress, load_template(found.template_id)))


def _valid_year(text: str) -> bool:
    first, _, second = text.partition("-")
    start, end = small_int(first, limit=9999), small_int(second, limit=9999)
    return start is not None and end is not None and end == start + 1

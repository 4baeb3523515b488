"""Signed links to a kept draft: given by /duthao, opened on the bot's web page.

A token names one `DraftLink` row and repeats its member, unit, period and expiry; it is
signed with HMAC (itsdangerous) under the bot's secret, so a changed token fails its
signature. Opening checks, in order: the signature, the expiry, the row (not revoked),
and that the member is still an active member of that unit allowed to see drafts, so a
removed member's links die with their membership. Nothing here knows about HTTP.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import delete, update
from sqlmodel import Session, col

from bot.core.clock import now
from bot.core.settings import Settings
from bot.workflow.access import Action, can
from models import DraftLink, Member, Period, Unit

log = logging.getLogger(__name__)

# Where the generated secret is kept, in the data folder, readable by the bot's user only.
SECRET_FILE = "secret_key"
_SALT = "baocao.draft-link.v1"
# The web paths of a link (handlers/web/drafts.py serves them).
PAGE_PATH = "/d/{token}"
PREVIEW_PATH = "/d/{token}/preview-{page}.png"


class Refusal(StrEnum):
    """Why a link does not open (each gets its own wording on the 403 page)."""

    INVALID = "invalid"  # not signed by us: changed, cut short, or signed by an old secret
    EXPIRED = "expired"
    REVOKED = "revoked"
    FORBIDDEN = "forbidden"  # the member left the unit or may no longer see drafts


class LinkRefusedError(Exception):
    """A link that does not open, and why."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class IssuedLink:
    """A link given out: its token, the page's URL and its first page's picture."""

    link_id: int
    token: str
    url: str
    preview_url: str
    expires_at: datetime


@dataclass(frozen=True)
class OpenedLink:
    """What a valid link opens: one kept draft of a period of the member's unit."""

    link_id: int
    member: Member
    unit: Unit
    period: Period
    made_at: datetime
    expires_at: datetime


def secret_key(settings: Settings) -> str:
    """BAOCAO_SECRET_KEY, or the secret generated once into the data folder."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value().strip():
        return settings.secret_key.get_secret_value().strip()
    return _stored_secret(settings.data_dir / SECRET_FILE)


def _stored_secret(path: Path) -> str:
    """The secret in `path`, created (mode 0600, never overwritten) when there is none."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
            log.info("generated the draft link secret in %s", path)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise ValueError(f"{path} holds no usable secret (delete it to make a new one)")
    return secret


class DraftLinks:
    """Gives out and opens the signed links of one deployment (its secret and public URL)."""

    def __init__(self, secret: str, public_url: str, lifetime: timedelta) -> None:
        self.public_url = public_url.rstrip("/")
        self.lifetime = lifetime
        self._signer = URLSafeSerializer(secret, salt=_SALT)

    def issue(
        self, session: Session, *, member: Member, period: Period, made_at: datetime
    ) -> IssuedLink:
        """A new link to the draft of `period` stamped `made_at`, for `member` only.

        Rows of links past their expiry go: their tokens are refused as expired before any
        row is read, so keeping them would only grow the table by one row per /duthao.
        """
        session.execute(delete(DraftLink).where(col(DraftLink.expires_at) < now()))
        expires = now() + self.lifetime
        row = DraftLink(
            member_id=member.id,  # type: ignore[arg-type]
            unit_id=period.unit_id,
            period_id=period.id,  # type: ignore[arg-type]
            made_at=made_at,
            expires_at=expires,
        )
        session.add(row)
        session.flush()
        payload = [row.id, row.member_id, row.unit_id, row.period_id, int(expires.timestamp())]
        token = str(self._signer.dumps(payload))
        return IssuedLink(
            link_id=row.id,  # type: ignore[arg-type]
            token=token,
            url=self.public_url + PAGE_PATH.format(token=token),
            preview_url=self.public_url + PREVIEW_PATH.format(token=token, page=1),
            expires_at=expires,
        )

    def open(self, session: Session, token: str) -> OpenedLink:
        """The draft a token opens; LinkRefusedError saying why when it does not."""
        try:
            payload = self._signer.loads(token)
            link_id, member_id, unit_id, period_id, expires = (int(part) for part in payload)
        except (BadData, TypeError, ValueError):
            raise LinkRefusedError(Refusal.INVALID) from None
        if now().timestamp() >= expires:
            raise LinkRefusedError(Refusal.EXPIRED)
        row = session.get(DraftLink, link_id)
        if row is None or (row.member_id, row.unit_id, row.period_id) != (
            member_id,
            unit_id,
            period_id,
        ):
            raise LinkRefusedError(Refusal.INVALID)
        if row.revoked_at is not None:
            raise LinkRefusedError(Refusal.REVOKED)
        member = session.get(Member, member_id)
        period = session.get(Period, period_id)
        unit = session.get(Unit, unit_id)
        if (
            member is None
            or period is None
            or unit is None
            or member.unit_id != unit_id
            or period.unit_id != unit_id
            or not can(member, Action.VIEW_DRAFT)
        ):
            log.warning("refused: draft link %s of member %s", link_id, member_id)
            raise LinkRefusedError(Refusal.FORBIDDEN)
        return OpenedLink(link_id, member, unit, period, row.made_at, row.expires_at)


def revoke(
    session: Session,
    *,
    link_id: int | None = None,
    member_id: int | None = None,
    unit_id: int | None = None,
) -> int:
    """Revokes one link, or every live link of a member or of a unit; how many it revoked."""
    if link_id is None and member_id is None and unit_id is None:
        raise ValueError("say which links to revoke")
    statement = update(DraftLink).where(col(DraftLink.revoked_at).is_(None))
    if link_id is not None:
        statement = statement.where(col(DraftLink.id) == link_id)
    if member_id is not None:
        statement = statement.where(col(DraftLink.member_id) == member_id)
    if unit_id is not None:
        statement = statement.where(col(DraftLink.unit_id) == unit_id)
    result = session.execute(statement.values(revoked_at=now()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def public_base(settings: Settings) -> str:
    """BAOCAO_PUBLIC_URL; while it is unset, the bot's own web server (BAOCAO_WEB_LISTEN),
    which opens on this machine only: a first try works, and `baocao doctor` says so."""
    if settings.public_url and settings.public_url.strip():
        return settings.public_url.strip()
    host, _, port = settings.web_listen.strip().rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"  # listening everywhere: this machine reaches it on loopback
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def configured(settings: Settings) -> DraftLinks:
    """The deployment's draft links, on BAOCAO_PUBLIC_URL (or the local web server)."""
    lifetime = timedelta(hours=settings.draft_link_hours)
    return DraftLinks(secret_key(settings), public_base(settings), lifetime)

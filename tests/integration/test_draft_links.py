"""Signed draft links: tampered, expired, revoked, another unit's, a member gone; the secret."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlmodel import Session, col, select

from bot.cli import app
from bot.core.clock import VIETNAM
from bot.core.settings import Settings
from bot.store.database import Database
from bot.texts import t
from bot.workflow.draft_links import (
    SECRET_FILE,
    DraftLinks,
    IssuedLink,
    LinkRefusedError,
    Refusal,
    configured,
    revoke,
    secret_key,
)
from bot.workflow.members import remove_member
from models import DraftLink
from tests.support.cli import runner
from tests.support.factories import OpenUnit, open_unit
from tests.support.web import tampered

SECRET = "s" * 48
START = datetime(2026, 12, 7, 9, 0, tzinfo=VIETNAM)


def links(secret: str = SECRET, hours: float = 24) -> DraftLinks:
    return DraftLinks(secret, "https://baocao.example.edu.vn/", timedelta(hours=hours))


def issue(session: Session, unit: OpenUnit, signer: DraftLinks | None = None) -> IssuedLink:
    return (signer or links()).issue(
        session, member=unit.director, period=unit.period, made_at=START
    )


def refusal(session: Session, token: str, signer: DraftLinks | None = None) -> Refusal:
    with pytest.raises(LinkRefusedError) as refused:
        (signer or links()).open(session, token)
    return refused.value.reason


@time_machine.travel(START, tick=False)
def test_a_link_opens_its_draft_for_its_member(database: Database) -> None:
    with database.session() as session:
        unit = open_unit(session)
        link = issue(session, unit)
        assert link.url == f"https://baocao.example.edu.vn/d/{link.token}"
        assert link.preview_url == f"https://baocao.example.edu.vn/d/{link.token}/preview-1.png"
        opened = links().open(session, link.token)
        assert (opened.member.id, opened.unit.id, opened.period.id) == (
            unit.director.id,
            unit.unit.id,
            unit.period.id,
        )
        assert opened.made_at == START
        assert opened.expires_at == START + timedelta(hours=24)


@time_machine.travel(START, tick=False)
def test_a_changed_token_is_refused(database: Database) -> None:
    with database.session() as session:
        link = issue(session, open_unit(session))
        for token in (tampered(link.token), link.token[:-3], "abc", "", f"x{link.token}"):
            assert refusal(session, token) is Refusal.INVALID
        # Signed by another secret (the secret changed): every old link is refused.
        assert refusal(session, link.token, links(secret="t" * 48)) is Refusal.INVALID


def test_a_link_expires_after_its_lifetime(database: Database) -> None:
    with time_machine.travel(START, tick=False) as clock, database.session() as session:
        link = issue(session, open_unit(session), links(hours=24))
        clock.move_to(START + timedelta(hours=23, minutes=59))
        links().open(session, link.token)
        clock.move_to(START + timedelta(hours=24))
        assert refusal(session, link.token) is Refusal.EXPIRED


def test_expired_links_rows_go_when_a_new_link_is_issued(database: Database) -> None:
    with time_machine.travel(START, tick=False) as clock, database.session() as session:
        unit = open_unit(session)
        expired, revoked = issue(session, unit, links(hours=1)), issue(session, unit)
        revoke(session, link_id=revoked.link_id)
        clock.move_to(START + timedelta(hours=1, seconds=1))
        fresh = issue(session, unit)
        kept = session.exec(select(DraftLink.id).order_by(col(DraftLink.id))).all()
        # The revoked link has not expired yet: its row stays, to say it was revoked.
        assert kept == [revoked.link_id, fresh.link_id]
        assert refusal(session, expired.token) is Refusal.EXPIRED
        assert refusal(session, revoked.token) is Refusal.REVOKED
        links().open(session, fresh.token)


def test_the_lifetime_is_a_setting(database: Database) -> None:
    with time_machine.travel(START, tick=False) as clock, database.session() as session:
        link = issue(session, open_unit(session), links(hours=2))
        clock.move_to(START + timedelta(hours=2, seconds=1))
        assert refusal(session, link.token) is Refusal.EXPIRED


@time_machine.travel(START, tick=False)
def test_a_revoked_link_is_refused_and_others_still_open(database: Database) -> None:
    with database.session() as session:
        unit = open_unit(session)
        first, second = issue(session, unit), issue(session, unit)
        assert revoke(session, link_id=first.link_id) == 1
        assert refusal(session, first.token) is Refusal.REVOKED
        links().open(session, second.token)
        assert revoke(session, member_id=unit.director.id) == 1  # the one still live
        assert refusal(session, second.token) is Refusal.REVOKED
        with pytest.raises(ValueError):
            revoke(session)


@time_machine.travel(START, tick=False)
def test_revoking_a_unit_leaves_other_units_links(database: Database) -> None:
    with database.session() as session:
        mine = open_unit(session)
        theirs = open_unit(session, name="Trường THCS Lê Lợi", director="Trần Văn Bình")
        my_link, their_link = issue(session, mine), issue(session, theirs)
        assert revoke(session, unit_id=theirs.unit.id) == 1
        assert refusal(session, their_link.token) is Refusal.REVOKED
        links().open(session, my_link.token)


@time_machine.travel(START, tick=False)
def test_a_link_cannot_be_pointed_at_another_unit(database: Database) -> None:
    with database.session() as session:
        mine = open_unit(session)
        theirs = open_unit(session, name="Trường THCS Lê Lợi", director="Trần Văn Bình")
        link = issue(session, mine)
        # A correctly signed token whose row names another unit's period: refused.
        forged = links()._signer.dumps(
            [link.link_id, mine.director.id, theirs.unit.id, theirs.period.id, 2_000_000_000]
        )
        assert refusal(session, str(forged)) is Refusal.INVALID
        # A member issued a link for another unit's period never gets it opened.
        other = links().issue(session, member=mine.director, period=theirs.period, made_at=START)
        assert refusal(session, other.token) is Refusal.FORBIDDEN


@time_machine.travel(START, tick=False)
def test_a_member_who_left_or_is_staff_cannot_open_a_link(database: Database) -> None:
    with database.session() as session:
        unit = open_unit(session)
        deputy = unit.member(session, "Lê Thị Hoa", role="deputy")
        staff = unit.member(session, "Phạm Văn An")
        deputy_link = links().issue(session, member=deputy, period=unit.period, made_at=START)
        staff_link = links().issue(session, member=staff, period=unit.period, made_at=START)
        links().open(session, deputy_link.token)
        remove_member(session, target_id=deputy.id, unit_id=unit.unit.id, actor=unit.director)  # type: ignore[arg-type]
        assert refusal(session, deputy_link.token) is Refusal.FORBIDDEN
        assert refusal(session, staff_link.token) is Refusal.FORBIDDEN


def test_the_secret_is_generated_once_into_the_data_folder(tmp_path: Path) -> None:
    settings = Settings(BAOCAO_DATA_DIR=tmp_path / "data", BAOCAO_SECRET_KEY=None)  # type: ignore[call-arg]
    first = secret_key(settings)
    path = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert secret_key(settings) == first  # kept, not made again
    given = Settings(BAOCAO_DATA_DIR=tmp_path / "data", BAOCAO_SECRET_KEY="k" * 40)  # type: ignore[call-arg]
    assert secret_key(given) == "k" * 40


@pytest.mark.parametrize(
    ("listen", "base"),
    [
        ("127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("0.0.0.0:9000", "http://127.0.0.1:9000"),
        ("[::]:9000", "http://127.0.0.1:9000"),
        ("[::1]:8443", "http://[::1]:8443"),
        ("baocao.lan:80", "http://baocao.lan:80"),
    ],
)
def test_without_a_public_url_links_use_the_bots_own_web_server(
    tmp_path: Path, listen: str, base: str
) -> None:
    unset = Settings(  # type: ignore[call-arg]
        BAOCAO_DATA_DIR=tmp_path, BAOCAO_PUBLIC_URL=None, BAOCAO_WEB_LISTEN=listen
    )
    assert configured(unset).public_url == base


def test_links_use_the_public_url_when_set(tmp_path: Path) -> None:
    public = Settings(  # type: ignore[call-arg]
        BAOCAO_DATA_DIR=tmp_path,
        BAOCAO_PUBLIC_URL="https://bc.example.vn/",
        BAOCAO_DRAFT_LINK_HOURS=6,
    )
    made = configured(public)
    assert made is not None and made.public_url == "https://bc.example.vn"
    assert made.lifetime == timedelta(hours=6)


def test_an_operator_revokes_a_members_links_from_the_command_line(
    cli_database: Database,
) -> None:
    with time_machine.travel(START, tick=False), cli_database.session() as session:
        unit = open_unit(session)
        other = open_unit(session, name="Trường THCS Lê Lợi", director="Trần Văn Bình")
        mine, kept = issue(session, unit), issue(session, other)
        member_id = unit.director.id
    refused = runner.invoke(app, ["draft-link", "revoke"])
    assert refused.exit_code == 2
    done = runner.invoke(app, ["draft-link", "revoke", "--member", str(member_id)])
    assert done.exit_code == 0, done.output
    assert t("cli.draft_link.revoked", count=1) in done.output
    with time_machine.travel(START, tick=False), cli_database.session() as session:
        assert refusal(session, mine.token) is Refusal.REVOKED
        links().open(session, kept.token)

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.adapters.snapshot import read_snapshot, read_version
from store import provisioning as p
from store.db import create_schema, make_engine, make_sessionmaker
from store.models import Extension, User
from store.secrets import sip_ha1, verify_web_password
from store.seed import DEMO_ADMIN_LOGIN, seed_demo

REALM = "switchboard"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[object, object]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    create_schema(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as session, session.begin():
        seed_demo(session, REALM)
    yield engine, sessions
    engine.dispose()


def test_seed_gives_the_documented_demo_data(db: tuple) -> None:  # type: ignore[type-arg]
    engine, _ = db
    snap = read_snapshot(engine)
    usernames = {a.username for a in snap.accounts}
    assert usernames == {f"demo-{n}" for n in range(5000, 5010)}
    dids = {d.number: (d.kind, d.target) for d in snap.dids}
    assert dids == {
        "+15550100": ("agent_group", "support"),
        "+15550101": ("extension", "demo-5000"),
    }
    assert [(t.name, t.address) for t in snap.trunks] == [("carrier", "127.0.0.2")]


def test_sip_secrets_are_stored_only_as_ha1(db: tuple, tmp_path: Path) -> None:  # type: ignore[type-arg]
    engine, sessions = db
    with sessions() as session:
        ext = session.scalars(select(Extension).where(Extension.number == "5001")).one()
        assert ext.sip_ha1 == sip_ha1("demo-5001", REALM, "demo5001")
    engine.dispose()
    raw = (tmp_path / "store.sqlite3").read_bytes()
    assert b"demo5001" not in raw and b"demo5009" not in raw


def test_web_password_differs_from_sip_secrets(db: tuple) -> None:  # type: ignore[type-arg]
    _, sessions = db
    with sessions() as session:
        admin = session.scalars(select(User).where(User.login == DEMO_ADMIN_LOGIN)).one()
        assert not verify_web_password(admin.password_hash, "demo5001")


def test_extension_secret_equal_to_owners_web_password_is_refused(db: tuple) -> None:  # type: ignore[type-arg]
    _, sessions = db
    with sessions() as session, session.begin():
        team = p.team_by_slug(session, "demo")
        owner = p.create_user(session, team, "bob@demo", "same-secret", "agent")
        with pytest.raises(p.ProvisioningError, match="must differ"):
            p.add_extension(session, team, "5100", "same-secret", REALM, owner)


def test_every_provisioning_commit_moves_the_version(db: tuple) -> None:  # type: ignore[type-arg]
    engine, sessions = db
    before = read_version(engine)
    with sessions() as session, session.begin():
        p.add_extension(session, p.team_by_slug(session, "demo"), "5010", "s3cret-5010", REALM)
    assert read_version(engine) > before


def test_failed_change_leaves_no_half_written_data_nor_new_version(db: tuple) -> None:  # type: ignore[type-arg]
    engine, sessions = db
    before = read_version(engine)
    with pytest.raises(Exception):
        with sessions() as session, session.begin():
            team = p.team_by_slug(session, "demo")
            p.add_extension(session, team, "5011", "s3cret-5011", REALM)
            p.add_extension(session, team, "5001", "dup", REALM)  # duplicate number
    assert read_version(engine) == before
    with Session(engine) as session:
        assert session.scalars(select(Extension).where(Extension.number == "5011")).first() is None


def test_did_cannot_point_at_another_teams_extension(db: tuple) -> None:  # type: ignore[type-arg]
    _, sessions = db
    with sessions() as session, session.begin():
        acme = p.create_team(session, "acme", "Acme")
        demo_ext = p.extension_by_number(session, p.team_by_slug(session, "demo"), "5001")
        with pytest.raises(p.ProvisioningError, match="own team"):
            p.route_did(session, acme, "+15550999", extension=demo_ext)


@pytest.mark.parametrize("slug", ["Demo", "de-mo", "", "dé"])
def test_team_ids_are_lowercase_letters_and_digits(db: tuple, slug: str) -> None:  # type: ignore[type-arg]
    _, sessions = db
    with sessions() as session, session.begin():
        with pytest.raises(p.ProvisioningError):
            p.create_team(session, slug, "x")

"""Store rules against a real SQLite file (and PostgreSQL: see tests/integration/test_store_postgres.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.adapters.snapshot import read_snapshot, read_version
from store import provisioning as p
from store.errors import Duplicate, InUse, Invalid, Unavailable
from store.models import Extension, User
from store.secrets import sip_ha1, verify_web_password
from store.seed import DEMO_ADMIN_LOGIN
from tests.support.store import REALM, SeededStore


def test_seed_gives_the_documented_demo_data(store: SeededStore) -> None:
    snap = read_snapshot(store.engine)
    assert {a.username for a in snap.accounts} == {f"demo-{n}" for n in range(5000, 5010)}
    dids = {d.number: (d.kind, d.target) for d in snap.dids}
    assert dids == {
        "+15550100": ("agent_group", "support"),
        "+15550101": ("extension", "demo-5000"),
    }
    assert [(t.name, t.address) for t in snap.trunks] == [("carrier", "127.0.0.2")]
    with store.sessions() as session:
        team = p.get_team(session, "demo")
        agents = {
            a.number: a.extension.number for a in p.get_agent_group(session, team, "support").agents
        }
        assert agents == {
            "1001": "5001",
            "1002": "5002",
            "1003": "5003",
            "1004": "5004",
            "1005": "5005",
        }


def test_sip_secrets_are_stored_only_as_ha1(store: SeededStore) -> None:
    with store.sessions() as session:
        ext = session.scalars(select(Extension).where(Extension.number == "5001")).one()
        assert ext.sip_ha1 == sip_ha1("demo-5001", REALM, "demo5001")
    raw = store.raw_bytes()
    if raw is not None:
        assert b"demo5001" not in raw and b"demo5009" not in raw


def test_web_password_differs_from_sip_secrets(store: SeededStore) -> None:
    with store.sessions() as session:
        admin = session.scalars(select(User).where(User.login == DEMO_ADMIN_LOGIN)).one()
        assert not verify_web_password(admin.password_hash, "demo5001")


def test_extension_secret_equal_to_owners_web_password_is_refused(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        p.create_user(session, team, "bob@demo", "same-secret", "agent")
        with pytest.raises(Invalid, match="differ"):
            p.create_extension(
                session, team, "5100", REALM, sip_secret="same-secret", owner="bob@demo"
            )


def test_every_provisioning_commit_moves_the_version(store: SeededStore) -> None:
    before = read_version(store.engine)
    with store.sessions() as session, session.begin():
        p.create_extension(
            session, p.get_team(session, "demo"), "5010", REALM, sip_secret="s3cret-5010"
        )
    assert read_version(store.engine) > before


def test_failed_change_leaves_no_half_written_data_nor_new_version(store: SeededStore) -> None:
    before = read_version(store.engine)
    with pytest.raises(Duplicate), store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        p.create_extension(session, team, "5011", REALM, sip_secret="s3cret-5011")
        p.create_extension(session, team, "5001", REALM, sip_secret="duplicate1")
    assert read_version(store.engine) == before
    with Session(store.engine) as session:
        assert session.scalars(select(Extension).where(Extension.number == "5011")).first() is None


def test_did_cannot_point_at_another_teams_extension(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        acme = p.create_team(session, "acme", "Acme")
        with pytest.raises(Invalid, match="no extension '5001'"):
            p.create_did(session, acme, "+15550999", {"kind": "extension", "ref": "5001"})


@pytest.mark.parametrize("slug", ["Demo", "de-mo", "", "dé", "9lives"])
def test_team_ids_are_lowercase_letters_and_digits(store: SeededStore, slug: str) -> None:
    with store.sessions() as session, session.begin(), pytest.raises(Invalid):
        p.create_team(session, slug, "x")


def test_extension_bound_to_a_fixed_agent_cannot_be_deleted(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        with pytest.raises(InUse) as refused:
            p.delete_extension(session, p.get_extension(session, team, "5001"))
    assert refused.value.details["used_by"] == ["agent 1001 (fixed binding)"]


def test_agent_group_with_a_did_cannot_be_deleted(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        with pytest.raises(InUse) as refused:
            p.delete_agent_group(session, p.get_agent_group(session, team, "support"))
    assert "DID +15550100" in refused.value.details["used_by"]
    assert "agent 1001 (its only group)" in refused.value.details["used_by"]


def test_extension_used_by_a_did_names_it(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        with pytest.raises(InUse, match=r"DID \+15550101"):
            p.delete_extension(session, p.get_extension(session, team, "5000"))


def test_extension_and_ring_group_share_the_short_number_plan(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        with pytest.raises(Duplicate):
            p.create_ring_group(session, team, "5001", members=["5002"])
        p.create_ring_group(session, team, "600", members=["5006", "5007"], strategy="sequential")
        with pytest.raises(Duplicate):
            p.create_extension(session, team, "600", REALM, sip_secret="whatever-600")


def test_fixed_agent_needs_a_free_sip_extension(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        with pytest.raises(Duplicate, match="already bound to agent 1001"):
            p.create_agent(session, team, "1006", "1006", groups=["support"], extension="5001")
        with pytest.raises(Invalid, match="needs its extension"):
            p.create_agent(session, team, "1006", "1006", groups=["support"])
        with pytest.raises(Invalid, match="at least one agent group"):
            p.create_agent(session, team, "1006", "1006", groups=[], binding="dynamic")


def test_working_way_must_be_allowed_by_the_agents_groups(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        p.create_agent_group(session, team, "outbound", allowed_working_ways=["dial_out"])
        with pytest.raises(Invalid, match="not allowed in agent group outbound"):
            p.create_agent(session, team, "1007", "1007", groups=["outbound"], binding="dynamic")
        p.create_agent(
            session,
            team,
            "1007",
            "1007",
            groups=["outbound"],
            binding="dynamic",
            working_way="dial_out",
        )


def test_trunk_in_use_by_the_team_default_is_refused(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        with pytest.raises(InUse, match="team demo"):
            p.delete_trunk(session, p.get_trunk(session, team, "carrier"))


def test_two_trunks_cannot_share_a_source_address(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.create_team(session, "acme", "Acme")
        with pytest.raises(Unavailable) as refused:  # another team's: nothing named
            p.create_trunk(session, team, "other", address="127.0.0.2")
        assert refused.value.details == {"field": "address"} and "demo" not in str(refused.value)
        with pytest.raises(Duplicate, match="carrier"):  # its own team's: named
            p.create_trunk(session, p.get_team(session, "demo"), "other", address="127.0.0.2")


@pytest.mark.parametrize(
    ("field", "create"),
    [
        (
            "groups",
            lambda s, t: p.create_agent(s, t, "1009", "1009", groups=["nosuch"], binding="dynamic"),
        ),
        (
            "extension",
            lambda s, t: p.create_agent(s, t, "1009", "1009", groups=["support"], extension="5999"),
        ),
        (
            "owner",
            lambda s, t: p.create_extension(
                s, t, "5100", REALM, sip_secret="s3cret-5100", owner="nobody"
            ),
        ),
        ("pause_reasons", lambda s, t: p.create_agent_group(s, t, "sales", pause_reasons=["nap"])),
        ("members", lambda s, t: p.create_ring_group(s, t, "600", members=["5999"])),
        ("trunks", lambda s, t: p.create_trunk_group(s, t, "out", trunks=["nosuch"])),
        ("trunk", lambda s, t: p.create_user_group(s, t, "staff", trunk="nosuch")),
        ("default_trunk", lambda s, t: p.update_team(s, t, {"default_trunk": "nosuch"})),
    ],
)
def test_a_missing_object_named_in_the_input_is_invalid_naming_the_field(
    store: SeededStore, field: str, create: object
) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        with pytest.raises(Invalid) as refused:
            create(session, team)  # type: ignore[operator]
    assert refused.value.details["field"] == field
    assert "not found" in refused.value.details["reason"]


def test_the_last_team_admin_can_be_neither_demoted_nor_deleted(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        admin = p.get_user(session, team, DEMO_ADMIN_LOGIN)
        with pytest.raises(InUse, match="last team admin of team demo"):
            p.update_user(session, admin, {"role": "user"})
        with pytest.raises(InUse, match="team demo as its last team admin"):
            p.delete_user(session, admin)
        p.create_user(session, team, "second@demo", "second-admin", "team_admin")
        p.update_user(session, admin, {"role": "user"})
        assert admin.role == "user"

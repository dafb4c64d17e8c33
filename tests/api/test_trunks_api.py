"""/teams/{team}/trunks and /trunk-groups: carriers (password write-only) and their order."""

from __future__ import annotations

from sqlalchemy import select

from store import encryption
from store.models import Trunk
from tests.api.conftest import Api
from tests.api.helpers import Headers, assert_in_use, assert_invalid

TRUNKS = "/api/v1/teams/demo/trunks"
GROUPS = "/api/v1/teams/demo/trunk-groups"
REGISTERING = {
    "name": "voip",
    "host": "sip.carrier.example",
    "username": "demo-account",
    "password": "carrier-s3cret",
    "codecs": ["G722", "PCMU"],
    "caller_id": "+15550100",
    "strip_digits": 1,
    "add_prefix": "00",
    "max_calls": 10,
    "port": 5080,
}


def test_given_a_trunk_with_a_password_when_read_then_only_has_password_shows(
    api: Api, demo_admin: Headers
) -> None:
    created = api.client.post(TRUNKS, headers=demo_admin, json=REGISTERING)
    assert created.status_code == 201, created.text
    expected = {
        **{k: v for k, v in REGISTERING.items() if k != "password"},
        "address": None,
        "has_password": True,
        "registers": True,
        "registration": "unknown",  # no edge has reported it (no Redis here)
    }
    assert created.json() == expected
    for response in (
        created,
        api.client.get(f"{TRUNKS}/voip", headers=demo_admin),
        api.client.get(TRUNKS, headers=demo_admin),
    ):
        assert "carrier-s3cret" not in response.text and '"password"' not in response.text
    with api.sessions() as session:
        stored = session.scalars(select(Trunk.password_encrypted).where(Trunk.name == "voip")).one()
    assert stored is not None and "carrier-s3cret" not in stored  # encrypted at rest
    assert encryption.decrypt(stored) == "carrier-s3cret"


def test_given_a_trunk_when_changed_and_deleted_then_each_step_shows(
    api: Api, demo_admin: Headers
) -> None:
    api.client.post(TRUNKS, headers=demo_admin, json=REGISTERING)
    changed = api.client.patch(
        f"{TRUNKS}/voip",
        headers=demo_admin,
        json={"address": "127.0.0.9", "username": None, "password": None, "codecs": ["PCMA"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["has_password"] is False and changed.json()["codecs"] == ["PCMA"]
    assert changed.json()["address"] == "127.0.0.9" and changed.json()["username"] is None
    assert [t["name"] for t in api.client.get(TRUNKS, headers=demo_admin).json()] == [
        "carrier",
        "voip",
    ]
    assert api.client.delete(f"{TRUNKS}/voip", headers=demo_admin).status_code == 204
    assert api.client.get(f"{TRUNKS}/voip", headers=demo_admin).status_code == 404


def test_when_trunk_input_is_bad_then_422_names_the_field(api: Api, demo_admin: Headers) -> None:
    cases = [
        ({"name": "x", "address": "carrier.example"}, "address"),
        ({"name": "x"}, "address"),  # neither an address nor a login
        ({"name": "x", "address": "127.0.0.9", "port": 0}, "port"),
        ({"name": "x", "address": "127.0.0.9", "codecs": []}, "codecs"),
        ({"name": "x", "address": "127.0.0.9", "codecs": ["PCMU", "PCMU"]}, "codecs"),
        ({"name": "x", "address": "127.0.0.9", "max_calls": -1}, "max_calls"),
        ({"name": "x", "address": "127.0.0.9", "caller_id": "anonymous"}, "caller_id"),
        ({"name": "x", "address": "127.0.0.9", "transport": "tls"}, "transport"),
        ({"name": "x", "address": "127.0.0.9", "port": None}, "port"),
        # Without an address a trunk registers: it needs a host and a password.
        ({"name": "x", "username": "acct", "password": "pw"}, "host"),
        ({"name": "x", "username": "acct", "host": "sip.carrier.example"}, "password"),
        ({"name": "x", "address": "127.0.0.9", "host": "sip.carrier.example:5060"}, "host"),
        ({"name": "x", "address": "127.0.0.9", "username": "a", "password": "p\nw"}, "password"),
    ]
    for payload, field in cases:
        assert_invalid(api.client.post(TRUNKS, headers=demo_admin, json=payload), field)
    assert_invalid(
        api.client.patch(f"{TRUNKS}/carrier", headers=demo_admin, json={"address": None}), "address"
    )
    assert_invalid(
        api.client.patch(f"{TRUNKS}/carrier", headers=demo_admin, json={"codecs": None}), "codecs"
    )
    assert [t["name"] for t in api.client.get(TRUNKS, headers=demo_admin).json()] == ["carrier"]


def test_a_duplicate_name_or_source_address_is_409_without_naming_the_other_team(
    api: Api, demo_admin: Headers
) -> None:
    response = api.client.post(
        TRUNKS, headers=demo_admin, json={"name": "carrier", "address": "127.0.0.9"}
    )
    assert response.status_code == 409 and response.json()["details"]["field"] == "name"
    response = api.client.post(
        TRUNKS, headers=demo_admin, json={"name": "other", "address": "127.0.0.4"}
    )  # acme's, and not allowed to demo: refused for that reason alone
    assert response.status_code == 403, response.text
    assert response.json()["error_id"] == "trunk_address_not_allowed"
    assert response.json()["details"]["field"] == "address"
    assert "acme" not in response.text.lower() and "carrier" not in response.text


def test_a_trunk_used_by_the_team_default_or_a_trunk_group_cannot_be_deleted(
    api: Api, demo_admin: Headers
) -> None:
    assert_in_use(
        api.client.delete(f"{TRUNKS}/carrier", headers=demo_admin), "team demo (default trunk)"
    )
    api.client.post(TRUNKS, headers=demo_admin, json={"name": "backup", "address": "127.0.0.9"})
    api.client.post(GROUPS, headers=demo_admin, json={"name": "out", "trunks": ["backup"]})
    assert_in_use(api.client.delete(f"{TRUNKS}/backup", headers=demo_admin), "trunk group out")


def test_given_ordered_trunks_when_a_group_is_made_and_reordered_then_the_order_holds(
    api: Api, demo_admin: Headers
) -> None:
    api.client.post(TRUNKS, headers=demo_admin, json={"name": "backup", "address": "127.0.0.9"})
    created = api.client.post(
        GROUPS, headers=demo_admin, json={"name": "out", "trunks": ["backup", "carrier"]}
    )
    assert created.status_code == 201, created.text
    assert created.json() == {"name": "out", "policy": "failover", "trunks": ["backup", "carrier"]}
    changed = api.client.patch(
        f"{GROUPS}/out",
        headers=demo_admin,
        json={"policy": "round_robin", "trunks": ["carrier", "backup"]},
    )
    assert changed.json() == {
        "name": "out",
        "policy": "round_robin",
        "trunks": ["carrier", "backup"],
    }
    assert api.client.get(GROUPS, headers=demo_admin).json() == [changed.json()]
    assert api.client.delete(f"{GROUPS}/out", headers=demo_admin).status_code == 204
    assert api.client.get(f"{GROUPS}/out", headers=demo_admin).status_code == 404


def test_when_trunk_group_input_is_bad_then_422_names_the_field(
    api: Api, demo_admin: Headers
) -> None:
    cases = [
        ({"name": "out", "trunks": []}, "trunks"),
        ({"name": "out", "trunks": ["carrier", "carrier"]}, "trunks"),
        ({"name": "out", "trunks": ["nosuch"]}, "trunks"),
        ({"name": "out", "trunks": ["carrier"], "policy": "random"}, "policy"),
        ({"name": "out"}, "trunks"),
    ]
    for payload, field in cases:
        assert_invalid(api.client.post(GROUPS, headers=demo_admin, json=payload), field)
    assert api.client.get(GROUPS, headers=demo_admin).json() == []


def test_a_trunk_group_that_is_the_team_default_cannot_be_deleted(
    api: Api, demo_admin: Headers
) -> None:
    api.client.post(GROUPS, headers=demo_admin, json={"name": "out", "trunks": ["carrier"]})
    response = api.client.post(
        GROUPS, headers=demo_admin, json={"name": "out", "trunks": ["carrier"]}
    )
    assert response.status_code == 409
    api.client.patch("/api/v1/teams/demo", headers=demo_admin, json={"default_trunk_group": "out"})
    assert_in_use(
        api.client.delete(f"{GROUPS}/out", headers=demo_admin), "team demo (default trunk group)"
    )

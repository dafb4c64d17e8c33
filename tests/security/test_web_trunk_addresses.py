"""A team's trunks use only source addresses a system admin allowed the team: a team admin
cannot claim another tenant's address (and with it their phones' calls) as a trunk."""

from __future__ import annotations

from tests.api.conftest import TEST_DEMO_TRUNKS, Api
from tests.api.helpers import Headers, assert_in_use, assert_invalid

TEAM = "/api/v1/teams/demo"
TRUNKS = f"{TEAM}/trunks"


def assert_not_allowed(response_status: int, body: dict[str, object]) -> None:
    assert response_status == 403, body
    assert body["error_id"] == "trunk_address_not_allowed", body
    assert body["details"] == {"field": "address"}, body


def test_given_an_address_not_allowed_when_a_team_admin_makes_a_trunk_there_then_403(
    api: Api, demo_admin: Headers
) -> None:
    created = api.client.post(
        TRUNKS, headers=demo_admin, json={"name": "x", "address": "127.0.0.5"}
    )
    assert_not_allowed(created.status_code, created.json())
    moved = api.client.patch(f"{TRUNKS}/carrier", headers=demo_admin, json={"address": "127.0.0.5"})
    assert_not_allowed(moved.status_code, moved.json())
    # An allowed address works; a trunk that registers (host and credentials) needs none.
    ok = api.client.post(TRUNKS, headers=demo_admin, json={"name": "y", "address": "127.0.0.9"})
    assert ok.status_code == 201, ok.text
    login = api.client.post(
        TRUNKS,
        headers=demo_admin,
        json={"name": "z", "host": "sip.carrier.example", "username": "acct", "password": "pw-1"},
    )
    assert login.status_code == 201, login.text


def test_only_a_system_admin_sets_the_allowed_addresses(
    api: Api, demo_admin: Headers, sysadmin: Headers
) -> None:
    team = api.client.get(TEAM, headers=demo_admin).json()
    assert team["allowed_trunk_addresses"] == sorted(TEST_DEMO_TRUNKS)  # readable by the team
    refused = api.client.patch(
        TEAM, headers=demo_admin, json={"allowed_trunk_addresses": ["127.0.0.5"]}
    )
    assert refused.status_code == 403 and refused.json()["error_id"] == "forbidden"
    allowed = api.client.patch(
        TEAM,
        headers=sysadmin,
        json={"allowed_trunk_addresses": ["127.0.0.2", "127.0.0.9", "10.1.0.0/24"]},
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["allowed_trunk_addresses"] == ["10.1.0.0/24", "127.0.0.2", "127.0.0.9"]
    created = api.client.post(
        TRUNKS, headers=demo_admin, json={"name": "branch", "address": "10.1.0.7"}
    )
    assert created.status_code == 201, created.text


def test_the_list_cannot_leave_out_an_address_in_use(api: Api, sysadmin: Headers) -> None:
    response = api.client.patch(TEAM, headers=sysadmin, json={"allowed_trunk_addresses": []})
    assert_in_use(response, "trunk carrier (127.0.0.2)")
    response = api.client.patch(
        TEAM, headers=sysadmin, json={"allowed_trunk_addresses": ["127.0.0.2", "not-an-ip"]}
    )
    assert_invalid(response, "allowed_trunk_addresses")

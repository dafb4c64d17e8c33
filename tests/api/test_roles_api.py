"""Who may read and change the team's configuration, resource by resource."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.helpers import Headers, agent, api_key, group_admin, new_user

TEAM = "/api/v1/teams/demo"
# One object to read, and a valid new one to create, per configuration resource.
CONFIG = {
    "extensions": ("5001", {"number": "5100", "sip_secret": "a-good-secret"}),
    "agents": (
        "1001",
        {"number": "1100", "password": "110000", "binding": "dynamic", "groups": ["support"]},
    ),
    "agent-groups": ("support", {"name": "sales"}),
    "pause-reasons": ("lunch", {"name": "coaching"}),
    "trunks": ("carrier", {"name": "backup", "address": "127.0.0.9"}),
    "trunk-groups": (None, {"name": "out", "trunks": ["carrier"]}),
    "dids": ("+15550100", {"number": "+15550111", "destination": {"kind": "hangup"}}),
    "ring-groups": (None, {"number": "600", "members": ["5006"]}),
}


@pytest.mark.parametrize("resource", CONFIG)
def test_a_read_key_reads_configuration_but_cannot_change_it(api: Api, resource: str) -> None:
    key = api_key(api, "demo", "read")
    existing, new = CONFIG[resource]
    assert api.client.get(f"{TEAM}/{resource}", headers=key).status_code == 200
    assert api.client.post(f"{TEAM}/{resource}", headers=key, json=new).status_code == 403
    if existing is not None:
        assert api.client.get(f"{TEAM}/{resource}/{existing}", headers=key).status_code == 200
        if resource != "pause-reasons":  # a reason is only a name: nothing to change
            assert (
                api.client.patch(f"{TEAM}/{resource}/{existing}", headers=key, json={}).status_code
                == 403
            )
        assert api.client.delete(f"{TEAM}/{resource}/{existing}", headers=key).status_code == 403


@pytest.mark.parametrize("resource", CONFIG)
def test_a_write_key_changes_configuration(api: Api, resource: str) -> None:
    response = api.client.post(
        f"{TEAM}/{resource}", headers=api_key(api, "demo", "write"), json=CONFIG[resource][1]
    )
    assert response.status_code == 201, response.text


def test_a_plain_user_an_agent_and_a_group_admin_cannot_read_team_configuration(
    api: Api, demo_admin: Headers
) -> None:
    readers = {
        "a plain user": new_user(api, demo_admin, "plain@demo"),
        "a web user with the agent role": new_user(api, demo_admin, "ann@demo", role="agent"),
        "an agent": agent(api),
        "a group admin": group_admin(api, demo_admin),
    }
    for who, headers in readers.items():
        for resource in (
            "extensions",
            "pause-reasons",
            "trunks",
            "trunk-groups",
            "dids",
            "ring-groups",
        ):
            assert api.client.get(f"{TEAM}/{resource}", headers=headers).status_code == 403, (
                who,
                resource,
            )
        for resource, (_, new) in CONFIG.items():
            assert (
                api.client.post(f"{TEAM}/{resource}", headers=headers, json=new).status_code == 403
            ), (who, resource)
        assert api.client.patch(TEAM, headers=headers, json={"name": "Mine"}).status_code == 403, (
            who
        )
    plain = readers["a plain user"]
    assert api.client.get(f"{TEAM}/agents", headers=plain).status_code == 403
    assert api.client.get(f"{TEAM}/agent-groups", headers=plain).status_code == 403
    assert api.client.get(f"{TEAM}/agents/1001", headers=plain).status_code == 403


def test_a_system_admin_configures_any_team(api: Api, sysadmin: Headers) -> None:
    for team in ("demo", "acme"):
        response = api.client.post(
            f"/api/v1/teams/{team}/pause-reasons", headers=sysadmin, json={"name": "coaching"}
        )
        assert response.status_code == 201, response.text


def test_changing_a_password_ends_the_old_sessions(api: Api, demo_admin: dict[str, str]) -> None:
    created = api.client.post(
        "/api/v1/teams/demo/users",
        headers=demo_admin,
        json={"login": "carol@demo", "password": "first-password", "role": "team_admin"},
    )
    assert created.status_code == 201, created.text
    carol = api.token("carol@demo", "first-password")
    assert api.client.get("/api/v1/me", headers=carol).status_code == 200
    changed = api.client.patch(
        "/api/v1/teams/demo/users/carol@demo",
        headers=demo_admin,
        json={"password": "second-password"},
    )
    assert changed.status_code == 200, changed.text
    assert api.client.get("/api/v1/me", headers=carol).status_code == 401


def test_the_public_landing_page_shows_no_teams_data(api: Api) -> None:
    page = api.client.get("/").text
    assert "acme" not in page and "demo-5009" not in page

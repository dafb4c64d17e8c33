"""/teams/{team}/user-groups: members and the outbound trunk (or trunk group) they use."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.helpers import Headers, assert_in_use, assert_invalid, new_user

BASE = "/api/v1/teams/demo/user-groups"


def test_given_members_and_a_trunk_when_created_changed_and_deleted_then_each_step_shows(
    api: Api, demo_admin: Headers
) -> None:
    new_user(api, demo_admin, "ann@demo")
    created = api.client.post(
        BASE,
        headers=demo_admin,
        json={"name": "sales", "members": ["ann@demo", "admin@demo"], "trunk": "carrier"},
    )
    assert created.status_code == 201, created.text
    assert created.json() == {
        "name": "sales",
        "members": ["admin@demo", "ann@demo"],
        "trunk": "carrier",
        "trunk_group": None,
    }
    assert api.client.get("/api/v1/teams/demo/users/ann@demo", headers=demo_admin).json()[
        "user_groups"
    ] == ["sales"]
    api.client.post(
        "/api/v1/teams/demo/trunk-groups",
        headers=demo_admin,
        json={"name": "out", "trunks": ["carrier"]},
    )
    changed = api.client.patch(
        f"{BASE}/sales",
        headers=demo_admin,
        json={"members": ["ann@demo"], "trunk": None, "trunk_group": "out"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "name": "sales",
        "members": ["ann@demo"],
        "trunk": None,
        "trunk_group": "out",
    }
    assert [g["name"] for g in api.client.get(BASE, headers=demo_admin).json()] == ["sales"]
    assert api.client.delete(f"{BASE}/sales", headers=demo_admin).status_code == 204
    assert api.client.get(f"{BASE}/sales", headers=demo_admin).status_code == 404
    assert (
        api.client.get("/api/v1/teams/demo/users/ann@demo", headers=demo_admin).status_code == 200
    )


def test_when_user_group_input_is_bad_then_422_names_the_field_and_nothing_is_made(
    api: Api, demo_admin: Headers
) -> None:
    api.client.post(
        "/api/v1/teams/demo/trunk-groups",
        headers=demo_admin,
        json={"name": "out", "trunks": ["carrier"]},
    )
    cases = [
        ({"name": "sales", "members": ["nobody@demo"]}, "members"),
        (
            {"name": "sales", "members": ["admin@acme"]},
            "members",
        ),  # another team's user does not exist here
        ({"name": "sales", "members": ["admin@demo", "admin@demo"]}, "members"),
        ({"name": "sales", "trunk": "nosuch"}, "trunk"),
        ({"name": "sales", "trunk": "carrier", "trunk_group": "out"}, "trunk"),
        ({"name": "sa/les"}, "name"),
        ({"name": "sales", "colour": "red"}, "colour"),
    ]
    for payload, field in cases:
        details = assert_invalid(api.client.post(BASE, headers=demo_admin, json=payload), field)
        assert "acme" not in str(details).replace("admin@acme", "")
    assert api.client.get(BASE, headers=demo_admin).json() == []
    api.client.post(BASE, headers=demo_admin, json={"name": "sales"})
    assert_invalid(
        api.client.patch(f"{BASE}/sales", headers=demo_admin, json={"members": None}), "members"
    )


def test_a_duplicate_user_group_is_409(api: Api, demo_admin: Headers) -> None:
    assert api.client.post(BASE, headers=demo_admin, json={"name": "sales"}).status_code == 201
    response = api.client.post(BASE, headers=demo_admin, json={"name": "sales"})
    assert response.status_code == 409 and response.json()["details"]["field"] == "name"


def test_a_trunk_used_by_a_user_group_cannot_be_deleted(api: Api, demo_admin: Headers) -> None:
    api.client.post(
        "/api/v1/teams/demo/trunks",
        headers=demo_admin,
        json={"name": "backup", "address": "127.0.0.9"},
    )
    api.client.post(BASE, headers=demo_admin, json={"name": "sales", "trunk": "backup"})
    assert_in_use(
        api.client.delete("/api/v1/teams/demo/trunks/backup", headers=demo_admin),
        "user group sales",
    )

"""/teams/{team}/api-tokens: keys for business systems; the secret is shown once."""

from __future__ import annotations

from sqlalchemy import select

from store.models import ApiToken
from tests.api.conftest import Api
from tests.api.helpers import Headers, api_key, assert_invalid, bearer, group_admin

BASE = "/api/v1/teams/demo/api-tokens"


def test_given_a_read_key_when_made_then_its_secret_is_shown_once_and_it_only_reads(
    api: Api, demo_admin: Headers
) -> None:
    created = api.client.post(BASE, headers=demo_admin, json={"name": "crm", "scope": "read"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["token"].startswith("sb_") and body["name"] == "crm" and body["scope"] == "read"
    listed = api.client.get(BASE, headers=demo_admin)
    assert [(k["id"], k["name"], k["scope"]) for k in listed.json()] == [
        (body["id"], "crm", "read")
    ]
    assert body["token"] not in listed.text and "token" not in listed.json()[0]
    key = bearer(body["token"])
    assert api.client.get("/api/v1/teams/demo/extensions", headers=key).status_code == 200
    assert (
        api.client.post(
            "/api/v1/teams/demo/pause-reasons", headers=key, json={"name": "nap"}
        ).status_code
        == 403
    )


def test_given_a_key_when_revoked_then_it_no_longer_authenticates(
    api: Api, demo_admin: Headers
) -> None:
    body = api.client.post(BASE, headers=demo_admin, json={"name": "crm", "scope": "write"}).json()
    assert api.client.get("/api/v1/me", headers=bearer(body["token"])).json()["role"] == "api"
    assert api.client.delete(f"{BASE}/{body['id']}", headers=demo_admin).status_code == 204
    assert api.client.get("/api/v1/me", headers=bearer(body["token"])).status_code == 401
    assert api.client.delete(f"{BASE}/{body['id']}", headers=demo_admin).status_code == 404


def test_login_sessions_are_neither_listed_nor_revoked_as_keys(
    api: Api, demo_admin: Headers
) -> None:
    with api.sessions() as session:
        session_ids = list(
            session.scalars(select(ApiToken.id).where(ApiToken.user_id.is_not(None)))
        )
    assert session_ids and api.client.get(BASE, headers=demo_admin).json() == []
    for token_id in session_ids:
        assert api.client.delete(f"{BASE}/{token_id}", headers=demo_admin).status_code == 404
    assert api.client.get("/api/v1/me", headers=demo_admin).status_code == 200


def test_when_key_input_is_bad_then_422_names_the_field(api: Api, demo_admin: Headers) -> None:
    cases = [
        ({"name": "crm"}, "scope"),
        ({"name": "crm", "scope": "admin"}, "scope"),
        ({"name": None, "scope": "read"}, "name"),
        ({"name": "crm", "scope": "read", "expires": "never"}, "expires"),
    ]
    for payload, field in cases:
        assert_invalid(api.client.post(BASE, headers=demo_admin, json=payload), field)
    assert_invalid(api.client.delete(f"{BASE}/first", headers=demo_admin), "id")
    assert api.client.get(BASE, headers=demo_admin).json() == []


def test_keys_are_managed_by_administrators_only(api: Api, demo_admin: Headers) -> None:
    for who, headers in {
        "a write key": api_key(api, "demo", "write"),
        "a group admin": group_admin(api, demo_admin),
    }.items():
        assert api.client.get(BASE, headers=headers).status_code == 403, who
        assert (
            api.client.post(BASE, headers=headers, json={"name": "x", "scope": "write"}).status_code
            == 403
        ), who

"""Hidden characters in logins and names, the last team admin, expired tokens, time
zones in the API, and the error answers declared in the OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dashboard.security import hash_token
from store.models import ApiToken
from store.seed import DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD
from tests.api.conftest import Api
from tests.api.helpers import Headers, assert_invalid, new_user

TEAM = "/api/v1/teams/demo"
HIDDEN = {
    "NUL": "\x00",
    "bell": "\x07",
    "newline": "\n",
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "right-to-left override": "\u202e",
    "first-strong isolate": "\u2068",
    "byte order mark": "\ufeff",
    "line separator": "\u2028",
}


@pytest.mark.parametrize("char", HIDDEN.values(), ids=HIDDEN.keys())
def test_hidden_characters_in_logins_and_names_are_422_naming_the_field(
    api: Api, demo_admin: Headers, sysadmin: Headers, char: str
) -> None:
    cases = [
        (demo_admin, f"{TEAM}/users", {"login": f"ev{char}e@demo", "password": "long-enough"}),
        (
            demo_admin,
            f"{TEAM}/users",
            {"login": "eve@demo", "password": "long-enough", "display_name": f"E{char}ve"},
        ),
        (demo_admin, f"{TEAM}/api-tokens", {"name": f"crm{char}", "scope": "read"}),
        (demo_admin, f"{TEAM}/pause-reasons", {"name": f"lun{char}ch"}),
        (demo_admin, f"{TEAM}/ring-groups", {"number": "600", "name": f"sa{char}les"}),
        (sysadmin, "/api/v1/teams", {"slug": "other", "name": f"Other{char} Ltd"}),
    ]
    for headers, path, body in cases:
        field = next(k for k, v in body.items() if char in str(v))
        details = assert_invalid(api.client.post(path, headers=headers, json=body), field)
        assert char not in details["reason"]
    response = api.client.patch(f"{TEAM}/users/{DEMO_ADMIN_LOGIN}", headers=demo_admin,
                                json={"display_name": f"Ad{char}min"})  # fmt: skip
    assert_invalid(response, "display_name")
    response = api.client.post(
        "/api/v1/auth/login", json={"login": f"admin{char}@demo", "password": "whatever"}
    )
    assert_invalid(response, "login")


def test_ordinary_accented_names_are_fine(api: Api, demo_admin: Headers) -> None:
    response = api.client.post(
        f"{TEAM}/users",
        headers=demo_admin,
        json={"login": "zoë@demo", "password": "long-enough", "display_name": "Zoë Ångström"},
    )
    assert response.status_code == 201, response.text


def test_the_last_team_admin_cannot_demote_or_delete_itself(api: Api) -> None:
    # A team admin owning nothing, alone in its team: only it could do this to itself.
    with api.sessions() as session, session.begin():
        from store import provisioning as p

        team = p.create_team(session, "solo", "Solo")
        p.create_user(session, team, "boss@solo", "boss-password", "team_admin")
    boss = api.token("boss@solo", "boss-password")
    users = "/api/v1/teams/solo/users"
    response = api.client.patch(f"{users}/boss@solo", headers=boss, json={"role": "user"})
    assert response.status_code == 409 and response.json()["details"]["field"] == "role"
    response = api.client.delete(f"{users}/boss@solo", headers=boss)
    assert response.status_code == 409 and response.json()["error_id"] == "in-use"
    new_user(api, boss, "second@solo", role="team_admin", team="solo")
    assert api.client.delete(f"{users}/boss@solo", headers=boss).status_code == 204


def test_expired_tokens_are_pruned_at_the_next_login(api: Api) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    with api.sessions() as session, session.begin():
        for n in range(3):
            session.add(
                ApiToken(token_hash=hash_token(f"old-{n}"), name="old", team_id=None,
                         scope="write", created_at=past - timedelta(hours=12), expires_at=past)
            )  # fmt: skip
        session.add(
            ApiToken(token_hash=hash_token("key"), name="crm key", team_id=None, scope="read",
                     created_at=past, expires_at=None)
        )  # fmt: skip
    api.token(DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD)
    with api.sessions() as session:
        names = list(session.scalars(select(ApiToken.name)))
    assert "old" not in names and "crm key" in names and "login admin@demo" in names


def test_every_datetime_of_the_api_has_a_utc_offset(api: Api, demo_admin: Headers) -> None:
    login = api.client.post(
        "/api/v1/auth/login", json={"login": DEMO_ADMIN_LOGIN, "password": DEMO_ADMIN_PASSWORD}
    ).json()
    key = api.client.post(
        f"{TEAM}/api-tokens", headers=demo_admin, json={"name": "crm", "scope": "read"}
    ).json()
    listed = api.client.get(f"{TEAM}/api-tokens", headers=demo_admin).json()  # read back: SQLite
    for value in (login["expires_at"], key["created_at"], *(k["created_at"] for k in listed)):
        moment = datetime.fromisoformat(value)
        assert moment.utcoffset() == timedelta(0), value


def test_the_openapi_declares_the_error_answers_of_every_route(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, op in item.items():
            codes = set(op["responses"])
            assert {"401", "422"} <= codes, (method, path)
            if path.endswith(("/auth/login", "/auth/agent-login")):
                assert "429" in codes and "Retry-After" in op["responses"]["429"]["headers"]
                continue
            if path.endswith(("/auth/logout", "/me")):
                continue
            assert "403" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert "409" in codes, (method, path)
            schema = op["responses"]["401"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}

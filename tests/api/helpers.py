"""Credentials and assertions shared by the API tests."""

from __future__ import annotations

from typing import Any

from httpx import Response

from dashboard.security import issue_token
from store import provisioning as p
from tests.api.conftest import Api

Headers = dict[str, str]


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def assert_invalid(response: Response, field: str) -> dict[str, Any]:
    """A 422 naming ``field`` and saying why."""
    assert response.status_code == 422, response.text
    details: dict[str, Any] = response.json()["details"]
    assert details["field"] == field, response.text
    assert details["reason"], response.text
    return details


def assert_in_use(response: Response, *users: str) -> None:
    """A 409 refusal naming every one of ``users``."""
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error_id"] == "in-use", body
    for user in users:
        assert user in body["details"]["used_by"], body
        assert user in body["message"], body


def api_key(api: Api, team: str, scope: str) -> Headers:
    """A business system's key for ``team``, made directly in the store."""
    with api.sessions() as session, session.begin():
        token, _ = issue_token(
            session, f"test key ({scope})", team_id=p.get_team(session, team).id, scope=scope
        )
    return bearer(token)


def new_user(
    api: Api, admin: Headers, login: str, role: str = "user", team: str = "demo"
) -> Headers:
    """A user made through the API, logged in."""
    password = f"{login}-password"
    response = api.client.post(
        f"/api/v1/teams/{team}/users",
        headers=admin,
        json={"login": login, "password": password, "role": role},
    )
    assert response.status_code == 201, response.text
    return api.token(login, password)


def group_admin(
    api: Api, admin: Headers, login: str = "lead@demo", group: str = "support", **rights: bool
) -> Headers:
    """A plain user made administrator of ``group`` (PUT admins), then logged in."""
    headers = new_user(api, admin, login)
    response = api.client.put(
        f"/api/v1/teams/demo/agent-groups/{group}/admins/{login}", headers=admin, json=rights
    )
    assert response.status_code == 200, response.text
    return headers


def agent(api: Api, number: str = "1001", password: str = "1001", team: str = "demo") -> Headers:
    """An agent's session (agent number and PIN)."""
    response = api.client.post(
        "/api/v1/auth/agent-login", json={"team": team, "number": number, "password": password}
    )
    assert response.status_code == 200, response.text
    return bearer(response.json()["token"])

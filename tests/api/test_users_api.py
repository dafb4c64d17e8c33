"""/teams/{team}/users: web logins, managed by team admins; never a password hash out."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.helpers import (
    Headers,
    agent,
    api_key,
    assert_in_use,
    assert_invalid,
    group_admin,
    new_user,
)

BASE = "/api/v1/teams/demo/users"


def test_given_the_demo_team_when_listing_users_then_no_password_hash_is_returned(
    api: Api, demo_admin: Headers
) -> None:
    response = api.client.get(BASE, headers=demo_admin)
    assert response.status_code == 200
    assert response.json() == [
        {
            "login": "admin@demo",
            "display_name": "Demo admin",
            "role": "team_admin",
            "user_groups": [],
            "administers": [],
        },
    ]
    assert "argon2" not in response.text and "password" not in response.text


def test_given_a_new_user_when_changed_then_the_new_password_logs_in_and_the_old_does_not(
    api: Api, demo_admin: Headers
) -> None:
    created = api.client.post(
        BASE,
        headers=demo_admin,
        json={
            "login": "ann@demo",
            "password": "first-password",
            "role": "agent",
            "display_name": "Ann",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["role"] == "agent" and "password" not in created.text
    changed = api.client.patch(
        f"{BASE}/ann@demo",
        headers=demo_admin,
        json={"role": "user", "display_name": "Ann Smith", "password": "second-password"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["display_name"] == "Ann Smith" and changed.json()["role"] == "user"
    assert (
        api.client.post(
            "/api/v1/auth/login", json={"login": "ann@demo", "password": "first-password"}
        ).status_code
        == 401
    )
    api.token("ann@demo", "second-password")
    assert api.client.get(f"{BASE}/ann@demo", headers=demo_admin).json()["login"] == "ann@demo"


def test_given_a_user_when_deleted_then_it_is_gone_and_its_sessions_end(
    api: Api, demo_admin: Headers
) -> None:
    session = new_user(api, demo_admin, "temp@demo")
    assert api.client.get("/api/v1/me", headers=session).status_code == 200
    assert api.client.delete(f"{BASE}/temp@demo", headers=demo_admin).status_code == 204
    assert api.client.get(f"{BASE}/temp@demo", headers=demo_admin).status_code == 404
    assert api.client.get("/api/v1/me", headers=session).status_code == 401


def test_when_a_login_is_taken_in_the_team_then_409_names_the_field(
    api: Api, demo_admin: Headers
) -> None:
    for login in ("admin@demo", "admin"):  # "admin" reads admin@demo
        response = api.client.post(
            BASE, headers=demo_admin, json={"login": login, "password": "long-enough"}
        )
        assert response.status_code == 409, response.text
        assert response.json()["details"]["field"] == "login"


def test_a_login_of_another_team_is_refused_without_saying_whether_it_exists(
    api: Api, demo_admin: Headers
) -> None:
    answers = []
    for login in ("admin@acme", "nobody@acme", "admin@nosuchteam"):
        response = api.client.post(
            BASE, headers=demo_admin, json={"login": login, "password": "long-enough"}
        )
        assert response.status_code == 422 and response.json()["details"]["field"] == "login"
        answers.append(response.json())
    assert answers[0] == answers[1] == answers[2]
    assert "acme" not in answers[0]["message"].lower()


def test_when_user_input_is_bad_then_422_names_the_field(api: Api, demo_admin: Headers) -> None:
    cases = [
        ({"login": "bob@demo", "password": "short"}, "password"),
        ({"login": "bob@demo", "password": "long-enough", "role": "boss"}, "role"),
        ({"login": "bob@demo", "password": "long-enough", "role": "system_admin"}, "role"),
        ({"login": "bob@demo", "password": "long-enough", "salary": 1}, "salary"),
        ({"login": "bob demo", "password": "long-enough"}, "login"),
        ({"password": "long-enough"}, "login"),
        ({"login": None, "password": "long-enough"}, "login"),
    ]
    for payload, field in cases:
        assert_invalid(api.client.post(BASE, headers=demo_admin, json=payload), field)
    for payload, field in [
        ({"role": None}, "role"),
        ({"password": "short"}, "password"),
        ({"login": "x@demo"}, "login"),
    ]:
        assert_invalid(
            api.client.patch(f"{BASE}/admin@demo", headers=demo_admin, json=payload), field
        )
    assert api.client.get(f"{BASE}/bob@demo", headers=demo_admin).status_code == 404


def test_given_a_user_who_owns_an_extension_and_an_agent_when_deleted_then_409_names_them(
    api: Api, demo_admin: Headers
) -> None:
    new_user(api, demo_admin, "owner@demo")
    api.client.post(
        "/api/v1/teams/demo/extensions",
        headers=demo_admin,
        json={"number": "5100", "sip_secret": "a-good-secret", "owner": "owner@demo"},
    )
    api.client.post(
        "/api/v1/teams/demo/agents",
        headers=demo_admin,
        json={
            "number": "1100",
            "password": "110000",
            "binding": "dynamic",
            "groups": ["support"],
            "owner": "owner@demo",
        },
    )
    response = api.client.delete(f"{BASE}/owner@demo", headers=demo_admin)
    assert_in_use(response, "extension 5100", "agent 1100")
    assert api.client.get(f"{BASE}/owner@demo", headers=demo_admin).status_code == 200


def test_the_last_team_admin_can_be_neither_demoted_nor_deleted(
    api: Api, demo_admin: Headers
) -> None:
    response = api.client.patch(f"{BASE}/admin@demo", headers=demo_admin, json={"role": "user"})
    assert response.status_code == 409 and "last team admin" in response.text
    assert response.json()["details"]["field"] == "role"
    response = api.client.delete(f"{BASE}/admin@demo", headers=demo_admin)
    assert response.status_code == 409 and "last team admin" in response.text
    new_user(api, demo_admin, "second@demo", role="team_admin")
    assert (
        api.client.patch(
            f"{BASE}/admin@demo", headers=demo_admin, json={"role": "user"}
        ).status_code
        == 200
    )


def test_only_administrators_manage_people(
    api: Api, demo_admin: Headers, sysadmin: Headers
) -> None:
    others = {
        "a write API key": api_key(api, "demo", "write"),
        "a group admin": group_admin(api, demo_admin),
        "an agent": agent(api),
        "a plain user": new_user(api, demo_admin, "plain@demo"),
    }
    for who, headers in others.items():
        assert api.client.get(BASE, headers=headers).status_code == 403, who
        response = api.client.post(
            BASE, headers=headers, json={"login": "x@demo", "password": "long-enough"}
        )
        assert response.status_code == 403, who
        assert (
            api.client.patch(
                f"{BASE}/plain@demo", headers=headers, json={"role": "team_admin"}
            ).status_code
            == 403
        ), who
    assert api.client.get(BASE, headers=sysadmin).status_code == 200
    assert api.client.get(f"{BASE}/plain@demo", headers=demo_admin).json()["role"] == "user"


def test_a_user_of_another_team_is_not_found_in_yours(api: Api, demo_admin: Headers) -> None:
    response = api.client.get(f"{BASE}/admin@acme", headers=demo_admin)
    assert response.status_code == 404 and "Acme" not in response.text

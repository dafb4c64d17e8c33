"""409 answers never reveal another team: logins are per team (``name@team``), and a DID
or trunk address held by another team is just "not available"."""

from __future__ import annotations

from store import provisioning as p
from tests.api.conftest import Api
from tests.api.helpers import Headers

DEMO = "/api/v1/teams/demo"
ROUTE = {"kind": "extension", "ref": "5001"}


def add_beta(api: Api) -> None:
    """A third team holding a DID and a trunk address, like acme."""
    with api.sessions() as session, session.begin():
        beta = p.create_team(session, "beta", "Beta Inc")
        p.create_extension(session, beta, "5001", "switchboard", sip_secret="beta-secret-1")
        p.create_did(session, beta, "+15550300", ROUTE)
        p.set_allowed_trunk_addresses(session, beta, ["127.0.0.6"])
        p.create_trunk(session, beta, "beta-carrier", address="127.0.0.6")


def test_another_teams_did_is_unavailable_and_the_answer_names_nobody(
    api: Api, demo_admin: Headers
) -> None:
    add_beta(api)
    answers = {}
    for number in ("+15550200", "+15550300"):  # acme's, beta's
        response = api.client.post(
            f"{DEMO}/dids", headers=demo_admin, json={"number": number, "destination": ROUTE}
        )
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["error_id"] == "unavailable" and body["details"] == {"field": "number"}
        answers[number] = body["message"].replace(number, "<number>")
        assert not any(w in response.text.lower() for w in ("acme", "beta", "team", "used_by"))
    assert answers["+15550200"] == answers["+15550300"]
    own = api.client.post(
        f"{DEMO}/dids", headers=demo_admin, json={"number": "+15550101", "destination": ROUTE}
    )
    assert own.status_code == 409 and own.json()["error_id"] == "duplicate"


def test_another_teams_trunk_address_is_unavailable_even_when_allowed(
    api: Api, demo_admin: Headers, sysadmin: Headers
) -> None:
    add_beta(api)
    allowed = ["127.0.0.2", "127.0.0.4", "127.0.0.6", "127.0.0.9"]
    response = api.client.patch(DEMO, headers=sysadmin, json={"allowed_trunk_addresses": allowed})
    assert response.status_code == 200, response.text
    answers = []
    for address in ("127.0.0.4", "127.0.0.6"):  # acme's, beta's
        for method, path, body in (
            ("POST", f"{DEMO}/trunks", {"name": "stolen", "address": address}),
            ("PATCH", f"{DEMO}/trunks/carrier", {"address": address}),
        ):
            response = api.client.request(method, path, headers=demo_admin, json=body)
            assert response.status_code == 409, response.text
            assert response.json()["error_id"] == "unavailable"
            assert response.json()["details"] == {"field": "address"}
            assert not any(w in response.text.lower() for w in ("acme", "beta", "carrier"))
            answers.append(response.json()["message"].replace(address, "<address>"))
    assert len(set(answers)) == 1


def test_two_teams_may_each_have_the_same_name_and_log_in_as_name_at_team(
    api: Api, demo_admin: Headers, acme_admin: Headers
) -> None:
    for team, headers in (("demo", demo_admin), ("acme", acme_admin)):
        response = api.client.post(
            f"/api/v1/teams/{team}/users",
            headers=headers,
            json={"login": "ann", "password": f"ann-of-{team}"},
        )
        assert response.status_code == 201, response.text
        assert response.json()["login"] == f"ann@{team}"
    for team in ("demo", "acme"):
        me = api.client.get("/api/v1/me", headers=api.token(f"ann@{team}", f"ann-of-{team}"))
        assert me.json()["team"] == team and me.json()["login"] == f"ann@{team}"
    # The team's objects name users either way; another team's user is just not found.
    response = api.client.get(f"{DEMO}/users/ann", headers=demo_admin)
    assert response.status_code == 200 and response.json()["login"] == "ann@demo"
    assert api.client.get(f"{DEMO}/users/ann@acme", headers=demo_admin).status_code == 404


def test_a_system_login_cannot_read_as_a_teams_login(api: Api, sysadmin: Headers) -> None:
    with api.sessions() as session, session.begin():
        from store.errors import Invalid

        try:
            p.create_user(session, None, "root@demo", "long-enough", "system_admin")
        except Invalid as refused:
            assert refused.details["field"] == "login"
        else:
            raise AssertionError("a system login root@demo was accepted")
    response = api.client.post(
        "/api/v1/teams", headers=sysadmin, json={"slug": "system", "name": "S"}
    )
    assert response.status_code == 409  # root@system, a system admin's login, reads so
    assert response.json()["details"]["field"] == "slug"

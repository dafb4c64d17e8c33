"""The audit log: every administrator's change (who, what, when, from where, status),
readable by the team's admins, never another team's, never holding a secret."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from store.models import AuditEntry
from tests.api.conftest import Api
from tests.api.helpers import Headers, api_key, new_user

DEMO = "/api/v1/teams/demo"
SECRETS = ("ann-web-password", "sip-secret-5100", "carrier-secret", "sb_")


def make_changes(api: Api, admin: Headers) -> None:
    calls = [
        ("POST", f"{DEMO}/users", {"login": "ann", "password": "ann-web-password"}, 201),
        ("POST", f"{DEMO}/extensions", {"number": "5100", "sip_secret": "sip-secret-5100"}, 201),
        ("PATCH", f"{DEMO}/trunks/carrier", {"password": "carrier-secret", "username": "u"}, 200),
        ("POST", f"{DEMO}/api-tokens", {"name": "crm", "scope": "read"}, 201),
        ("DELETE", f"{DEMO}/users/ann@demo", None, 204),
        ("POST", f"{DEMO}/extensions", {"number": "5100", "sip_secret": "another-secret"}, 409),
    ]
    for method, path, body, status in calls:
        response = api.client.request(method, path, headers=admin, json=body)
        assert response.status_code == status, response.text


def test_every_admin_change_is_logged_with_who_what_when_where_and_status(
    api: Api, demo_admin: Headers
) -> None:
    before = datetime.now().astimezone()
    make_changes(api, demo_admin)
    page = api.client.get(f"{DEMO}/audit", headers=demo_admin).json()
    got = [(e["method"], e["object"], e["status"]) for e in page["entries"]]
    assert got == [
        ("POST", "extensions", 409),  # refused: logged, and the change is not there
        ("DELETE", "users/ann@demo", 204),
        ("POST", "api-tokens", 201),
        ("PATCH", "trunks/carrier", 200),
        ("POST", "extensions", 201),
        ("POST", "users", 201),
    ]
    for entry in page["entries"]:
        assert entry["principal"] == "user admin@demo" and entry["role"] == "team_admin"
        assert entry["team"] == "demo" and entry["source_ip"] == "testclient"
        at = datetime.fromisoformat(entry["at"])
        assert at.utcoffset() == timedelta(0) and before - timedelta(seconds=5) <= at
    assert page["next_before"] is None


def test_no_secret_reaches_the_log(api: Api, demo_admin: Headers, sysadmin: Headers) -> None:
    make_changes(api, demo_admin)
    text = api.client.get("/api/v1/audit", headers=sysadmin).text
    with api.sessions() as session:
        rows = [repr(tuple(vars(r).values())) for r in session.scalars(select(AuditEntry))]
    for secret in SECRETS:
        assert secret not in text and not any(secret in row for row in rows), secret


def test_only_the_teams_admins_read_it_and_never_another_teams(
    api: Api, demo_admin: Headers, acme_admin: Headers, sysadmin: Headers
) -> None:
    make_changes(api, demo_admin)
    api.client.post("/api/v1/teams/acme/pause-reasons", headers=acme_admin, json={"name": "x"})
    assert api.client.get(f"{DEMO}/audit", headers=acme_admin).status_code == 404
    acme = api.client.get("/api/v1/teams/acme/audit", headers=acme_admin).json()["entries"]
    assert {e["team"] for e in acme} == {"acme"} and len(acme) == 1
    plain = new_user(api, demo_admin, "plain@demo")
    assert api.client.get(f"{DEMO}/audit", headers=plain).status_code == 403
    assert api.client.get(f"{DEMO}/audit", headers=api_key(api, "demo", "write")).status_code == 403
    assert api.client.get("/api/v1/audit", headers=demo_admin).status_code == 403
    everything = api.client.get("/api/v1/audit", headers=sysadmin).json()["entries"]
    assert {"demo", "acme"} <= {e["team"] for e in everything}
    sys_view = api.client.get(f"{DEMO}/audit", headers=sysadmin).json()["entries"]
    assert sys_view and {e["team"] for e in sys_view} == {"demo"}


def test_pages_follow_each_other_without_gaps_or_repeats(api: Api, demo_admin: Headers) -> None:
    make_changes(api, demo_admin)
    everything = api.client.get(f"{DEMO}/audit", headers=demo_admin).json()["entries"]
    seen, before = [], None
    while True:
        params = {"limit": 4} | ({"before": before} if before else {})
        page = api.client.get(f"{DEMO}/audit", headers=demo_admin, params=params).json()
        seen += page["entries"]
        before = page["next_before"]
        if before is None:
            break
    assert [e["id"] for e in seen] == [e["id"] for e in everything]
    assert len(everything) == 6 and len(seen) == 6  # two pages of 4 and 2

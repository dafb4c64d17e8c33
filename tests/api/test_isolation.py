"""Team isolation: every route and method, with team-A (demo) credentials, on team-B (acme) objects.

The walk reads the routes from the app itself, so a route is walked as soon as it is
registered. A route whose path parameters the walk cannot fill with a real acme object
fails the test, naming itself, until ``acme_keys()`` learns its key: the walk stays complete.
Outside ``/teams/{team}`` a route may only act on the caller itself (``/me``, an agent's own
session): one that names an object in its path would bypass the team gate, and fails the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from dashboard.security import issue_token
from store import provisioning as p
from store.models import Recording
from store.provisioning.music import save_music
from store.provisioning.skills import create_caller_priority
from tests.api.conftest import Api
from tests.api.helpers import Headers, agent, api_key, group_admin

TEAM_ROUTES = "/api/v1/teams/{team}"
# Routes outside /teams/{team} called with demo credentials and acme values in the body, below.
TEAMLESS_ROUTES = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/agent-login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/teams"),
    ("POST", "/api/v1/teams"),
}
# Outside /teams/{team}, routes naming an object of the caller's own: the signed-in agent's
# live calls, each checked against the caller (another's call: 404, and nothing is sent to
# call control; tests/api/calls/).
CALLER_OWN_ROUTES = ("/api/v1/agent/calls/",)
# Not the team API: documentation, the health check, and the demo landing page (which lists
# the SIP usernames of every team to help register a phone; it is not team-scoped).
OUTSIDE_THE_API = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/health", "/"}
# The web pages' assets (dashboard/web): files of the app, never a team's data. The page shells
# (/agent, /admin, /wallboard) hold no data either: they fetch it through the API.
OUTSIDE_THE_API |= {"/static", "/static/vendor/{name}", "/agent", "/admin", "/wallboard"}
# What of acme's must never reach a demo credential. Refusals carry no object data at all;
# elsewhere demo's own objects share acme's names, so only acme's unique values are looked for.
ACME_DATA = (
    "acme",
    "127.0.0.4",
    "+15550200",
    "5001",
    "1001",
    "support",
    "carrier",
    "lunch",
    "staff",
    "600",
)
ACME_ONLY = ("acme", "127.0.0.4", "+15550200")
GATE_MESSAGE = "team acme not found"  # the only mention of acme allowed: the path's own team


def acme_keys(api: Api) -> dict[str | None, dict[str, str]]:
    """acme's object keys by resource (the path segment after the team), made complete here."""
    with api.sessions() as session, session.begin():
        acme = p.get_team(session, "acme")
        p.create_ring_group(session, acme, "600", members=["5001"])
        p.create_trunk_group(session, acme, "carriers", trunks=["carrier"])
        p.create_user_group(session, acme, "staff", members=["admin@acme"], trunk="carrier")
        p.set_group_admin(session, acme, p.get_agent_group(session, acme, "support"), "admin@acme")
        create_caller_priority(session, acme, "+4930", 3)
        _, key = issue_token(session, "acme crm", team_id=acme.id, scope="write")
        key_id = str(key.id)
        recording = Recording(
            call_id="acme-call", number=1, node="cc-1", team="acme", group_name="support",
            agent="1001", customer="+15550001111", started_at=datetime.now(UTC), duration_ms=0,
            paused_ms=0, state="ready", file="calls/acme/acme-call-1.wav", size_bytes=0,
        )  # fmt: skip
        session.add(recording)
        session.flush()
        recording_id = str(recording.id)
        save_music(
            session, acme, "acmetune", file="teams/acme/acmetune.wav", source_format="wav",
            source_bytes=1, duration_ms=1000, sha256="0" * 64,
        )  # fmt: skip
    return {
        None: {},
        "users": {"login": "admin@acme"},
        "user-groups": {"name": "staff"},
        "api-tokens": {"id": key_id},
        "extensions": {"number": "5001"},
        "agents": {"number": "1001", "call": "acme-call", "party": "customer"},
        "agent-groups": {"name": "support", "login": "admin@acme"},
        "pause-reasons": {"name": "lunch"},
        "trunks": {"name": "carrier"},
        "trunk-groups": {"name": "carriers"},
        "dids": {"number": "+15550200"},
        "ring-groups": {"number": "600"},
        "export": {},
        "import": {},
        "audit": {},
        "recordings": {"rid": recording_id},
        "caller-priorities": {"prefix": "+4930"},
        "music": {"name": "acmetune"},
    }


def team_routes(api: Api) -> list[tuple[str, str, list[str]]]:
    """(method, path, path parameter names) of every team route; other routes are checked."""
    walked = []
    for route in iter_route_contexts(api.client.app.routes):  # type: ignore[attr-defined]
        path, methods = route.path, sorted(set(getattr(route, "methods", None) or []) - {"HEAD"})
        params = list(getattr(route, "param_convertors", {}))
        if path.startswith(TEAM_ROUTES):
            walked += [(method, path, params) for method in methods]
        elif path.startswith("/api/"):
            assert not params or path.startswith(CALLER_OWN_ROUTES), (
                f"{path} names an object outside /teams/{{team}}: it bypasses the team gate"
            )
        else:
            assert path in OUTSIDE_THE_API, f"a new route outside the API: {path}"
    return walked


def fill(path: str, params: list[str], keys: dict[str | None, dict[str, str]]) -> str:
    rest = path.removeprefix(TEAM_ROUTES).strip("/")
    resource = rest.split("/")[0] if rest else None
    if resource not in keys:
        pytest.fail(
            f"the isolation walk does not know the resource of {path}: add acme's keys to acme_keys()"
        )
    values = {"team": "acme", **keys[resource]}
    missing = [name for name in params if name not in values]
    if missing:
        pytest.fail(
            f"the isolation walk cannot fill {missing} of {path}: add acme's keys to acme_keys()"
        )
    return path.format(**{name: values[name] for name in params})


def acme_as_seen_by_its_admin(api: Api) -> dict[str, Any]:
    acme = api.token("admin@acme", "acme-admin-pass")
    lists = (
        "users",
        "user-groups",
        "api-tokens",
        "extensions",
        "agents",
        "agent-groups",
        "pause-reasons",
        "trunks",
        "trunk-groups",
        "dids",
        "ring-groups",
        "caller-priorities",
    )
    seen = {
        name: api.client.get(f"/api/v1/teams/acme/{name}", headers=acme).json() for name in lists
    }
    seen["team"] = api.client.get("/api/v1/teams/acme", headers=acme).json()
    return seen


def assert_nothing_of_acme(response: Any, where: str, markers: tuple[str, ...] = ACME_DATA) -> None:
    leftover = response.text.replace(GATE_MESSAGE, "").lower()
    leaked = [marker for marker in markers if marker.lower() in leftover]
    assert not leaked, f"{where} answered acme data {leaked}: {response.text[:300]}"


CREDENTIALS: dict[str, Callable[[Api, Headers], Headers]] = {
    "demo team admin": lambda api, admin: admin,
    "demo API key (write)": lambda api, admin: api_key(api, "demo", "write"),
    "demo API key (read)": lambda api, admin: api_key(api, "demo", "read"),
    "demo group admin of its own 'support'": lambda api, admin: group_admin(api, admin),
    "demo agent 1001": lambda api, admin: agent(api),
}


@pytest.mark.parametrize("who", CREDENTIALS)
def test_every_route_refuses_a_demo_credential_on_acme_objects_and_shows_nothing(
    api: Api, demo_admin: Headers, who: str
) -> None:
    keys = acme_keys(api)
    before = acme_as_seen_by_its_admin(api)
    credential = CREDENTIALS[who](api, demo_admin)
    routes = team_routes(api)
    assert len(routes) > 50, routes  # the walk found the routes
    for method, path, params in routes:
        url = fill(path, params, keys)
        response = api.client.request(method, url, headers=credential, json={})
        assert response.status_code in (403, 404), (
            f"{who}: {method} {url} -> {response.status_code} {response.text[:300]}"
        )
        assert_nothing_of_acme(response, f"{who}: {method} {url}")
    assert acme_as_seen_by_its_admin(api) == before


@pytest.mark.parametrize("who", CREDENTIALS)
def test_routes_outside_the_teams_show_a_demo_credential_nothing_of_acme(
    api: Api, demo_admin: Headers, who: str
) -> None:
    credential = CREDENTIALS[who](api, demo_admin)
    for method, path in sorted(
        TEAMLESS_ROUTES - {("POST", "/api/v1/auth/logout")}
    ):  # logout: below
        body = {
            "login": "admin@acme",
            "password": "wrong",
            "team": "acme",
            "number": "1001",
            "slug": "acme2",
            "name": "x",
        }
        response = api.client.request(method, path, headers=credential, json=body)
        assert response.status_code in (200, 401, 403, 422), (
            f"{who}: {method} {path} -> {response.text[:300]}"
        )
        assert_nothing_of_acme(response, f"{who}: {method} {path}", ACME_ONLY)
    assert [t["slug"] for t in api.client.get("/api/v1/teams", headers=credential).json()] in (
        [],
        ["demo"],
    )
    assert api.client.post("/api/v1/auth/logout", headers=credential).status_code == 204
    assert api.client.get("/api/v1/me", headers=credential).status_code == 401


def test_acme_keys_that_are_global_are_not_found_under_demo(api: Api, demo_admin: Headers) -> None:
    """Logins, DIDs and API key ids are unique across teams: under demo's path they do not exist."""
    keys = acme_keys(api)
    before = acme_as_seen_by_its_admin(api)
    demo = "/api/v1/teams/demo"
    for method, url in [
        ("GET", f"{demo}/users/admin@acme"),
        ("PATCH", f"{demo}/users/admin@acme"),
        ("DELETE", f"{demo}/users/admin@acme"),
        ("GET", f"{demo}/dids/+15550200"),
        ("PATCH", f"{demo}/dids/+15550200"),
        ("DELETE", f"{demo}/dids/+15550200"),
        ("DELETE", f"{demo}/api-tokens/{keys['api-tokens']['id']}"),
        ("PUT", f"{demo}/agent-groups/support/admins/admin@acme"),
        ("DELETE", f"{demo}/agent-groups/support/admins/admin@acme"),
    ]:
        response = api.client.request(method, url, headers=demo_admin, json={})
        assert response.status_code == 404, f"{method} {url} -> {response.text[:300]}"
        assert "Acme" not in response.text and "127.0.0.4" not in response.text
    assert acme_as_seen_by_its_admin(api) == before

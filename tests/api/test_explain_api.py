"""GET .../agent-groups/{name}/explain and .../agents/{number}/explain: the core's reasons
over the live state in a real Redis; who may ask; unknown objects."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from dashboard.app import create_app
from dashboard.settings import WebSettings
from routing.acd import machine, sqlstore
from routing.acd.model import WaitingCall
from routing.acd.states import AgentStates, now_ms
from store.db import make_engine, make_sessionmaker
from tests.api.conftest import Api
from tests.api.helpers import Headers, agent, api_key, group_admin
from tests.support.redis_server import RedisServer, redis_server

TEAM = "/api/v1/teams/demo"


@pytest.fixture(scope="module")
def live_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def api(tmp_path: Path, api_template: Path, live_redis: RedisServer) -> Iterator[Api]:
    """The app on a copy of the seeded store, its ACD state in Redis as call control
    publishes it; agent 1001 unregistered, 1002 paused (lunch), 1003-1005 idle."""
    client = live_redis.client()
    client.flushall()
    path = tmp_path / "store.sqlite3"
    shutil.copy(api_template, path)
    engine = make_engine(f"sqlite:///{path}")
    sessions = make_sessionmaker(engine)
    with sessions() as session, session.begin():
        from store import provisioning as p

        team = p.get_team(session, "demo")
        p.update_agent(session, team, p.get_agent(session, team, "1004"), {"skills": {"fr": 1}})
        p.update_agent(session, team, p.get_agent(session, team, "1005"), {"skills": {"fr": 4}})
        p.update_agent_group(session, team, p.get_agent_group(session, team, "support"),
                             {"required_skills": {"fr": 2}})  # fmt: skip
    states = AgentStates(client, 5000)
    with engine.connect() as conn:
        states.configure(sqlstore.read_config(conn))
    for number in ("1002", "1003", "1004", "1005"):
        _command(states, number, machine.Command("registration", registered=True))
    _command(states, "1002", machine.Command("pause", reason="lunch"))
    states.acd.enqueue_call(WaitingCall("call-1", "demo/support", 2, now_ms() - 5_000))
    settings = WebSettings(db_url=str(engine.url), redis_url=live_redis.url)
    with TestClient(create_app(settings)) as test_client:
        yield Api(test_client, sessions)
    client.close()
    engine.dispose()


def _command(states: AgentStates, number: str, command: machine.Command) -> None:
    outcome = states.acd.apply(f"demo/{number}", command, now_ms())
    assert isinstance(outcome, machine.Accepted), outcome


def test_the_group_explains_its_waiting_call_agent_by_agent(api: Api, demo_admin: Headers) -> None:
    response = api.client.get(f"{TEAM}/agent-groups/support/explain", headers=demo_admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["group"] == "support" and body["strategy"] == "longest_idle"
    (call,) = body["waiting"]
    assert call["call"] == "call-1" and call["priority"] == 2 and call["waited_ms"] >= 5_000
    assert call["status"] == "agents_available"
    reasons = {a["agent"]: (a["reason"], a["detail"], a["rank"]) for a in call["agents"]}
    assert reasons == {
        "1001": ("unregistered", "", None),  # its phone is checked before its skills
        "1002": ("paused", "lunch", None),
        "1003": ("missing_skill", "fr", None),
        "1004": ("skill_too_low", "fr 1<2", None),
        "1005": ("", "", 0),
    }
    assert body["new_call"]["call"] is None and body["new_call"]["waited_ms"] == 0


def test_the_agent_explains_why_it_is_not_offered_per_group(api: Api, demo_admin: Headers) -> None:
    def explained(number: str) -> dict[str, object]:
        response = api.client.get(f"{TEAM}/agents/{number}/explain", headers=demo_admin)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    paused = explained("1002")
    assert paused["state"] == "paused" and paused["pause_reason"] == "lunch"
    assert paused["groups"] == [
        {"group": "support", "waiting": 1, "call": "call-1", "eligible": False,
         "reason": "paused", "detail": "lunch", "rank": None, "offered_to": []},
    ]  # fmt: skip
    free = explained("1005")
    assert free["groups"][0]["eligible"] is True and free["groups"][0]["rank"] == 0  # type: ignore[index]


def test_an_unregistered_agent_explains_unregistered(api: Api, demo_admin: Headers) -> None:
    api.client.patch(
        f"{TEAM}/agent-groups/support", headers=demo_admin, json={"required_skills": {}}
    )
    # The API's change reaches the live state when call control publishes it; here, now:
    with api.sessions() as session, session.begin():
        config = sqlstore.read_config(session.connection())
    client = redis.Redis.from_url(api.client.app.state.settings.redis_url)  # type: ignore[attr-defined]
    AgentStates(client, 5000).configure(config)
    body = api.client.get(f"{TEAM}/agents/1001/explain", headers=demo_admin).json()
    assert body["registered"] is False
    assert (body["groups"][0]["reason"], body["groups"][0]["eligible"]) == ("unregistered", False)


def test_explain_is_for_admins_their_groups_admins_and_keys_and_unknown_ones_are_404(
    api: Api, demo_admin: Headers, acme_admin: Headers
) -> None:
    group, agent_url = f"{TEAM}/agent-groups/support/explain", f"{TEAM}/agents/1001/explain"
    for headers in (api_key(api, "demo", "read"), group_admin(api, demo_admin)):
        assert api.client.get(group, headers=headers).status_code == 200
        assert api.client.get(agent_url, headers=headers).status_code == 200
    api.client.post(f"{TEAM}/agent-groups", headers=demo_admin, json={"name": "sales"})
    of_sales = group_admin(api, demo_admin, login="sales-lead@demo", group="sales")
    assert api.client.get(group, headers=of_sales).status_code == 403
    assert api.client.get(agent_url, headers=of_sales).status_code == 403
    assert api.client.get(group, headers=agent(api)).status_code == 403
    assert api.client.get(agent_url, headers=agent(api)).status_code == 403
    assert api.client.get(group, headers=acme_admin).status_code == 404
    missing = api.client.get(f"{TEAM}/agent-groups/nope/explain", headers=demo_admin)
    assert missing.status_code == 404 and missing.json()["error_id"] == "not-found"
    assert api.client.get(f"{TEAM}/agents/9999/explain", headers=demo_admin).status_code == 404

"""/api/v1/teams/{team}/agents/{number}/calls: a team's keys and admins command its
agents' live calls (write scope to command, read scope to look), never another team's.

Real Redis and channel; call control is a fake node (``tests.api.calls.helpers``).
"""

from __future__ import annotations

import redis

from calls.channel import CallChannel, Command, Reply
from tests.api.calls.helpers import (
    CUSTOMER,
    NodeFactory,
    configure_acd,
    follow_the_command,
    nothing_sent,
    publish,
    refuse,
    select_way,
    set_working_way,
    view,
)
from tests.api.conftest import Api
from tests.api.helpers import Headers, agent, api_key

DEMO_1001 = "/api/v1/teams/demo/agents/1001/calls"


def test_a_teams_write_key_dials_and_commands_the_calls_of_its_agent(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory
) -> None:
    node = call_control()
    key = api_key(api, "demo", "write")
    set_working_way(api, "1001", "self_selection")
    configure_acd(api, redis_client)  # as call control publishes it
    select_way(redis_client, "demo/1001", "dial_in")  # it was working both ways
    refused = api.client.post(DEMO_1001, headers=key, json={"to": CUSTOMER})
    assert refused.status_code == 403 and refused.json()["error_id"] == "outbound_not_allowed"
    select_way(redis_client, "demo/1001")  # dial-out now
    dialled = api.client.post(DEMO_1001, headers=key, json={"to": CUSTOMER})
    assert dialled.status_code == 201, dialled.text
    assert api.client.get(DEMO_1001, headers=key).json() == {"calls": [dialled.json()]}
    assert api.client.get(f"{DEMO_1001}/c-new", headers=key).json() == dialled.json()
    held = api.client.post(f"{DEMO_1001}/c-new/hold", headers=key)
    assert held.status_code == 200 and held.json()["state"] == "held"
    assert [(c.op, c.agent, c.call) for c in node.received] == [
        ("dial", "demo/1001", ""),
        ("hold", "demo/1001", "c-new"),
    ]


def test_a_read_key_lists_calls_but_may_not_command_them(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory
) -> None:
    node = call_control()
    publish(redis_client, view("c-1"))
    key = api_key(api, "demo", "read")
    assert api.client.get(DEMO_1001, headers=key).json() == {"calls": [view("c-1")]}
    for method, path, body in [
        ("POST", "", {"to": CUSTOMER}), ("POST", "/c-1/hold", None), ("DELETE", "/c-1", None),
    ]:  # fmt: skip
        response = api.client.request(method, f"{DEMO_1001}{path}", headers=key, json=body)
        assert response.status_code == 403, (method, path, response.text)
    assert nothing_sent(redis_client, node)


def test_another_teams_key_finds_neither_the_team_nor_its_agents_calls(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory
) -> None:
    node = call_control()
    publish(redis_client, view("c-1"))
    acme = api_key(api, "acme", "write")
    for method, path in [("GET", ""), ("GET", "/c-1"), ("POST", "/c-1/hold"), ("DELETE", "/c-1")]:
        response = api.client.request(method, f"{DEMO_1001}{path}", headers=acme)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["message"] == "team demo not found"
    # acme's own agent 1001 is another agent: demo's call is not one of its calls.
    own = api.client.post("/api/v1/teams/acme/agents/1001/calls/c-1/hold", headers=acme)
    assert own.status_code == 404 and own.json()["error_id"] == "call_not_found"
    assert nothing_sent(redis_client, node)


def test_a_team_route_names_an_agent_of_the_team_and_that_agents_calls_only(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory
) -> None:
    node = call_control()
    publish(redis_client, view("c-1"))
    key = api_key(api, "demo", "write")
    unknown = api.client.post("/api/v1/teams/demo/agents/9999/calls", headers=key, json={"to": "1"})
    assert unknown.status_code == 404 and unknown.json()["error_id"] == "not-found"
    other = api.client.delete("/api/v1/teams/demo/agents/1002/calls/c-1", headers=key)
    assert other.status_code == 404 and other.json()["error_id"] == "call_not_found"
    assert nothing_sent(redis_client, node)


def test_a_team_admins_commands_are_audited_with_their_status_an_agents_are_not(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory, demo_admin: Headers
) -> None:
    def answer(channel: CallChannel, command: Command) -> Reply:
        if command.op == "resume":
            return refuse(409, "not_held", "the call is not on hold")(channel, command)
        return follow_the_command(channel, command)

    call_control(answer=answer)
    publish(redis_client, view("c-1"))
    assert api.client.post(f"{DEMO_1001}/c-1/hold", headers=demo_admin).status_code == 200
    assert api.client.post("/api/v1/agent/calls/c-1/hold", headers=agent(api)).status_code == 200
    refused = api.client.post(f"{DEMO_1001}/c-1/resume", headers=demo_admin)
    assert refused.status_code == 409 and refused.json()["error_id"] == "not_held"
    entries = api.client.get("/api/v1/teams/demo/audit", headers=demo_admin).json()["entries"]
    assert [(e["method"], e["object"], e["status"]) for e in entries] == [
        ("POST", "agents/1001/calls/c-1/resume", 409),
        ("POST", "agents/1001/calls/c-1/hold", 200),
    ]
    assert entries[0]["principal"] == "user admin@demo"


def test_an_agents_token_may_not_use_the_team_routes(api: Api) -> None:
    response = api.client.get(DEMO_1001, headers=agent(api))
    assert response.status_code == 403, response.text

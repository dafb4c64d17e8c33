"""/api/v1/agent/calls: an agent commands its own live calls with its own token.

Real Redis and channel; call control is a fake node (``tests.api.calls.helpers``).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from calls.channel import CallChannel, Command
from dashboard.app import create_app
from dashboard.settings import WebSettings
from routing.acd.keys import Keys
from store import provisioning as p
from store.db import make_engine, make_sessionmaker
from tests.api.calls.helpers import (
    CUSTOMER,
    NodeFactory,
    configure_acd,
    nothing_sent,
    publish,
    refuse,
    select_way,
    set_working_way,
    view,
)
from tests.api.conftest import Api
from tests.api.helpers import Headers, agent, assert_invalid


def test_an_agent_dials_a_number_and_gets_the_new_call_with_201(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory
) -> None:
    node = call_control()  # the demo's agents work both ways ("all"): they may dial
    response = api.client.post("/api/v1/agent/calls", headers=agent(api), json={"to": CUSTOMER})
    assert response.status_code == 201, response.text
    assert response.json() == view("c-new", state="dialing")
    [sent] = node.received
    assert sent == Command("dial", "demo/1001", "", {"to": CUSTOMER}, id=sent.id)


def test_the_calls_of_a_call_control_node_that_died_are_gone_from_the_lists(
    api: Api, redis_client: redis.Redis
) -> None:
    publish(redis_client, view("c-1", node="cc-dead"), view("c-2"))
    redis_client.delete(Keys().node("cc-dead"))  # its heartbeat lapsed: it was killed
    listed = api.client.get("/api/v1/agent/calls", headers=agent(api)).json()["calls"]
    assert [c["id"] for c in listed] == ["c-2"]
    assert api.client.get("/api/v1/agent/calls/c-1", headers=agent(api)).status_code == 404
    assert redis_client.get(Keys().call_view("c-1")) is None  # cleaned up, not only hidden


def test_an_agent_lists_its_own_calls_oldest_first_without_asking_call_control(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory
) -> None:
    node = call_control()
    later, first = view("c-2", started_ms=2000), view("c-1", started_ms=1000)
    publish(redis_client, later, first, view("c-3", agent="demo/1002"))
    response = api.client.get("/api/v1/agent/calls", headers=agent(api))
    assert response.status_code == 200, response.text
    assert response.json() == {"calls": [first, later]}
    assert api.client.get("/api/v1/agent/calls/c-2", headers=agent(api)).json() == later
    assert nothing_sent(redis_client, node)


def test_another_agents_call_is_not_found_and_nothing_reaches_call_control(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory
) -> None:
    node = call_control()
    publish(redis_client, view("c-1", agent="demo/1002"))
    headers = agent(api)
    for method, path in [
        ("GET", ""), ("POST", "/hold"), ("POST", "/resume"), ("DELETE", "/parties/customer"),
        ("DELETE", ""),
    ]:  # fmt: skip
        response = api.client.request(method, f"/api/v1/agent/calls/c-1{path}", headers=headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error_id"] == "call_not_found"
    gone = api.client.post(
        "/api/v1/agent/calls/nope/transfer", headers=headers, json={"to": "5002"}
    )
    assert gone.status_code == 404 and gone.json()["error_id"] == "call_not_found"
    assert nothing_sent(redis_client, node)


@pytest.mark.parametrize(
    ("method", "path", "body", "op", "args"),
    [
        ("POST", "/hold", None, "hold", {}),
        ("POST", "/resume", None, "resume", {}),
        ("POST", "/transfer", {"to": "5002"}, "transfer", {"to": "5002"}),
        ("DELETE", "/parties/customer", None, "hangup_party", {"party": "customer"}),
        ("DELETE", "", None, "hangup", {}),
        ("POST", "/recording", {"action": "start"}, "record", {"action": "start"}),
        ("POST", "/recording", {"action": "pause"}, "record", {"action": "pause"}),
    ],
)
def test_a_command_on_the_agents_call_goes_to_the_node_holding_it_and_answers_the_call(
    api: Api,
    redis_client: redis.Redis,
    call_control: NodeFactory,
    method: str,
    path: str,
    body: dict[str, str] | None,
    op: str,
    args: dict[str, str],
) -> None:
    other, holder = call_control("cc-1"), call_control("cc-2")
    publish(redis_client, view("c-1", node="cc-2"))
    response = api.client.request(
        method, f"/api/v1/agent/calls/c-1{path}", headers=agent(api), json=body
    )
    assert response.status_code == 200, response.text
    assert response.json() == CallChannel(redis_client).view("c-1")  # as call control left it
    [sent] = holder.received
    assert (sent.op, sent.agent, sent.call, sent.args) == (op, "demo/1001", "c-1", args)
    assert other.received == []


def test_call_controls_refusal_keeps_its_status_error_id_and_message(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory
) -> None:
    call_control(answer=refuse(409, "not_connected", "the call is not connected yet"))
    publish(redis_client, view("c-1", state="dialing"))
    response = api.client.post("/api/v1/agent/calls/c-1/hold", headers=agent(api))
    assert response.status_code == 409, response.text
    body = response.json()
    assert (body["status_code"], body["error_id"]) == (409, "not_connected")
    assert body["message"] == "the call is not connected yet" and body["details"] == {}


def test_without_call_control_a_command_answers_503_after_the_timeout(
    start_api: Callable[[float], Api], redis_client: redis.Redis
) -> None:
    api = start_api(0.3)
    publish(redis_client, view("c-1"))
    started = time.monotonic()
    response = api.client.post("/api/v1/agent/calls/c-1/hold", headers=agent(api))
    assert response.status_code == 503, response.text
    assert response.json()["error_id"] == "call_control_unavailable"
    assert 0.3 <= time.monotonic() - started < 2
    dial = api.client.post("/api/v1/agent/calls", headers=agent(api), json={"to": CUSTOMER})
    assert dial.status_code == 503 and dial.json()["error_id"] == "call_control_unavailable"


def test_a_command_waiting_on_call_control_does_not_hold_the_stores_write_lock(
    api: Api, redis_client: redis.Redis, demo_admin: Headers
) -> None:
    publish(redis_client, view("c-1"))
    headers = agent(api)
    waited: list[int] = []
    waiting = threading.Thread(
        target=lambda: waited.append(
            api.client.post("/api/v1/agent/calls/c-1/hold", headers=headers).status_code
        )
    )
    waiting.start()
    try:
        time.sleep(0.3)  # the hold is waiting for a reply (for 2 s)
        started = time.monotonic()
        change = api.client.post(
            "/api/v1/teams/demo/pause-reasons", headers=demo_admin, json={"name": "one-to-one"}
        )
        assert change.status_code == 201, change.text
        assert time.monotonic() - started < 1 and waiting.is_alive()
    finally:
        waiting.join()
    assert waited == [503]


def test_a_dial_in_only_agent_may_not_dial_and_nothing_is_sent(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory
) -> None:
    node = call_control()
    set_working_way(api, "1002", "dial_in")
    configure_acd(api, redis_client)
    response = api.client.post(
        "/api/v1/agent/calls", headers=agent(api, "1002", "1002"), json={"to": CUSTOMER}
    )
    assert response.status_code == 403, response.text
    assert response.json()["error_id"] == "outbound_not_allowed"
    assert nothing_sent(redis_client, node)


@pytest.mark.parametrize("way", ["dial_out", "all"])
def test_a_self_selecting_agent_dials_only_once_it_selected_a_way_that_calls_out(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory, way: str
) -> None:
    node = call_control()
    set_working_way(api, "1002", "self_selection")
    configure_acd(api, redis_client)  # as call control publishes it
    select_way(redis_client, "demo/1002", "dial_in")  # it was working both ways
    headers, body = agent(api, "1002", "1002"), {"to": CUSTOMER}
    refused = api.client.post("/api/v1/agent/calls", headers=headers, json=body)
    assert refused.status_code == 403 and refused.json()["error_id"] == "outbound_not_allowed"
    assert nothing_sent(redis_client, node)
    select_way(redis_client, "demo/1002", way)
    assert api.client.post("/api/v1/agent/calls", headers=headers, json=body).status_code == 201
    assert [c.op for c in node.received] == ["dial"]


def test_a_signed_out_agent_may_not_dial_and_nothing_is_sent(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory
) -> None:
    node = call_control()
    with api.sessions() as session, session.begin():
        demo = p.get_team(session, "demo")
        p.create_agent(
            session, demo, "1009", "1009", groups=["support"], binding="dynamic",
            working_way="dial_out",
        )  # fmt: skip
    configure_acd(api, redis_client)  # a dynamic agent starts signed out
    response = api.client.post(
        "/api/v1/agent/calls", headers=agent(api, "1009", "1009"), json={"to": CUSTOMER}
    )
    assert response.status_code == 409, response.text
    assert response.json()["error_id"] == "not_signed_in"
    assert nothing_sent(redis_client, node)


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "to"), ({"to": ""}, "to"), ({"to": "5" * 65}, "to"), ({"to": "+1 555"}, "to"),
     ({"to": "sip:a@b"}, "to"), ({"to": 5002}, "to"), ({"to": "5002", "from": "5001"}, "from")],
)  # fmt: skip
def test_a_target_that_is_not_1_to_64_allowed_characters_is_refused_with_422_and_not_sent(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory, body: Any, field: str
) -> None:
    node = call_control()
    publish(redis_client, view("c-1"))
    paths = ["/api/v1/agent/calls", "/api/v1/agent/calls/c-1/consult"]
    if body != {}:  # a transfer without a target completes the consultation (attended)
        paths += ["/api/v1/agent/calls/c-1/transfer", "/api/v1/agent/calls/c-1/conference"]
    for path in paths:
        assert_invalid(api.client.post(path, headers=agent(api), json=body), field)
    assert nothing_sent(redis_client, node)


@pytest.mark.parametrize("body", [{}, {"action": "rewind"}, {"action": "start", "file": "x"}])
def test_a_recording_action_that_is_not_start_pause_resume_stop_is_422_and_not_sent(
    api: Api, redis_client: redis.Redis, call_control: NodeFactory, body: dict[str, str]
) -> None:
    node = call_control()
    publish(redis_client, view("c-1"))
    response = api.client.post("/api/v1/agent/calls/c-1/recording", headers=agent(api), json=body)
    assert response.status_code == 422, response.text
    assert nothing_sent(redis_client, node)


def test_only_an_agents_token_commands_its_own_calls(api: Api, demo_admin: Headers) -> None:
    response = api.client.get("/api/v1/agent/calls", headers=demo_admin)
    assert response.status_code == 403 and response.json()["error_id"] == "forbidden"
    assert api.client.get("/api/v1/agent/calls").status_code == 401


def test_without_redis_the_calls_answer_503_and_no_server_error(
    tmp_path: Path, api_template: Path
) -> None:
    path = tmp_path / "store.sqlite3"
    shutil.copy(api_template, path)
    settings = WebSettings(db_url=f"sqlite:///{path}", redis_url="redis://127.0.0.1:1/0")
    engine = make_engine(settings.db_url)
    with TestClient(create_app(settings)) as client:
        response = client.get(
            "/api/v1/agent/calls", headers=agent(Api(client, make_sessionmaker(engine)))
        )
    engine.dispose()
    assert response.status_code == 503, response.text
    assert response.json()["error_id"] == "call_control_unavailable"

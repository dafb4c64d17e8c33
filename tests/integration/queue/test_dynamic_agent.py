"""A dynamic agent signs in from the browser and takes calls at the soft phone registered
from the same computer (the same IP address as the browser's requests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import select

from routing.acd.redis_store import RedisAcd
from store import provisioning as p
from store.models import Agent, ProvisioningState
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    CARRIER_IP,
    agent_live,
    call_queue,
    carrier,
    redis_client,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

AGENT = "demo/1007"


@pytest.fixture
def dynamic_agent(stack: Stack) -> str:
    """Agent 1007 of support, dynamic: it takes the phone next to its browser."""
    import re

    with stack.sessions() as session, session.begin():
        if session.scalar(select(Agent).where(Agent.number == "1007")) is None:
            team = p.get_team(session, "demo")
            p.create_agent(session, team, "1007", "1007", groups=["support"], binding="dynamic")
    with stack.sessions() as session:
        version = session.scalar(select(ProvisioningState.version)) or 0

    def loaded() -> bool:
        seen = re.findall(r"configuration v(\d+):", stack.log("callcontrol"))
        return bool(seen) and max(int(v) for v in seen) >= version

    wait_until(loaded, timeout=5, what="call control knows 1007")
    return AGENT


@pytest.fixture
def browser(stack: Stack) -> Iterator[Callable[[str], httpx.Client]]:
    """Agent 1007 logged in through the real web server, from ``ip`` (a loopback address)."""
    clients: list[httpx.Client] = []

    def login(ip: str) -> httpx.Client:
        transport = httpx.HTTPTransport(local_address=ip)
        client = httpx.Client(base_url=f"{stack.web_url}/api/v1", timeout=10, transport=transport)
        clients.append(client)
        token = client.post(
            "/auth/agent-login", json={"team": "demo", "number": "1007", "password": "1007"}
        )
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['token']}"
        return client

    yield login
    for client in clients:
        client.post("/agent/session/sign-out")
        client.close()


def test_dynamic_agent_signs_in_at_the_phone_registered_from_its_computer_and_takes_calls(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    dynamic_agent: str,
    browser: Callable[[str], httpx.Client],
) -> None:
    set_agents(stack, idle=())  # the demo agents paused: only 1007 can take the call
    phone = phones("demo-5008", local_ip="127.0.0.1")
    edge = RedisAcd(redis_client(stack))
    wait_until(
        lambda: "demo-5008" in edge.users_registered_from("127.0.0.1"),
        what="the edge reported where demo-5008 registered from",
    )
    api = browser("127.0.0.1")
    response = api.post("/agent/session/sign-in")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "idle"
    assert response.json()["extension"] == "demo-5008"
    wait_until(lambda: agent_live(stack, dynamic_agent).registered, what="1007 reachable")

    with carrier(stack) as ua:
        queued = call_queue(ua, rtp_endpoints(CARRIER_IP))
        incoming = phone.wait_incoming(timeout=5)
        incoming.answer(rtp_endpoints())
        wait_until(lambda: agent_live(stack, dynamic_agent).state == "on_call", what="on call")
        assert queued.bye().status == 200
        incoming.wait_bye()


def test_dynamic_agent_without_a_free_phone_on_its_computer_gets_409(
    stack: Stack, phones: PhoneFactory, dynamic_agent: str, browser: Callable[[str], httpx.Client]
) -> None:
    phones("demo-5008", local_ip="127.0.0.1")  # registered, but from another computer
    api = browser("127.0.0.3")
    response = api.post("/agent/session/sign-in")
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error_id"] == "no_free_phone"
    assert "127.0.0.3" in body["message"] and body["details"]["client_ip"] == "127.0.0.3"
    assert agent_live(stack, dynamic_agent).state == "signed_out"

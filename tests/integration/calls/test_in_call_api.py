"""The in-call API end to end: an agent signed in with its token chooses to dial out,
clicks to dial, holds and hangs up through /api/v1/agent/calls, on the real stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import AGENT_TONE, CALLER_TONE, agent_live, hears, set_agents
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until


@pytest.fixture
def agent_api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{stack.web_url}/api/v1", timeout=15) as client:
        token = client.post(
            "/auth/agent-login", json={"team": "demo", "number": "1001", "password": "1001"}
        )
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['token']}"
        yield client


def test_an_agent_clicks_to_dial_holds_and_hangs_up_through_the_api(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    agent_api: httpx.Client,
) -> None:
    set_agents(stack, idle=("demo/1001",))
    agent_phone, customer_phone = phones("demo-5001"), phones("demo-5002")
    wait_until(lambda: agent_live(stack, "demo/1001").registered, what="the phone registered")
    created = agent_api.post("/agent/calls", json={"to": "5002"})
    assert created.status_code == 201, created.text
    call_id = created.json()["id"]
    agent_rtp, customer_rtp = rtp_endpoints(), rtp_endpoints()
    incoming = agent_phone.wait_incoming(timeout=5)
    incoming.answer(agent_rtp)
    incoming.wait_ack()
    agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
    ringing = customer_phone.wait_incoming(timeout=5)
    ringing.answer(customer_rtp)
    ringing.wait_ack()
    customer_rtp.start_sending(ringing.remote_rtp, tone_hz=CALLER_TONE)
    wait_until(lambda: hears(customer_rtp, AGENT_TONE, CALLER_TONE), what="customer hears agent")
    listed = agent_api.get("/agent/calls").json()["calls"]
    assert [(c["id"], c["state"]) for c in listed] == [(call_id, "connected")]

    held = agent_api.post(f"/agent/calls/{call_id}/hold")
    assert held.status_code == 200 and held.json()["state"] == "held", held.text
    again = agent_api.post(f"/agent/calls/{call_id}/hold")
    assert again.status_code == 409 and again.json()["error_id"] == "already_held"
    assert agent_api.post(f"/agent/calls/{call_id}/resume").json()["state"] == "connected"
    assert agent_api.get("/agent/calls/nope").status_code == 404

    gone = agent_api.delete(f"/agent/calls/{call_id}")
    assert gone.status_code == 200, gone.text
    incoming.wait_bye()
    ringing.wait_bye()
    wait_until(lambda: agent_api.get("/agent/calls").json()["calls"] == [], what="no calls")

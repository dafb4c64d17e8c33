"""Working ways and phones as an admin sets them up: ``all`` takes queue calls and calls
out; a self-selecting agent switches its way by API or ``*67``; a self-adapting agent
signs in through the API at an extension it names (never another agent's phone)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import closing

import httpx
import pytest

from store import provisioning as p
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    CARRIER_IP,
    agent_live,
    call_queue,
    carrier,
    provision_agent,
    send_dtmf,
    set_agents,
)
from tests.integration.test_outbound_calls import carriers, provision, rings
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

OK_HZ, ERROR_HZ = 1400.0, 300.0
REMOTE = "127.0.0.3"  # a carrier of the test's own trunk


@pytest.fixture
def self_adapting_agent(stack: Stack, agent_api: Callable[[str], httpx.Client]) -> Iterator[str]:
    """Agent 1007, self-adapting, working both ways (the default); signed out afterwards."""
    agent = provision_agent(stack, "1007", binding="self_adapting", working_way="all")
    yield agent
    with closing(agent_api("1007")) as api:
        api.post("/agent/session/sign-out")


@pytest.fixture
def self_selecting_1003(stack: Stack) -> Iterator[str]:
    """Demo agent 1003 switched to self-selection; back to "all" afterwards."""
    yield provision_agent(stack, "1003", working_way="self_selection")
    provision_agent(stack, "1003", working_way="all")


def test_self_adapting_agent_signs_in_at_the_extension_it_names_and_works_both_ways(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    agent_api: Callable[[str], httpx.Client],
    self_adapting_agent: str,
) -> None:
    set_agents(stack, idle=())  # every demo agent paused: only 1007 can take the call
    with closing(agent_api("1007")) as api:
        missing = api.post("/agent/session/sign-in")
        assert missing.status_code == 422 and missing.json()["details"]["field"] == "extension"
        fixed = api.post("/agent/session/sign-in", json={"extension": "5001"})
        assert fixed.status_code == 409, fixed.text  # fixed agent 1001's phone
        assert fixed.json()["error_id"] == "extension_in_use"
        assert fixed.json()["details"]["used_by"] == "1001"
        unknown = api.post("/agent/session/sign-in", json={"extension": "5999"})
        assert unknown.status_code == 422, unknown.text
        signed_in = api.post("/agent/session/sign-in", json={"extension": "5008"})
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["state"] == "idle"
        assert signed_in.json()["extension"] == "demo-5008"
        session = api.get("/agent/session").json()
        assert (session["extension"], session["way"]) == ("demo-5008", "all")

    phone = phones("demo-5008")
    wait_until(lambda: agent_live(stack, self_adapting_agent).registered, what="5008 registered")
    with carrier(stack) as ua:  # the queue rings the extension the agent named
        queued = call_queue(ua, rtp_endpoints(CARRIER_IP))
        incoming = phone.wait_incoming(timeout=5)
        incoming.answer(rtp_endpoints())
        wait_until(
            lambda: agent_live(stack, self_adapting_agent).state == "on_call", what="on call"
        )
        assert queued.bye().status == 200
        incoming.wait_bye()
    wait_until(lambda: agent_live(stack, self_adapting_agent).state != "on_call", what="call over")

    # working "all", the agent's phone may call out (it was refused 403 as "dial-in")
    with carriers(stack, REMOTE) as (remote,):
        provision(
            stack, lambda session, team: p.update_team(session, team, {"default_trunk": "out-0"})
        )
        out = phone.invite("+15557770000", rtp=rtp_endpoints(), wait=False)
        offered = rings(remote, out)
        offered.reject(486, "Busy Here")
        assert out.wait_final(timeout=5).status == 486


def test_star_64_never_takes_a_fixed_agents_phone(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    self_adapting_agent: str,
) -> None:
    phone = phones("demo-5002")  # fixed agent 1002's phone
    before = agent_live(stack, self_adapting_agent)
    rtp = rtp_endpoints()
    call = phone.invite("*64", rtp=rtp, wait=True)
    assert call.status == 200, call.response.summary()
    rtp.start_sending(call.remote_rtp, tone_hz=400.0)
    send_dtmf(rtp, call.remote_rtp, "1007#1007#")
    wait_until(lambda: rtp.dominant_power(ERROR_HZ) > 0.5, timeout=5, what="the refusal")
    call.wait_bye(timeout=5)
    after = agent_live(stack, self_adapting_agent)
    assert (after.state, after.version) == (before.state, before.version)
    assert "extension_used_by_demo/1002" in stack.log("callcontrol")


def test_self_selecting_agent_switches_its_working_way_by_api_and_by_star_67(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    agent_api: Callable[[str], httpx.Client],
    self_selecting_1003: str,
) -> None:
    set_agents(stack, idle=("demo/1003",))
    phone = phones("demo-5003")
    with closing(agent_api("1003")) as api:
        assert api.get("/agent/session").json()["way"] == "dial_in"  # where it starts
        out = api.post("/agent/session/working-way", json={"way": "dial_out"})
        assert out.status_code == 200 and out.json()["way"] == "dial_out", out.text
        bad = api.post("/agent/session/working-way", json={"way": "sideways"})
        assert bad.status_code == 422, bad.text
    with closing(agent_api("1001")) as api:  # working "all": nothing to choose
        fixed = api.post("/agent/session/working-way", json={"way": "dial_in"})
        assert fixed.status_code == 409 and fixed.json()["error_id"] == "way_not_selectable"

    with carrier(stack) as ua:  # dial-out: 1003 is idle but not offered the queue call
        queued = call_queue(ua, rtp_endpoints(CARRIER_IP))
        time.sleep(2)  # an offer would ring at once
        assert not phone.has_incoming()
        rtp = rtp_endpoints()
        star = phone.invite("*67", rtp=rtp, wait=True)
        assert star.status == 200, star.response.summary()
        rtp.start_sending(star.remote_rtp, tone_hz=400.0)
        send_dtmf(rtp, star.remote_rtp, "3")  # all: both ways
        wait_until(lambda: rtp.dominant_power(OK_HZ) > 0.5, timeout=5, what="the confirmation")
        star.wait_bye(timeout=5)
        assert agent_live(stack, self_selecting_1003).way == "all"
        incoming = phone.wait_incoming(timeout=5)  # now it takes the waiting call
        incoming.answer(rtp_endpoints())
        assert queued.bye().status == 200
        incoming.wait_bye()

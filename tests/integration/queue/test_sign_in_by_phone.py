"""``*64``: an agent signs in from a phone by keying its number and password (RFC 4733)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from routing.acd.model import AgentLive
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
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

PROMPT_HZ, OK_HZ, ERROR_HZ = 850.0, 1400.0, 300.0


@pytest.fixture
def roaming_agent(stack: Stack) -> str:
    """Agent 1006 of support, self-adapting: it signs in at whichever phone it uses."""
    return provision_agent(stack, "1006", binding="self_adapting")


def dial_star_64(phone, rtp: RtpEndpoint):  # type: ignore[no-untyped-def]
    call = phone.invite("*64", rtp=rtp, wait=True)
    assert call.status == 200, call.response.summary()
    rtp.start_sending(call.remote_rtp, tone_hz=400.0)
    wait_until(lambda: rtp.dominant_power(PROMPT_HZ) > 0.3, timeout=5, what="the prompt")
    return call


def test_star_64_with_number_and_password_signs_the_agent_in_at_this_phone(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    roaming_agent: str,
) -> None:
    set_agents(stack, idle=())  # everyone else paused
    phone = phones("demo-5006")
    assert agent_live(stack, roaming_agent).state in ("signed_out", "idle")
    rtp = rtp_endpoints()
    call = dial_star_64(phone, rtp)
    send_dtmf(rtp, call.remote_rtp, "1006#1006#")
    wait_until(lambda: rtp.dominant_power(OK_HZ) > 0.5, timeout=5, what="the confirmation")
    call.wait_bye(timeout=5)
    assert agent_live(stack, roaming_agent).state == "idle"

    with carrier(stack) as ua:  # the queue now rings the phone the agent signed in at
        queued = call_queue(ua, rtp_endpoints(CARRIER_IP))
        incoming = phone.wait_incoming(timeout=5)
        incoming.answer(rtp_endpoints())
        wait_until(lambda: agent_live(stack, roaming_agent).state == "on_call", what="on call")
        assert queued.bye().status == 200
        incoming.wait_bye()


def test_star_64_with_a_wrong_password_is_refused_with_a_low_tone(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    roaming_agent: str,
) -> None:
    phone = phones("demo-5007")

    # SIP truth first: 1006's extension (none, or a phone of an earlier test) is not registered.
    def settled() -> AgentLive | None:
        live = agent_live(stack, roaming_agent)
        return None if live.registered else live

    before = wait_until(settled, what="1006 known unregistered")
    rtp = rtp_endpoints()
    call = dial_star_64(phone, rtp)
    send_dtmf(rtp, call.remote_rtp, "1006#9999#")
    wait_until(lambda: rtp.dominant_power(ERROR_HZ) > 0.5, timeout=5, what="the refusal")
    call.wait_bye(timeout=5)
    assert agent_live(stack, roaming_agent).version == before.version

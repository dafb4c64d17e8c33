"""SIP is the truth for the queue: an agent whose phone is unregistered, or who is on a
direct (non-queue) call, is not offered queue calls; the edge reports both to the ACD."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    CARRIER_IP,
    KEYS,
    agent_live,
    call_queue,
    carrier,
    leg_records,
    redis_client,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import Call, IncomingCall, SipUA
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def registered(stack: Stack, agent: str, expected: bool) -> bool:
    return agent_live(stack, agent).registered is expected


def edge_registered(stack: Stack, user: str) -> bool:
    return bool(redis_client(stack).sismember(KEYS.sip_registered, user))


def answered_by(
    stack: Stack, ua: SipUA, rtp: Callable[..., RtpEndpoint], phone: SipUA
) -> tuple[Call, IncomingCall]:
    """A carrier call to the queue, answered at ``phone``."""
    call = call_queue(ua, rtp(CARRIER_IP))
    incoming = phone.wait_incoming(timeout=8)
    incoming.answer(rtp())
    incoming.wait_ack()
    return call, incoming


def offered_agents(stack: Stack, call_id: str) -> list[object]:
    """The agents the call's legs were offered to (records are written in the background)."""
    legs = wait_until(lambda: leg_records(stack, call_id), what=f"the legs of {call_id}")
    return [leg["agent"] for leg in legs]


def test_unregistered_agent_is_never_offered_and_is_offered_again_once_registered(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1002", "demo/1003"))  # 1002 idle the longest: first choice
    phone_2, phone_3 = phones("demo-5002"), phones("demo-5003")
    # Settle first: the edge reported both phones, and call control applied it (set_agents
    # forced "registered", which call control may have corrected before the phones were up).
    for user, agent in (("demo-5002", "demo/1002"), ("demo-5003", "demo/1003")):
        wait_until(lambda u=user: edge_registered(stack, u), what=f"the edge saw {user}")
        wait_until(lambda a=agent: registered(stack, a, True), what=f"{agent} registered")
    assert phone_2.unregister().status == 200
    wait_until(lambda: registered(stack, "demo/1002", False), what="1002 unregistered")
    assert agent_live(stack, "demo/1002").state == "idle"  # signed in, but not reachable

    with carrier(stack) as ua:
        call, incoming = answered_by(stack, ua, rtp_endpoints, phone_3)
        assert offered_agents(stack, call.call_id) == ["1003"]
        assert not phone_2.has_incoming()

        assert phone_2.register().status == 200
        wait_until(lambda: registered(stack, "demo/1002", True), what="1002 registered again")
        # 1003 is on the first call: the next one can only go to 1002, and does.
        second, incoming_2 = answered_by(stack, ua, rtp_endpoints, phone_2)
        assert offered_agents(stack, second.call_id) == ["1002"]
        for dialog, far_end in ((call, incoming), (second, incoming_2)):
            assert dialog.bye().status == 200
            far_end.wait_bye()
    wait_until(lambda: agent_live(stack, "demo/1002").state == "idle", what="1002 idle")


def test_agent_on_a_direct_call_is_busy_for_the_queue_until_its_bye(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1002", "demo/1003"))  # 1002 idle the longest: first choice
    phone_1, phone_2, phone_3 = phones("demo-5001"), phones("demo-5002"), phones("demo-5003")
    wait_until(lambda: registered(stack, "demo/1002", True), what="1002 registered")

    direct = phone_1.invite("5002", rtp=rtp_endpoints(), wait=False)
    ringing = phone_2.wait_incoming(timeout=5)
    ringing.answer(rtp_endpoints())
    assert direct.wait_final(timeout=5).status == 200
    live = wait_until(
        lambda: (a := agent_live(stack, "demo/1002")).state == "on_call" and a,
        what="1002 busy on the direct call",
    )
    assert live.call_kind == "direct" and live.call_id == direct.call_id

    with carrier(stack) as ua:
        call, incoming = answered_by(stack, ua, rtp_endpoints, phone_3)
        assert offered_agents(stack, call.call_id) == ["1003"]
        assert not phone_2.has_incoming()

        assert direct.bye().status == 200
        ringing.wait_bye()
        wait_until(
            lambda: agent_live(stack, "demo/1002").state == "idle", what="1002 free after the BYE"
        )
        second, incoming_2 = answered_by(stack, ua, rtp_endpoints, phone_2)
        assert offered_agents(stack, second.call_id) == ["1002"]
        for dialog, far_end in ((call, incoming), (second, incoming_2)):
            assert dialog.bye().status == 200
            far_end.wait_bye()

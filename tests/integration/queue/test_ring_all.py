"""Ring all: every free agent of the group rings at once; the first to answer takes it."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    AGENT_TONE,
    CALLER_TONE,
    CARRIER_IP,
    agent_live,
    call_queue,
    call_record,
    carrier,
    configure_support,
    hears,
    leg_records,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def test_ring_all_rings_both_agents_the_first_answer_wins_the_other_is_cancelled(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    configure_support(stack, strategy="ring_all", ring_timeout_s=10)
    set_agents(stack, idle=("demo/1001", "demo/1002"))
    phone_1, phone_2 = phones("demo-5001"), phones("demo-5002")
    caller_rtp, agent_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints()
    try:
        with carrier(stack) as ua:
            call = call_queue(ua, caller_rtp)
            ringing_1 = phone_1.wait_incoming(timeout=5)
            ringing_2 = phone_2.wait_incoming(timeout=2)  # at once, not after a timeout
            ringing_1.ring()
            ringing_2.ring()
            assert agent_live(stack, "demo/1001").state == "offered"
            assert agent_live(stack, "demo/1002").state == "offered"
            ringing_2.answer(agent_rtp)
            ringing_1.wait_cancel(timeout=5)
            agent_rtp.start_sending(ringing_2.remote_rtp, tone_hz=AGENT_TONE)
            wait_until(
                lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE),
                timeout=5,
                what="the caller hears the agent who answered",
            )
            wait_until(lambda: agent_live(stack, "demo/1002").state == "on_call", what="on call")
            wait_until(lambda: agent_live(stack, "demo/1001").state == "idle", what="released")
            assert call.bye().status == 200
            ringing_2.wait_bye()
        cdr = call_record(stack, call.call_id, outcome="answered")
        assert cdr["agent"] == "1002" and cdr["offers"] == 2
        legs = wait_until(
            lambda: (
                (legs := leg_records(stack, call.call_id))
                and all(leg["outcome"] for leg in legs)
                and legs
            ),
            what="both legs recorded",
        )
        assert sorted((leg["agent"], leg["outcome"]) for leg in legs) == [
            ("1001", "answered_elsewhere"),
            ("1002", "answered"),
        ]
        wait_until(lambda: agent_live(stack, "demo/1002").state == "idle", what="1002 free")
    finally:
        configure_support(stack, strategy="longest_idle", ring_timeout_s=2)


def test_ring_all_timeout_cancels_every_leg_and_the_call_waits_again(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    configure_support(stack, strategy="ring_all", ring_timeout_s=2)
    set_agents(stack, idle=("demo/1001", "demo/1002"))
    phone_1, phone_2 = phones("demo-5001"), phones("demo-5002")
    try:
        with carrier(stack) as ua:
            call = call_queue(ua, rtp_endpoints(CARRIER_IP))
            ringing_1 = phone_1.wait_incoming(timeout=5)
            ringing_2 = phone_2.wait_incoming(timeout=2)
            ringing_1.ring()  # a CANCEL follows a provisional response (RFC 3261 9.1)
            ringing_2.ring()
            ringing_1.wait_cancel(timeout=5)
            ringing_2.wait_cancel(timeout=1)
            wait_until(
                lambda: (
                    agent_live(stack, "demo/1001").state == "idle"
                    and agent_live(stack, "demo/1002").state == "idle"
                ),
                what="both released",
            )
            assert call.bye().status == 200
        cdr = call_record(stack, call.call_id, outcome="abandoned")
        assert cdr["offers"] >= 2
    finally:
        configure_support(stack, strategy="longest_idle", ring_timeout_s=2)

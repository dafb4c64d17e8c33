"""Overflow to a ring group or an external number: call control dials ``<team>-<X>``
through Kamailio (X as a phone of the team would dial it), which rings the ring group's
extensions, or calls the number out through the team's trunk."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from store import provisioning as p
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    AGENT_TONE,
    CALLER_TONE,
    CARRIER_IP,
    call_queue,
    call_record,
    carrier,
    configure_support,
    hears,
    set_agents,
)
from tests.integration.test_outbound_calls import CARRIER_A, carriers, provision
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until


@pytest.fixture
def ring_group_690(stack: Stack) -> Iterator[str]:
    """Ring group 690 ringing the reception phone, extension 5000; deleted afterwards."""
    provision(
        stack,
        lambda s, team: p.create_ring_group(s, team, "690", name="reception", members=["5000"]),
    )
    yield "690"
    configure_support(stack, overflow_kind="hangup", overflow_ref="", max_wait_s=60)
    provision(stack, lambda s, team: p.delete_ring_group(s, p.get_ring_group(s, team, "690")))


def test_call_waiting_past_max_wait_overflows_to_a_ring_group(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    ring_group_690: str,
) -> None:
    configure_support(stack, max_wait_s=2, overflow_kind="ring_group", overflow_ref=ring_group_690)
    set_agents(stack, idle=())
    reception = phones("demo-5000")
    caller_rtp, reception_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints()
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        incoming = reception.wait_incoming(timeout=8)
        incoming.answer(reception_rtp)
        reception_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        wait_until(
            lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE),
            timeout=5,
            what="caller connected to the ring group's phone",
        )
        assert f"demo-{ring_group_690}" in stack.log("callcontrol")
        assert call.bye().status == 200
        incoming.wait_bye()
    cdr = call_record(stack, call.call_id, outcome="overflowed")
    assert cdr["answered_at"] is not None and cdr["agent"] == ""


def test_call_waiting_past_max_wait_overflows_to_an_external_number_through_the_trunk(
    stack: Stack, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    number = "+15557770000"
    set_agents(stack, idle=())
    with carriers(stack, CARRIER_A) as (trunk,):
        provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": "out-0"}))
        configure_support(stack, max_wait_s=2, overflow_kind="external", overflow_ref=number)
        caller_rtp, far_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints(CARRIER_A)
        try:
            with carrier(stack) as ua:
                call = call_queue(ua, caller_rtp)
                outbound = trunk.wait_incoming(timeout=8)  # after the 2 s max wait
                assert outbound.request.uri.startswith(f"sip:{number}@{CARRIER_A}")
                outbound.answer(far_rtp)
                far_rtp.start_sending(outbound.remote_rtp, tone_hz=AGENT_TONE)
                wait_until(
                    lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE),
                    timeout=5,
                    what="caller connected to the external number",
                )
                assert call.bye().status == 200
                outbound.wait_bye()
        finally:
            configure_support(stack, overflow_kind="hangup", overflow_ref="", max_wait_s=60)
    cdr = call_record(stack, call.call_id, outcome="overflowed")
    assert cdr["answered_at"] is not None


def test_an_overflow_destination_that_cannot_be_reached_gets_the_goodbye_message(
    stack: Stack, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=())
    configure_support(stack, max_wait_s=2, overflow_kind="extension", overflow_ref="5009")
    try:
        with carrier(stack) as ua:  # nobody registered at 5009: the edge answers 480
            call = call_queue(ua, rtp_endpoints(CARRIER_IP))
            goodbye = f"call {call.call_id} hears 'All our agents are busy"
            wait_until(lambda: goodbye in stack.log("callcontrol"), timeout=8, what="goodbye")
            call.wait_bye(timeout=8)
    finally:
        configure_support(stack, overflow_kind="hangup", overflow_ref="", max_wait_s=60)
    cdr = call_record(stack, call.call_id, outcome="overflowed")
    assert cdr["end_reason"] == "overflow_failed"

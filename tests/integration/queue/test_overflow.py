"""Overflow: after the group's max wait, or at once when no member is signed in."""

from __future__ import annotations

import time
from collections.abc import Callable

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
    hears_music,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def test_call_waiting_past_max_wait_overflows_to_the_groups_extension(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    configure_support(stack, max_wait_s=2, overflow_kind="extension", overflow_ref="5000")
    set_agents(stack, idle=())
    reception = phones("demo-5000")
    caller_rtp, reception_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints()
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        entered = time.monotonic()
        wait_until(lambda: hears_music(caller_rtp), timeout=5, what="music while waiting")
        incoming = reception.wait_incoming(timeout=6)
        assert 1.5 < time.monotonic() - entered < 4
        incoming.answer(reception_rtp)
        reception_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        wait_until(
            lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE),
            timeout=5,
            what="caller connected to the overflow extension",
        )
        assert call.bye().status == 200
        incoming.wait_bye()
    cdr = call_record(stack, call.call_id, outcome="overflowed")
    assert cdr["answered_at"] is not None and cdr["agent"] == ""


def test_call_overflows_at_once_when_no_member_is_signed_in(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    configure_support(stack, overflow_kind="extension", overflow_ref="5000")
    set_agents(stack, idle=(), signed_out=True)
    reception = phones("demo-5000")
    with carrier(stack) as ua:
        call = call_queue(ua, rtp_endpoints(CARRIER_IP))
        incoming = reception.wait_incoming(timeout=2)
        incoming.answer(rtp_endpoints())
        assert call.bye().status == 200
        incoming.wait_bye()
    assert call_record(stack, call.call_id, outcome="overflowed")["wait_ms"] < 1500


def test_overflow_to_hang_up_says_goodbye_and_ends_the_call_after_max_wait(
    stack: Stack, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    configure_support(stack, max_wait_s=2, overflow_kind="hangup")
    set_agents(stack, idle=())
    caller_rtp = rtp_endpoints(CARRIER_IP)
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        entered = time.monotonic()
        goodbye = f"call {call.call_id} hears 'All our agents are busy"
        wait_until(lambda: goodbye in stack.log("callcontrol"), timeout=6, what="the goodbye")
        assert 1.5 < time.monotonic() - entered < 4
        caller_rtp.clear()
        caller_rtp.wait_received(50, timeout=3)  # a second of the message: speech, not music
        assert not hears_music(caller_rtp)
        call.wait_bye(timeout=8)  # once the message (about 4.5 s) has been said
        assert 5.5 < time.monotonic() - entered < 10
    cdr = call_record(stack, call.call_id, outcome="overflowed")
    assert cdr["end_reason"] == "overflow"
    wait_until(lambda: call.call_id not in stack.rtpengine.list_calls(), what="media freed")

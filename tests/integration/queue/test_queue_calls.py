"""Queue calls end to end through Kamailio, call control (sippy), rtpengine and Redis."""

from __future__ import annotations

import time
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
    hears,
    hears_music,
    leg_records,
    set_agents,
)
from tests.support.rtp import JITTER_START_PACKETS, RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def test_free_agent_is_connected_and_audio_flows_both_ways_through_rtpengine(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    agent_phone = phones("demo-5001")
    caller_rtp, agent_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints()
    with carrier(stack) as ua:
        started = time.monotonic()
        call = call_queue(ua, caller_rtp)
        answered = time.monotonic()
        incoming = agent_phone.wait_incoming(timeout=5)
        offered = time.monotonic()
        incoming.answer(agent_rtp)
        incoming.wait_ack()
        print(
            f"queue call: INVITE to 200 (music) {answered - started:.3f} s, to the agent's "
            f"INVITE {offered - started:.3f} s, to bridged {time.monotonic() - started:.3f} s"
        )
        agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        assert wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call")
        caller_rtp.clear()
        agent_rtp.clear()
        wait_until(
            lambda: caller_rtp.received_total > 50 and agent_rtp.received_total > 50,
            what="RTP both ways",
        )
        wait_until(
            lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE),
            timeout=5,
            what="the caller hears the agent",
        )
        wait_until(
            lambda: hears(agent_rtp, CALLER_TONE, AGENT_TONE),
            timeout=5,
            what="the agent hears the caller",
        )
        assert not hears_music(caller_rtp)
        # The caller's phone-side port never moved: no re-INVITE reached it.
        assert not [r for r in call.requests if r.method == "INVITE"]

        assert call.bye().status == 200
        incoming.wait_bye()
        wait_until(
            lambda: call.call_id not in stack.rtpengine.list_calls(),
            what="caller's rtpengine session deleted",
        )
        wait_until(
            lambda: incoming.call_id not in stack.rtpengine.list_calls(),
            what="agent leg's rtpengine session deleted",
        )
        wait_until(
            lambda: agent_live(stack, "demo/1001").state in ("idle", "acw"), what="agent released"
        )
    cdr = call_record(stack, call.call_id, outcome="answered")
    assert cdr["agent"] == "1001" and cdr["end_reason"] == "caller_hangup"
    assert cdr["talk_ms"] > 0 and cdr["caller"] == "carrier"


def test_caller_hears_music_while_no_agent_is_free_then_is_connected_when_one_frees_up(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=())
    agent_phone = phones("demo-5001")
    caller_rtp, agent_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints()
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        wait_until(lambda: caller_rtp.received_total > 25, what="RTP reaches the waiting caller")
        wait_until(lambda: hears_music(caller_rtp), timeout=5, what="the caller hears music")
        assert not agent_phone.has_incoming()

        set_agents(stack, idle=("demo/1001",))
        incoming = agent_phone.wait_incoming(timeout=5)
        incoming.answer(agent_rtp)
        agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        wait_until(
            lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE),
            timeout=5,
            what="the caller hears the agent instead of music",
        )
        wait_until(
            lambda: hears(agent_rtp, CALLER_TONE, AGENT_TONE),
            timeout=5,
            what="the agent hears the caller",
        )
        assert incoming.bye().status == 200  # the agent hangs up: the caller's leg ends too
        call.wait_bye()
        wait_until(
            lambda: call.call_id not in stack.rtpengine.list_calls(),
            what="caller's rtpengine session deleted",
        )


def test_unanswered_offer_is_cancelled_after_the_ring_timeout_and_the_next_agent_is_offered(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001", "demo/1002"))
    first, second = phones("demo-5001"), phones("demo-5002")
    caller_rtp = rtp_endpoints(CARRIER_IP)
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        ringing = first.wait_incoming(timeout=5)  # the longest idle
        ringing.ring()
        offered_at = time.monotonic()
        ringing.wait_cancel(timeout=5)
        assert 1.5 < time.monotonic() - offered_at < 4  # the group's ring timeout is 2 s
        incoming = second.wait_incoming(timeout=5)
        incoming.answer(rtp_endpoints())
        wait_until(
            lambda: agent_live(stack, "demo/1002").state == "on_call",
            what="second agent on the call",
        )
        assert agent_live(stack, "demo/1001").state == "idle"
        assert hears_music(caller_rtp) or caller_rtp.received_total > 0
        assert call.bye().status == 200
        incoming.wait_bye()
    cdr = call_record(stack, call.call_id, outcome="answered")
    assert cdr["agent"] == "1002" and cdr["offers"] == 2 and cdr["ring_ms"] >= 1500
    legs = leg_records(stack, call.call_id)
    assert [(leg["agent"], leg["outcome"]) for leg in legs] == [
        ("1001", "no_answer"),
        ("1002", "answered"),
    ]


def test_rejected_offer_goes_to_the_next_agent_while_the_caller_keeps_waiting(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001", "demo/1002"))
    first, second = phones("demo-5001"), phones("demo-5002")
    caller_rtp = rtp_endpoints(CARRIER_IP)
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        first.wait_incoming(timeout=5).reject(603, "Decline")
        incoming = second.wait_incoming(timeout=5)
        wait_until(lambda: hears_music(caller_rtp), timeout=5, what="music while re-offering")
        incoming.answer(rtp_endpoints())
        wait_until(
            lambda: agent_live(stack, "demo/1002").state == "on_call",
            what="second agent on the call",
        )
        assert call.bye().status == 200
        incoming.wait_bye()


def test_caller_hanging_up_while_waiting_is_an_abandon_and_no_agent_is_offered(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=())
    agent_phone = phones("demo-5001")
    caller_rtp = rtp_endpoints(CARRIER_IP)
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        wait_until(lambda: hears_music(caller_rtp), timeout=5, what="music")
        assert call.bye().status == 200
        wait_until(
            lambda: call.call_id not in stack.rtpengine.list_calls(),
            what="caller's rtpengine session deleted",
        )
        cdr = call_record(stack, call.call_id, outcome="abandoned")
        assert cdr["offers"] == 0 and cdr["agent"] == "" and cdr["answered_at"] is None
        assert cdr["end_reason"] == "caller_hangup" and cdr["wait_ms"] > 0
        assert cdr["group_name"] == "support" and cdr["dialed"] == "+15550100"
    set_agents(stack, idle=("demo/1001",))  # a free agent now gets nothing: the call is gone
    assert not agent_phone.has_incoming()


def test_paused_agent_is_never_offered_a_call(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1002",), paused=("demo/1001",))
    paused_phone, free_phone = phones("demo-5001"), phones("demo-5002")
    with carrier(stack) as ua:
        call = call_queue(ua, rtp_endpoints(CARRIER_IP))
        incoming = free_phone.wait_incoming(timeout=5)
        incoming.answer(rtp_endpoints())
        wait_until(lambda: agent_live(stack, "demo/1002").state == "on_call", what="on call")
        assert not paused_phone.has_incoming()
        assert agent_live(stack, "demo/1001").state == "paused"
        assert call.bye().status == 200
        incoming.wait_bye()


def test_a_phone_dialing_its_teams_queue_did_reaches_an_agent(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    agent_phone, caller_phone = phones("demo-5001"), phones("demo-5000")
    caller_rtp = rtp_endpoints()
    call = caller_phone.invite("+15550100", rtp=caller_rtp, wait=True)
    assert call.status == 200, call.response.summary()
    incoming = agent_phone.wait_incoming(timeout=5)
    incoming.answer(rtp_endpoints())
    wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call", what="on call")
    assert incoming.bye().status == 200
    call.wait_bye()


def test_an_agent_answering_at_once_is_heard_only_after_the_callers_first_stream_started(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    """The case a phone like baresip 1.0 drops for the whole call: the agent answers
    before the caller's phone received enough music to start its jitter buffer, and
    the agent's stream (another SSRC) starts behind the music's numbering (made
    certain here). The bridge waits until the music ran long enough."""
    set_agents(stack, idle=("demo/1001",))
    agent_phone = phones("demo-5001")
    caller_rtp, agent_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints()
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        wait_until(lambda: caller_rtp.received_total > 0, what="the caller's first packet")
        _, _, first_seq, _ = caller_rtp.headers[0]
        agent_rtp.next_sequence((first_seq - 5000) & 0xFFFF)
        incoming = agent_phone.wait_incoming(timeout=5)
        incoming.answer(agent_rtp)  # at once: the music has barely started
        incoming.wait_ack()
        agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        wait_until(lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE), what="the agent")
        breaks = caller_rtp.stream_breaks()
        ssrcs = [ssrc for _, ssrc, _, _ in caller_rtp.headers]
        assert call.bye().status == 200
        incoming.wait_bye()
    assert breaks == []
    assert ssrcs.index(ssrcs[-1]) >= JITTER_START_PACKETS  # the music's own stream came first

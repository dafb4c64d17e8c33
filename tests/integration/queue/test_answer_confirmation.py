"""Per agent group: the agent presses 1 to take a queue call (``confirm_answer``: a
remote agent's voicemail or a phone answering by itself never takes one), and the caller
hears the agent's number as the agent comes on (``announce_agent``)."""

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
    configure_support,
    hears,
    hears_music,
    press_1_until_taken,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

PRIVATE_HZ = 2300.0


def test_the_agent_takes_the_call_only_by_pressing_1_and_the_caller_hears_music_till_then(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    configure_support(stack, confirm_answer=True, ring_timeout_s=8)
    set_agents(stack, idle=("demo/1001",))
    agent_phone = phones("demo-5001")
    caller_rtp, agent_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints()
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        # a tone no spoken prompt has much of: the agent must not hear it before pressing 1
        caller_rtp.start_sending(call.remote_rtp, tone_hz=PRIVATE_HZ)
        incoming = agent_phone.wait_incoming(timeout=5)
        incoming.answer(agent_rtp)
        incoming.wait_ack()
        agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        wait_until(lambda: "asked to press 1" in stack.log("callcontrol"), what="the question")
        caller_rtp.clear()
        agent_rtp.clear()
        wait_until(lambda: hears_music(caller_rtp), timeout=5, what="the caller hears music")
        time.sleep(1)  # answered, not yet taken: who hears what
        assert caller_rtp.dominant_power(AGENT_TONE) < 0.05
        wait_until(lambda: agent_rtp.received_total > 40, what="the prompt to the agent")
        assert agent_rtp.dominant_power(PRIVATE_HZ) < 0.05  # not the caller yet
        assert agent_live(stack, "demo/1001").state == "offered"

        press_1_until_taken(stack, "demo/1001", agent_rtp, incoming.remote_rtp)
        caller_rtp.clear()
        agent_rtp.clear()
        wait_until(lambda: hears(caller_rtp, AGENT_TONE, PRIVATE_HZ), what="caller hears agent")
        wait_until(lambda: hears(agent_rtp, PRIVATE_HZ, AGENT_TONE), what="agent hears caller")
        assert call.bye().status == 200
        incoming.wait_bye()
    assert call_record(stack, call.call_id, outcome="answered")["agent"] == "1001"


def test_an_answer_without_1_is_a_missed_offer_and_the_next_agent_is_rung(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    configure_support(stack, confirm_answer=True, ring_timeout_s=3)
    set_agents(stack, idle=("demo/1001", "demo/1002"))
    voicemail, second = phones("demo-5001"), phones("demo-5002")
    with carrier(stack) as ua:
        call = call_queue(ua, rtp_endpoints(CARRIER_IP))
        answered = voicemail.wait_incoming(timeout=5)  # 1001 is the longest idle
        answered.answer(rtp_endpoints())  # ... and its "voicemail" never presses 1
        answered.wait_bye(timeout=8)  # the ring timeout: call control hangs up on it
        incoming = second.wait_incoming(timeout=5)
        agent_rtp = rtp_endpoints()
        incoming.answer(agent_rtp)
        incoming.wait_ack()
        agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        press_1_until_taken(stack, "demo/1002", agent_rtp, incoming.remote_rtp)
        assert call.status == 200 and call.bye_request is None
        assert call.bye().status == 200
        incoming.wait_bye()
    assert call_record(stack, call.call_id, outcome="answered")["agent"] == "1002"


def test_the_caller_hears_the_agents_number_before_the_agent(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    configure_support(stack, announce_agent=True)
    set_agents(stack, idle=("demo/1001",))
    agent_phone = phones("demo-5001")
    caller_rtp, agent_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints()
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        incoming = agent_phone.wait_incoming(timeout=5)
        incoming.answer(agent_rtp)
        incoming.wait_ack()
        agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        wait_until(
            lambda: (
                f"call {call.call_id} hears 'You are speaking with agent one zero zero one'"
                in stack.log("callcontrol")
            ),
            what="the agent's number said",
        )
        caller_rtp.clear()
        time.sleep(0.5)  # while it is said: neither music nor the agent
        assert not hears_music(caller_rtp) and caller_rtp.dominant_power(AGENT_TONE) < 0.05
        wait_until(lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE), what="then the agent")
        assert call.bye().status == 200
        incoming.wait_bye()

"""A transfer to an agent group (``group:<name>``) through the real stack: the agent is
freed, the caller hears the queue's music again and the next agent takes the call."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.calls.helpers import call_events, command
from tests.integration.calls.test_in_call import _queue_call_with_agent, listen, on_hold_music
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    AGENT_TONE,
    CALLER_TONE,
    agent_live,
    call_record,
    carrier,
    hears,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

SECOND_TONE = 1500.0


def test_a_transfer_to_the_group_frees_the_agent_and_the_next_agent_takes_the_caller(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001", "demo/1002"))  # 1001 idle longest: the first offer
    second_phone = phones("demo-5002")
    with carrier(stack) as ua:
        call, incoming, caller_rtp, _agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        unknown = command(stack, "transfer", "demo/1001", call.call_id, to="group:nowhere")
        assert (unknown.status, unknown.error_id) == (422, "unknown_group")
        moved = command(stack, "transfer", "demo/1001", call.call_id, to="group:support")
        assert moved.ok and moved.call["outcome"] == "requeued", moved  # type: ignore[index]
        incoming.wait_bye()  # the first agent's leg is hung up
        wait_until(
            lambda: agent_live(stack, "demo/1001").state in ("acw", "idle"),
            what="the first agent freed",
        )
        offer = second_phone.wait_incoming(timeout=5)
        listen(caller_rtp)
        assert on_hold_music(caller_rtp), "the caller hears the queue's music while offered"
        assert caller_rtp.dominant_power(AGENT_TONE) < 0.05, "nothing of the first agent"
        second_rtp = rtp_endpoints()
        offer.answer(second_rtp)
        offer.wait_ack()
        second_rtp.start_sending(offer.remote_rtp, tone_hz=SECOND_TONE)
        wait_until(
            lambda: hears(caller_rtp, SECOND_TONE, CALLER_TONE), what="the caller hears agent 2"
        )
        wait_until(
            lambda: hears(second_rtp, CALLER_TONE, SECOND_TONE), what="agent 2 hears the caller"
        )
        assert agent_live(stack, "demo/1002").state == "on_call"
        assert call.bye().status == 200
        offer.wait_bye()
    record = call_record(stack, call.call_id, outcome="answered")
    assert record["agent"] == "1002" and record["offers"] == 2, record
    assert "requeued" in call_events(stack, call.call_id)

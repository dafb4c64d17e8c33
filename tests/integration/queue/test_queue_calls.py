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
    carrier,
    hears,
    hears_music,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
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
        incoming = agent_phone.wait_incoming(timeout=5)
        incoming.answer(agent_rtp)
        incoming.wait_ack()
        print(f"queue call setup (INVITE to agent answer): {time.monotonic() - started:.3f} s")
        agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        assert wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call")
        caller_rtp.clear()
        agent_rtp.clear()
        wait_until(lambda: caller_rtp.received_total > 50 and agent_rtp.received_total > 50,
                   what="RTP both ways")
        wait_until(lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE), timeout=5,
                   what="the caller hears the agent")
        wait_until(lambda: hears(agent_rtp, CALLER_TONE, AGENT_TONE), timeout=5,
                   what="the agent hears the caller")
        assert not hears_music(caller_rtp)
        # The caller's phone-side port never moved: no re-INVITE reached it.
        assert not [r for r in call.requests if r.method == "INVITE"]

        assert call.bye().status == 200
        incoming.wait_bye()
        wait_until(lambda: call.call_id not in stack.rtpengine.list_calls(),
                   what="caller's rtpengine session deleted")
        wait_until(lambda: incoming.call_id not in stack.rtpengine.list_calls(),
                   what="agent leg's rtpengine session deleted")
        wait_until(lambda: agent_live(stack, "demo/1001").state in ("idle", "acw"),
                   what="agent released")

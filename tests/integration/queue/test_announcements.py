"""Position and expected-wait announcements to waiting callers, in place of the music."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace

from routing.acd.events import live_to_wire
from routing.acd.model import State
from routing.acd.redis_store import live_fields
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    CARRIER_IP,
    KEYS,
    agent_live,
    call_queue,
    carrier,
    configure_support,
    hears_music,
    redis_client,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def heard(stack: Stack, call_id: str) -> list[tuple[str, str]]:
    """(text, file) of every announcement call control played to ``call_id``."""
    return re.findall(
        rf"call {re.escape(call_id)} hears '([^']*)' \(([^,]+), \d+ ms\)", stack.log("callcontrol")
    )


def test_waiting_callers_hear_their_place_instead_of_music_then_music_again(
    stack: Stack, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    configure_support(stack, announce_position=True, announce_wait=True, announce_every_s=10)
    set_agents(stack, idle=())  # everyone paused: both callers wait
    first_rtp, second_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints(CARRIER_IP)
    try:
        with carrier(stack) as ua:
            first = call_queue(ua, first_rtp)
            wait_until(lambda: hears_music(first_rtp), timeout=5, what="music first")
            second = call_queue(ua, second_rtp)
            wait_until(lambda: hears_music(second_rtp), timeout=5, what="music for the second")
            said = wait_until(
                lambda: heard(stack, second.call_id),
                timeout=5,
                what="the second caller's announcement",
            )
            # Nobody is working (all paused): the wait is unknown, so only the place is said.
            assert said[0][0] == "You are caller number two", said
            assert said[0][1].endswith("caller_number-2.wav")
            second_rtp.clear()
            # Most of a second inside the announcement (about 1.6 s): speech, not music.
            second_rtp.wait_received(40, timeout=3)
            assert not hears_music(second_rtp)
            wait_until(lambda: hears_music(second_rtp), timeout=5, what="music after it")
            assert heard(stack, first.call_id)[0][0] == "You are caller number one"
            assert first.bye().status == 200
            # Next round (every 10 s): the second caller has moved up to first place.
            again = wait_until(
                lambda: heard(stack, second.call_id)[1:], timeout=15, what="the next announcement"
            )
            assert again[0][0] == "You are caller number one"
            assert second.bye().status == 200
    finally:
        configure_support(stack, announce_position=False, announce_wait=False)


def in_long_after_call_work(stack: Stack, agent: str) -> None:
    """``agent`` busy with after-call work for good: working, but never offered a call."""
    client = redis_client(stack)
    old = agent_live(stack, agent)
    live = replace(
        old, state=State.ACW, acw_until_ms=2**53, registered=True, version=old.version + 1
    )
    event = {
        "type": "agent_state",
        "agent": agent,
        "version": live.version,
        "from": "idle",
        "to": "acw",
        "reason": "test_setup",
        "call_id": "",
        "at_ms": 0,
        "live": live_to_wire(live),
    }
    pipe = client.pipeline()
    pipe.hset(KEYS.agent(agent), mapping=live_fields(live))
    pipe.xadd(KEYS.events, {"event": json.dumps(event)})
    pipe.execute()


def test_expected_wait_is_said_when_agents_are_working(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    configure_support(stack, announce_position=False, announce_wait=True, announce_every_s=30)
    set_agents(stack, idle=())
    phones("demo-5001")  # registered, so SIP truth keeps 1001 reachable
    wait_until(lambda: agent_live(stack, "demo/1001").registered, what="1001 registered")
    in_long_after_call_work(stack, "demo/1001")
    try:
        with carrier(stack) as ua:
            call = call_queue(ua, rtp_endpoints(CARRIER_IP))
            said = wait_until(
                lambda: heard(stack, call.call_id), timeout=5, what="the announcement"
            )
            # One working agent, first place: one mean handle time (180 s until the group
            # has answered calls to learn from; earlier tests' calls may have taught it).
            assert re.fullmatch(
                r"Your expected wait is (about \w+ minutes?|less than a minute)", said[0][0]
            ), said
            assert call.bye().status == 200
    finally:
        configure_support(stack, announce_wait=False)
        set_agents(stack, idle=())

"""In-call functions on the call model, through the real stack (Kamailio, rtpengine,
Redis, call control): click-to-dial, hold and resume, blind transfer, hanging up one
party; each party sends its own tone and what each one hears is measured.

Commands go to call control the way the API sends them (``calls.channel``); the API's own
routes are tested in tests/api/ and end to end in test_in_call_api.py."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from tests.integration.calls.helpers import (
    TONES,
    call_events,
    channel,
    command,
    party,
    wait_phone_registered,
)
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    AGENT_TONE,
    CALLER_TONE,
    CARRIER_IP,
    MOH_HZ,
    agent_live,
    call_queue,
    carrier,
    hears,
    provision_agent,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

RINGBACK_HZ = 440.0  # callcontrol.moh.RINGBACK_NOTES
TARGET_TONE = TONES["target"]


def on_hold_music(rtp: RtpEndpoint) -> bool:
    """The music's notes make most of what was heard (a one-second window spans two of
    its half-second notes, so no single note dominates)."""
    return sum(rtp.dominant_power(f) for f in MOH_HZ) > 0.3


def listen(*endpoints: RtpEndpoint, seconds: float = 1.0) -> None:
    """Forget what was heard, then wait until each endpoint received ``seconds`` of audio
    (or, for a side that is sent nothing, that long passed)."""
    for rtp in endpoints:
        rtp.clear()
    deadline = time.monotonic() + seconds
    for rtp in endpoints:
        with contextlib.suppress(TimeoutError):
            rtp.wait_received(int(seconds * 50), timeout=max(0.0, deadline - time.monotonic()) + 2)


def test_click_to_dial_rings_the_agent_first_then_the_customer_and_bridges_them(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    agent_phone, customer_phone = phones("demo-5001"), phones("demo-5002")
    wait_phone_registered(stack, "demo/1001")
    agent_rtp, customer_rtp = rtp_endpoints(), rtp_endpoints()

    reply = command(stack, "dial", "demo/1001", to="5002")
    assert reply.ok and reply.status == 201, reply
    call_id = reply.call["id"]  # type: ignore[index]
    incoming = agent_phone.wait_incoming(timeout=5)
    assert "answer-after=0" in (incoming.request.headers.get("Call-Info") or "")
    assert not customer_phone.has_incoming()  # the customer only after the agent answered
    assert agent_live(stack, "demo/1001").state == "on_call"  # no queue call meanwhile
    incoming.answer(agent_rtp)
    incoming.wait_ack()
    agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
    ringing = customer_phone.wait_incoming(timeout=5)
    wait_until(lambda: agent_rtp.dominant_power(RINGBACK_HZ) > 0.3, what="ringback to the agent")
    assert party(channel(stack).view(call_id) or {}, "customer")["state"] in ("dialing", "ringing")

    ringing.answer(customer_rtp)
    ringing.wait_ack()
    customer_rtp.start_sending(ringing.remote_rtp, tone_hz=CALLER_TONE)
    wait_until(
        lambda: hears(agent_rtp, CALLER_TONE, RINGBACK_HZ), what="the agent hears the customer"
    )
    wait_until(
        lambda: hears(customer_rtp, AGENT_TONE, CALLER_TONE), what="the customer hears the agent"
    )
    assert (channel(stack).view(call_id) or {})["state"] == "connected"

    done = command(stack, "hangup", "demo/1001", call_id)
    assert done.ok, done
    incoming.wait_bye()
    ringing.wait_bye()
    wait_until(lambda: agent_live(stack, "demo/1001").state == "idle", what="the agent idle again")
    assert call_events(stack, call_id) == [
        "call_started",
        "party_ringing",
        "party_joined",
        "party_ringing",
        "party_joined",
        "call_ended",
    ]
    assert call_id not in channel(stack).client.smembers("sb:cc:agent-calls:demo/1001")


def test_a_busy_customer_ends_the_agents_leg_and_is_reported_on_the_call(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    agent_phone, customer_phone = phones("demo-5001"), phones("demo-5002")
    wait_phone_registered(stack, "demo/1001")
    reply = command(stack, "dial", "demo/1001", to="5002")
    assert reply.ok, reply
    call_id = reply.call["id"]  # type: ignore[index]
    incoming = agent_phone.wait_incoming(timeout=5)
    incoming.answer(rtp_endpoints())
    customer_phone.wait_incoming(timeout=5).reject(486, "Busy Here")
    incoming.wait_bye()
    view = wait_until(
        lambda: (v := channel(stack).view(call_id) or {}).get("state") == "finished" and v,
        what="the call's final view",
    )
    assert view["outcome"] == "customer_busy"
    assert party(view, "customer")["end_reason"] == "failed_486"
    wait_until(lambda: agent_live(stack, "demo/1001").state == "idle", what="the agent idle again")


def test_a_dial_in_only_agent_cannot_click_to_dial_and_nothing_rings(
    stack: Stack, phones: PhoneFactory
) -> None:
    provision_agent(stack, "1001", working_way="dial_in")  # the demo's work both ways
    try:
        set_agents(stack, idle=("demo/1001",))
        agent_phone = phones("demo-5001")
        wait_until(lambda: agent_live(stack, "demo/1001").registered, what="phone registered")
        reply = command(stack, "dial", "demo/1001", to="5002")
        assert (reply.ok, reply.status, reply.error_id) == (False, 403, "outbound_not_allowed")
        assert not agent_phone.has_incoming()
        assert agent_live(stack, "demo/1001").state == "idle"
    finally:
        provision_agent(stack, "1001", working_way="all")


def _queue_call_with_agent(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint], ua: object
) -> tuple[object, object, RtpEndpoint, RtpEndpoint]:
    agent_phone = phones("demo-5001")
    caller_rtp, agent_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints()
    call = call_queue(ua, caller_rtp)  # type: ignore[arg-type]
    incoming = agent_phone.wait_incoming(timeout=5)
    incoming.answer(agent_rtp)
    incoming.wait_ack()
    agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
    wait_until(
        lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE), what="the caller hears the agent"
    )
    wait_until(lambda: hears(agent_rtp, CALLER_TONE, AGENT_TONE), what="the agent hears the caller")
    return call, incoming, caller_rtp, agent_rtp


def test_hold_gives_the_caller_music_and_nothing_of_the_agent_and_resume_restores_both(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    with carrier(stack) as ua:
        call, incoming, caller_rtp, agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        call_id = call.call_id  # type: ignore[attr-defined]
        views = channel(stack).agent_views("demo/1001")
        assert [v["id"] for v in views] == [call_id] and views[0]["kind"] == "queue"

        held = command(stack, "hold", "demo/1001", call_id)
        assert held.ok and held.call["state"] == "held", held  # type: ignore[index]
        listen(caller_rtp, agent_rtp)  # a second of hold, as each side hears it
        assert caller_rtp.dominant_power(AGENT_TONE) < 0.05  # nothing of the agent
        wait_until(lambda: on_hold_music(caller_rtp), what="music on hold")
        assert agent_rtp.dominant_power(CALLER_TONE) < 0.05  # nothing of the caller either
        again = command(stack, "hold", "demo/1001", call_id)
        assert (again.status, again.error_id) == (409, "already_held")

        resumed = command(stack, "resume", "demo/1001", call_id)
        assert resumed.ok and resumed.call["state"] == "connected", resumed  # type: ignore[index]
        listen(caller_rtp, agent_rtp)
        assert hears(caller_rtp, AGENT_TONE, CALLER_TONE), "the caller hears the agent again"
        assert hears(agent_rtp, CALLER_TONE, AGENT_TONE), "the agent hears the caller again"
        assert call_events(stack, call_id) == ["held", "resumed"]  # panels follow the stream
        assert call.bye().status == 200  # type: ignore[attr-defined]
        incoming.wait_bye()
    wait_until(
        lambda: channel(stack).agent_views("demo/1001") == [],
        what="the call gone from the agent's list",
    )


def test_another_agents_call_is_not_found_and_stays_as_it_was(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    with carrier(stack) as ua:
        call, incoming, caller_rtp, _ = _queue_call_with_agent(stack, phones, rtp_endpoints, ua)
        call_id = call.call_id  # type: ignore[attr-defined]
        refused = command(stack, "hold", "demo/1002", call_id)
        assert (refused.status, refused.error_id) == (404, "call_not_found")
        refused = command(stack, "hangup", "other/1001", call_id)
        assert (refused.status, refused.error_id) == (404, "call_not_found")
        assert (channel(stack).view(call_id) or {})["state"] == "connected"
        caller_rtp.clear()
        wait_until(lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE), what="the call goes on")
        assert call.bye().status == 200  # type: ignore[attr-defined]
        incoming.wait_bye()


def _answer(phone: object, rtp: RtpEndpoint, tone: float) -> object:
    """The phone's next call, answered, sending ``tone``."""
    ringing = phone.wait_incoming(timeout=5)  # type: ignore[attr-defined]
    ringing.answer(rtp)
    ringing.wait_ack()
    rtp.start_sending(ringing.remote_rtp, tone_hz=tone)
    return ringing


def test_a_blind_transfer_frees_the_agent_and_connects_the_caller_to_the_target(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    target_phone = phones("demo-5003")
    target_rtp = rtp_endpoints()
    with carrier(stack) as ua:
        call, incoming, caller_rtp, _ = _queue_call_with_agent(stack, phones, rtp_endpoints, ua)
        call_id = call.call_id  # type: ignore[attr-defined]
        moved = command(stack, "transfer", "demo/1001", call_id, to="5003")
        assert moved.ok and moved.call["state"] == "transferring", moved  # type: ignore[index]
        incoming.wait_bye()  # the agent is out at once
        wait_until(
            lambda: agent_live(stack, "demo/1001").state in ("idle", "acw"), what="agent free"
        )
        caller_rtp.clear()
        wait_until(lambda: on_hold_music(caller_rtp), what="music while the target rings")
        ringing = _answer(target_phone, target_rtp, TARGET_TONE)
        caller_rtp.clear()
        wait_until(
            lambda: hears(caller_rtp, TARGET_TONE, AGENT_TONE), what="the caller hears the target"
        )
        wait_until(
            lambda: hears(target_rtp, CALLER_TONE, TARGET_TONE), what="the target hears the caller"
        )
        assert channel(stack).agent_views("demo/1001") == []
        assert call.bye().status == 200  # type: ignore[attr-defined]
        ringing.wait_bye()


def test_the_agent_hangs_up_the_customer_and_the_call_ends(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    with carrier(stack) as ua:
        call, incoming, _, _ = _queue_call_with_agent(stack, phones, rtp_endpoints, ua)
        call_id = call.call_id  # type: ignore[attr-defined]
        gone = command(stack, "hangup_party", "demo/1001", call_id, party="nobody")
        assert (gone.status, gone.error_id) == (404, "party_not_found")
        done = command(stack, "hangup_party", "demo/1001", call_id, party="customer")
        assert done.ok, done
        call.wait_bye()  # type: ignore[attr-defined]
        incoming.wait_bye()
    wait_until(lambda: agent_live(stack, "demo/1001").state == "idle", what="the agent idle again")


def test_the_agent_phones_own_hold_gives_the_caller_music_not_silence(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    with carrier(stack) as ua:
        call, incoming, caller_rtp, _ = _queue_call_with_agent(stack, phones, rtp_endpoints, ua)
        call_id = call.call_id  # type: ignore[attr-defined]
        held = incoming.reinvite(direction="sendonly")  # type: ignore[attr-defined]
        assert held.status == 200, held.summary()
        assert b"a=recvonly" in held.body  # answered as a hold (RFC 3264 8.4)
        wait_until(lambda: (channel(stack).view(call_id) or {}).get("state") == "held", what="held")
        listen(caller_rtp)
        assert caller_rtp.dominant_power(AGENT_TONE) < 0.05
        wait_until(lambda: on_hold_music(caller_rtp), what="music on hold")
        resumed = incoming.reinvite(direction="sendrecv")  # type: ignore[attr-defined]
        assert resumed.status == 200, resumed.summary()
        listen(caller_rtp)
        assert hears(caller_rtp, AGENT_TONE, CALLER_TONE), "the caller hears the agent again"
        assert call.bye().status == 200  # type: ignore[attr-defined]
        incoming.wait_bye()


def test_a_refer_from_the_agents_phone_transfers_the_caller_and_frees_the_agent(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    target_phone = phones("demo-5003")
    target_rtp = rtp_endpoints()
    with carrier(stack) as ua:
        call, incoming, caller_rtp, _ = _queue_call_with_agent(stack, phones, rtp_endpoints, ua)
        referred = incoming.refer(f"sip:5003@{stack.proxy[0]}")  # type: ignore[attr-defined]
        assert referred.status == 202, referred.summary()
        incoming.wait_bye()  # the agent's leg ends: a blind transfer
        wait_until(
            lambda: agent_live(stack, "demo/1001").state in ("idle", "acw"), what="agent free"
        )
        ringing = _answer(target_phone, target_rtp, TARGET_TONE)
        wait_until(
            lambda: hears(caller_rtp, TARGET_TONE, AGENT_TONE), what="the caller hears the target"
        )
        assert call.bye().status == 200  # type: ignore[attr-defined]
        ringing.wait_bye()

"""Consultation, attended transfer, three-way and conference calls through the real
stack with the Janus AudioBridge room: every party sends its own tone, and what each one
hears is measured (each hears the others, never itself)."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.calls.helpers import call_events, channel, command, party
from tests.integration.calls.test_in_call import _queue_call_with_agent, listen, on_hold_music
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    AGENT_TONE,
    CALLER_TONE,
    agent_live,
    carrier,
    hears,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

CONSULTEE_TONE, ADDED_TONE = 1500.0, 700.0


def hears_both(rtp: RtpEndpoint, a: float, b: float, own: float) -> bool:
    return (
        rtp.dominant_power(a) > 0.15
        and rtp.dominant_power(b) > 0.15
        and rtp.dominant_power(own) < 0.05
    )


def _consult(  # the consultee answers; returns once the agent hears it
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    call_id: str,
    agent_rtp: RtpEndpoint,
):
    consultee_phone = phones("demo-5003")
    consultee_rtp = rtp_endpoints()
    reply = command(stack, "consult", "demo/1001", call_id, to="5003")
    assert reply.ok and reply.call["state"] == "consulting", reply  # type: ignore[index]
    ringing = consultee_phone.wait_incoming(timeout=5)
    ringing.answer(consultee_rtp)
    ringing.wait_ack()
    consultee_rtp.start_sending(ringing.remote_rtp, tone_hz=CONSULTEE_TONE)
    wait_until(lambda: hears(agent_rtp, CONSULTEE_TONE, CALLER_TONE), timeout=8, what="consulting")
    return ringing, consultee_rtp


def test_consult_puts_the_caller_on_music_while_agent_and_consultee_talk_then_three_way(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    with carrier(stack) as ua:
        call, incoming, caller_rtp, agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        call_id = call.call_id
        ringing, consultee_rtp = _consult(stack, phones, rtp_endpoints, call_id, agent_rtp)
        wait_until(
            lambda: hears(consultee_rtp, AGENT_TONE, CALLER_TONE),
            what="the consultee hears the agent",
        )
        listen(caller_rtp)
        assert caller_rtp.dominant_power(AGENT_TONE) < 0.05
        assert caller_rtp.dominant_power(CONSULTEE_TONE) < 0.05
        wait_until(lambda: on_hold_music(caller_rtp), what="the caller hears music")

        joined = command(stack, "conference", "demo/1001", call_id)
        assert joined.ok and joined.call["state"] == "conference", joined  # type: ignore[index]
        wait_until(
            lambda: hears_both(caller_rtp, AGENT_TONE, CONSULTEE_TONE, CALLER_TONE),
            timeout=8,
            what="the caller hears both",
        )
        wait_until(
            lambda: hears_both(agent_rtp, CALLER_TONE, CONSULTEE_TONE, AGENT_TONE),
            what="the agent hears both",
        )
        wait_until(
            lambda: hears_both(consultee_rtp, CALLER_TONE, AGENT_TONE, CONSULTEE_TONE),
            what="the consultee hears both",
        )

        muted = command(stack, "mute", "demo/1001", call_id, party="consultee-1")
        assert muted.ok and party(muted.call, "consultee-1")["muted"], muted  # type: ignore[arg-type]
        listen(caller_rtp, agent_rtp)
        assert (
            caller_rtp.dominant_power(CONSULTEE_TONE) < 0.05
            and agent_rtp.dominant_power(CONSULTEE_TONE) < 0.05
        )
        assert command(stack, "unmute", "demo/1001", call_id, party="consultee-1").ok

        gone = command(stack, "hangup_party", "demo/1001", call_id, party="consultee-1")
        assert gone.ok and gone.call["state"] == "connected", gone  # type: ignore[index]
        ringing.wait_bye()
        listen(caller_rtp)
        assert hears(caller_rtp, AGENT_TONE, CONSULTEE_TONE), "caller and agent go on"
        assert call.bye().status == 200
        incoming.wait_bye()
    events = call_events(stack, call_id)
    assert "consult_started" in events and "conference_started" in events and "muted" in events


def test_an_attended_transfer_leaves_the_caller_with_the_consultee_and_the_agent_free(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    with carrier(stack) as ua:
        call, incoming, caller_rtp, agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        call_id = call.call_id
        ringing, consultee_rtp = _consult(stack, phones, rtp_endpoints, call_id, agent_rtp)
        done = command(stack, "transfer", "demo/1001", call_id)
        assert done.ok and done.call["agent"] == "", done  # type: ignore[index]
        incoming.wait_bye()
        wait_until(
            lambda: agent_live(stack, "demo/1001").state in ("idle", "acw"), what="agent free"
        )
        wait_until(
            lambda: hears(caller_rtp, CONSULTEE_TONE, AGENT_TONE),
            timeout=8,
            what="caller hears consultee",
        )
        wait_until(
            lambda: hears(consultee_rtp, CALLER_TONE, AGENT_TONE), what="consultee hears caller"
        )
        assert channel(stack).agent_views("demo/1001") == []
        assert call.bye().status == 200
        ringing.wait_bye()


def test_cancelling_a_consultation_brings_the_agent_back_to_the_caller(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    with carrier(stack) as ua:
        call, incoming, caller_rtp, agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        call_id = call.call_id
        ringing, _ = _consult(stack, phones, rtp_endpoints, call_id, agent_rtp)
        back = command(stack, "consult_cancel", "demo/1001", call_id)
        assert back.ok and back.call["state"] == "connected", back  # type: ignore[index]
        ringing.wait_bye()
        wait_until(
            lambda: hears(caller_rtp, AGENT_TONE, CONSULTEE_TONE),
            timeout=8,
            what="caller hears agent",
        )
        wait_until(lambda: hears(agent_rtp, CALLER_TONE, CONSULTEE_TONE), what="agent hears caller")
        assert call.bye().status == 200
        incoming.wait_bye()


def test_parties_are_added_to_a_conference_and_each_hears_the_others_not_itself(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    with carrier(stack) as ua:
        call, incoming, caller_rtp, agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        call_id = call.call_id
        added_phone = phones("demo-5004")
        added_rtp = rtp_endpoints()
        reply = command(stack, "conference", "demo/1001", call_id, to="5004")
        assert reply.ok and reply.call["state"] == "conference", reply  # type: ignore[index]
        ringing = added_phone.wait_incoming(timeout=5)
        ringing.answer(added_rtp)
        ringing.wait_ack()
        added_rtp.start_sending(ringing.remote_rtp, tone_hz=ADDED_TONE)
        wait_until(
            lambda: hears_both(caller_rtp, AGENT_TONE, ADDED_TONE, CALLER_TONE),
            timeout=8,
            what="caller hears both",
        )
        wait_until(
            lambda: hears_both(agent_rtp, CALLER_TONE, ADDED_TONE, AGENT_TONE),
            what="agent hears both",
        )
        wait_until(
            lambda: hears_both(added_rtp, CALLER_TONE, AGENT_TONE, ADDED_TONE),
            what="added party hears both",
        )
        assert call.bye().status == 200  # the caller leaves: agent and added party go on
        wait_until(
            lambda: hears(agent_rtp, ADDED_TONE, CALLER_TONE), what="agent hears the added party"
        )
        done = command(stack, "hangup", "demo/1001", call_id)
        assert done.ok, done
        incoming.wait_bye()
        ringing.wait_bye()

"""An attended transfer done by the agent's own phone (RFC 3891), through the real stack:
the phone calls the consultee itself, then REFERs the caller's call to it with Replaces;
call control calls the consultee with that Replaces, the consultee's phone swaps its call
with the agent for the caller, and the caller hears the consultee."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from tests.integration.calls.helpers import TONES
from tests.integration.calls.test_in_call import _queue_call_with_agent
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import AGENT_TONE, agent_live, carrier, hears, set_agents
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

CONSULTEE_TONE = TONES["target"]


def _tag(header: str) -> str:
    return header.split(";tag=", 1)[1].split(";", 1)[0]


def test_an_attended_refer_from_the_agents_phone_hands_the_caller_to_the_consultee(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    consultee_phone = phones("demo-5003")
    consultee_rtp, consult_rtp = rtp_endpoints(), rtp_endpoints()
    with carrier(stack) as ua:
        call, incoming, caller_rtp, _agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        agent_phone = incoming.ua  # type: ignore[attr-defined]
        consult = agent_phone.invite("5003", rtp=consult_rtp, wait=False)  # its own call
        ringing = consultee_phone.wait_incoming(timeout=5)
        ringing.answer(consultee_rtp)
        assert consult.wait_final(timeout=5).status == 200
        consultee_rtp.start_sending(ringing.remote_rtp, tone_hz=CONSULTEE_TONE)
        wait_until(
            lambda: consult_rtp.dominant_power(CONSULTEE_TONE) > 0.5,
            what="the agent talks with the consultee",
        )
        replaces = (
            f"{consult.call_id};to-tag={_tag(consult.remote_hdr)};from-tag={consult.local_tag}"
        )
        refer_to = f"sip:5003@{stack.proxy[0]}?Replaces={quote(replaces, safe='')}"
        referred = incoming.refer(refer_to)  # type: ignore[attr-defined]
        assert referred.status == 202, referred.summary()
        incoming.wait_bye()  # the agent's leg with the caller ends
        swap = consultee_phone.wait_incoming(timeout=5)
        assert swap.request.headers.get("Replaces") == replaces
        swap.answer(consultee_rtp)
        swap.wait_ack()
        consultee_rtp.start_sending(swap.remote_rtp, tone_hz=CONSULTEE_TONE)
        assert ringing.bye().status == 200  # the consultee's phone ends the replaced call
        consult.wait_bye()
        wait_until(
            lambda: hears(caller_rtp, CONSULTEE_TONE, AGENT_TONE),
            what="the caller hears the consultee",
        )
        wait_until(
            lambda: agent_live(stack, "demo/1001").state in ("idle", "acw"), what="agent freed"
        )
        assert call.bye().status == 200  # type: ignore[attr-defined]
        swap.wait_bye()

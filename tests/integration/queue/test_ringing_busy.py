"""A direct call makes its extensions busy for the queue while it rings, not only once
answered: the edge counts them from the INVITE's relay until the call fails or ends."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import agent_live, carrier, set_agents
from tests.integration.queue.test_sip_truth import answered_by, offered_agents, registered
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def test_agent_whose_phone_rings_with_a_direct_call_is_not_offered_a_queue_call(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1002", "demo/1003"))  # 1002 idle the longest: first choice
    phone_1, phone_2, phone_3 = phones("demo-5001"), phones("demo-5002"), phones("demo-5003")
    wait_until(lambda: registered(stack, "demo/1002", True), what="1002 registered")

    direct = phone_1.invite("5002", rtp=rtp_endpoints(), wait=False)
    ringing = phone_2.wait_incoming(timeout=5)
    ringing.ring()  # and not answered
    live = wait_until(
        lambda: (a := agent_live(stack, "demo/1002")).state == "on_call" and a,
        what="1002 busy while its phone rings",
    )
    assert live.call_kind == "direct" and live.call_id == direct.call_id

    with carrier(stack) as ua:
        call, incoming = answered_by(stack, ua, rtp_endpoints, phone_3)
        assert offered_agents(stack, call.call_id) == ["1003"]
        assert call.bye().status == 200
        incoming.wait_bye()

    direct.cancel()
    ringing.wait_cancel()
    assert direct.wait_final(timeout=5).status == 487
    wait_until(lambda: agent_live(stack, "demo/1002").state == "idle",
               what="1002 free once the unanswered call is cancelled")  # fmt: skip


def test_agent_calling_out_is_busy_while_the_callee_rings_and_free_after_a_rejection(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1002",))
    phone_2, phone_4 = phones("demo-5002"), phones("demo-5004")
    wait_until(lambda: registered(stack, "demo/1002", True), what="1002 registered")

    direct = phone_2.invite("5004", rtp=rtp_endpoints(), wait=False)
    ringing = phone_4.wait_incoming(timeout=5)
    ringing.ring()
    wait_until(lambda: agent_live(stack, "demo/1002").state == "on_call",
               what="1002 busy while the callee rings")  # fmt: skip
    ringing.reject(486, "Busy Here")
    assert direct.wait_final(timeout=5).status == 486
    wait_until(lambda: agent_live(stack, "demo/1002").state == "idle",
               what="1002 free after the rejection")  # fmt: skip


def busy_count(stack: Stack, user: str) -> int:
    """The edge's shared-memory count of direct calls ``user`` is in."""
    found = re.search(r"value:\s*(-?\d+)", stack.kamcmd("htable.get", "sbbusy", user))
    return int(found.group(1)) if found else 0


def test_a_retransmitted_invite_counts_its_users_once(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    caller, callee = phones("demo-5008"), phones("demo-5009")
    before = busy_count(stack, "demo-5009")
    call = caller.invite("5009", rtp=rtp_endpoints(), wait=False)
    ringing = callee.wait_incoming(timeout=5)
    ringing.ring()
    call.wait_provisional(180)
    assert call._invite is not None
    caller.send_raw(call._invite.encode())  # the same INVITE again, as after a lost 100
    wait_until(lambda: call.provisional.count(180) >= 2, what="tm answered the retransmission")
    assert busy_count(stack, "demo-5009") == before + 1
    assert not callee.has_incoming()  # absorbed by tm, not relayed as a new call
    call.cancel()
    ringing.wait_cancel()
    wait_until(lambda: busy_count(stack, "demo-5009") == before, what="the mark given back")

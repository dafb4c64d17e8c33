"""An extension that is a phone number (a mobile, a landline): dialing it goes out through
the trunks, and an agent bound to it takes queue calls there -- a remote agent -- who
presses 1 to take each (``confirm_answer``), so its voicemail never takes one."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from store import provisioning as p
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
    press_1_until_taken,
    set_agents,
    wait_config_loaded,
)
from tests.integration.test_outbound_calls import carriers, provision, rings
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import SipUA
from tests.support.stack import Stack
from tests.support.waiting import wait_until

MOBILE = "+15557771234"
REMOTE_CARRIER = "127.0.0.4"


@pytest.fixture
def mobile_agent(stack: Stack) -> Iterator[tuple[str, SipUA]]:
    """Extension 5010 = MOBILE, agent 1010 fixed at it (group support); the demo team's
    calls go out through a carrier of the test's own on REMOTE_CARRIER."""
    with carriers(stack, REMOTE_CARRIER) as (remote,):

        def create(session, team):  # type: ignore[no-untyped-def]
            p.update_team(session, team, {"default_trunk": "out-0"})
            p.create_extension(
                session, team, "5010", stack.settings.sip_realm, kind="phone", phone_number=MOBILE
            )
            p.create_agent(
                session, team, "1010", "1010", groups=["support"], binding="fixed",
                extension="5010",
            )  # fmt: skip

        provision(stack, create)
        wait_config_loaded(stack)
        try:
            yield "demo/1010", remote
        finally:

            def remove(session, team):  # type: ignore[no-untyped-def]
                p.delete_agent(session, p.get_agent(session, team, "1010"))
                p.delete_extension(session, p.get_extension(session, team, "5010"))

            provision(stack, remove)


def test_dialing_a_phone_number_extension_goes_out_to_that_number(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    mobile_agent: tuple[str, SipUA],
) -> None:
    _agent, remote = mobile_agent
    out = phones("demo-5000").invite("5010", rtp=rtp_endpoints(), wait=False)
    offered = rings(remote, out)
    assert offered.request.uri.startswith(f"sip:{MOBILE}@{REMOTE_CARRIER}")
    offered.reject(486, "Busy Here")
    assert out.wait_final(timeout=5).status == 486


def test_a_remote_agent_takes_a_queue_call_on_its_mobile_by_pressing_1(
    stack: Stack, rtp_endpoints: Callable[..., RtpEndpoint], mobile_agent: tuple[str, SipUA]
) -> None:
    agent, remote = mobile_agent
    configure_support(stack, confirm_answer=True, ring_timeout_s=8)
    set_agents(stack, idle=(agent,), agents=("demo/1001", "demo/1002", "demo/1003",
                                               "demo/1004", "demo/1005", agent))  # fmt: skip
    wait_until(lambda: agent_live(stack, agent).registered, what="the mobile counts as reachable")
    # Known glitch (issue 12's closing note): under load the caller sometimes gets the music
    # and the remote agent's stream interleaved for ~240 ms right after the bridge, so this
    # caller's stream is not checked for breaks; the local-agent tests check theirs.
    caller_rtp = rtp_endpoints(CARRIER_IP, check_breaks=False)
    mobile_rtp = rtp_endpoints(REMOTE_CARRIER)
    with carrier(stack) as ua:
        call = call_queue(ua, caller_rtp)
        incoming = remote.wait_incoming(timeout=5)  # the queue's offer, out through the trunk
        assert incoming.request.uri.startswith(f"sip:{MOBILE}@")
        incoming.answer(mobile_rtp)
        incoming.wait_ack()
        mobile_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        wait_until(lambda: "asked to press 1" in stack.log("callcontrol"), what="the question")
        press_1_until_taken(stack, agent, mobile_rtp, incoming.remote_rtp)
        caller_rtp.clear()
        mobile_rtp.clear()
        wait_until(lambda: hears(caller_rtp, AGENT_TONE, CALLER_TONE), what="caller hears agent")
        wait_until(lambda: hears(mobile_rtp, CALLER_TONE, AGENT_TONE), what="agent hears caller")
        assert call.bye().status == 200
        incoming.wait_bye()
    assert call_record(stack, call.call_id, outcome="answered")["agent"] == "1010"

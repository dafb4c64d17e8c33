"""DID destinations and the failover of DIDs and ring groups, through the real stack: a DID
forwarded to an external number leaves through the team's trunk; a hang-up DID is
declined; a destination that has nobody registered, is busy or does not answer hands the
call to its failover (an extension, a ring group, or an agent group's queue with music),
and a failover chain that comes back to where it started ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from store import provisioning as p
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.conftest import SUPPORT_DEFAULTS
from tests.integration.queue.helpers import (
    CARRIER_IP,
    DEMO_AGENTS,
    call_record,
    carrier,
    configure_support,
    hears_music,
    set_agents,
)
from tests.integration.test_outbound_calls import (
    CALLER_TONE,
    CARRIER_A,
    CARRIER_TONE,
    carriers,
    provision,
    rings,
)
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

DID = "+15550179"
FORWARDED_TO = "+15557770000"


@pytest.fixture
def did(stack: Stack) -> Iterator[Callable[..., None]]:
    """``route(destination, failover)`` routes DID +15550179; removed after the test."""
    made: list[bool] = []

    def route(destination: dict[str, str], failover: dict[str, str] | None = None) -> None:
        provision(stack, lambda s, team: p.create_did(s, team, DID, destination, failover))
        made.append(True)

    yield route
    if made:
        provision(stack, lambda s, team: p.delete_did(s, p.get_did(s, team, DID)))


@pytest.fixture
def ring_groups(stack: Stack) -> Iterator[Callable[..., None]]:
    """``make(number, members, failover=None, ring_timeout_s=2)``; deleted after the test
    (failovers first: a group another one fails over to cannot be deleted)."""
    made: list[str] = []

    def make(number: str, members: list[str], failover: dict[str, str] | None = None,
             ring_timeout_s: int = 2) -> None:  # fmt: skip
        settings = {"members": members, "ring_timeout_s": ring_timeout_s, "strategy": "ring_all"}
        if failover is not None:
            settings["failover"] = failover
        provision(stack, lambda s, team: p.create_ring_group(s, team, number, **settings))
        made.append(number)

    yield make

    def remove(session, team):  # type: ignore[no-untyped-def]
        groups = [p.get_ring_group(session, team, n) for n in made]
        for group in groups:
            p.update_ring_group(session, team, group, {"failover": {"kind": "hangup"}})
        for group in groups:
            p.delete_ring_group(session, group)

    provision(stack, remove)


def test_did_to_an_external_number_is_forwarded_out_through_the_teams_trunk(
    stack: Stack, did: Callable[..., None], rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    with carriers(stack, CARRIER_A) as (far_carrier,):
        provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": "out-0"}))
        did({"kind": "external", "ref": FORWARDED_TO})
        caller_rtp, far_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints(CARRIER_A)
        with carrier(stack) as inbound:
            call = inbound.invite(DID, rtp=caller_rtp, wait=False)
            incoming = rings(far_carrier, call)
            request = incoming.request
            assert request.uri == f"sip:{FORWARDED_TO}@{CARRIER_A}:{far_carrier.port}"
            assert "sip:+15550190@" in request.headers["From"]  # the trunk's caller ID
            assert f"<sip:{DID}@" in request.headers["Diversion"]
            assert "reason=unconditional" in request.headers["Diversion"]
            incoming.answer(far_rtp)
            assert call.wait_final(timeout=5).status == 200
            incoming.wait_ack()
            caller_rtp.start_sending(call.remote_rtp, tone_hz=CALLER_TONE)
            far_rtp.start_sending(incoming.remote_rtp, tone_hz=CARRIER_TONE)
            assert tuple(incoming.remote_rtp or ()) != caller_rtp.address  # via rtpengine
            far_rtp.wait_received(50, source=incoming.remote_rtp)
            caller_rtp.wait_received(50, source=call.remote_rtp)
            assert far_rtp.dominant_power(CALLER_TONE) > 10 * far_rtp.dominant_power(CARRIER_TONE)
            assert call.bye().status == 200
            incoming.wait_bye()


def test_did_to_an_external_number_keeps_the_callers_number_when_the_trunk_sets_none(
    stack: Stack, did: Callable[..., None]
) -> None:
    with carriers(stack, CARRIER_A) as (far_carrier,):

        def plain_trunk(session, team):  # type: ignore[no-untyped-def]
            p.update_trunk(session, p.get_trunk(session, team, "out-0"), {"caller_id": None})
            p.update_team(session, team, {"default_trunk": "out-0"})

        provision(stack, plain_trunk)
        did({"kind": "external", "ref": FORWARDED_TO})
        with carrier(stack) as inbound:
            call = inbound.invite(DID, wait=False)
            incoming = rings(far_carrier, call)
            assert "sip:carrier@" in incoming.request.headers["From"]  # the caller's own
            incoming.reject(486, "Busy Here")
            assert call.wait_final(timeout=5).status == 486


def test_did_to_a_busy_external_number_rings_the_dids_failover_extension(
    stack: Stack, phones: PhoneFactory, did: Callable[..., None]
) -> None:
    backup = phones("demo-5007")
    with carriers(stack, CARRIER_A) as (far_carrier,):
        provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": "out-0"}))
        did({"kind": "external", "ref": FORWARDED_TO}, {"kind": "extension", "ref": "5007"})
        with carrier(stack) as inbound:
            call = inbound.invite(DID, wait=False)
            rings(far_carrier, call).reject(486, "Busy Here")
            incoming = backup.wait_incoming(timeout=5)
            incoming.answer()
            assert call.wait_final(timeout=5).status == 200
            assert call.bye().status == 200
            incoming.wait_bye()


def test_did_to_hangup_is_declined_with_603_and_logged(
    stack: Stack, did: Callable[..., None]
) -> None:
    did({"kind": "hangup"})
    with carrier(stack) as inbound:
        response = inbound.invite(DID, timeout=5).response
    assert (response.status, response.reason) == (603, "Decline")
    wait_until(lambda: f"INVITE {DID} from {CARRIER_IP}: the DID's destination is hangup"
               in stack.log("kamailio"), what="the hangup logged")  # fmt: skip


def test_did_to_an_unregistered_extension_rings_its_failover_extension(
    stack: Stack, phones: PhoneFactory, did: Callable[..., None]
) -> None:
    backup = phones("demo-5007")  # 5008 is not registered
    did({"kind": "extension", "ref": "5008"}, {"kind": "extension", "ref": "5007"})
    with carrier(stack) as inbound:
        call = inbound.invite(DID, wait=False)
        incoming = backup.wait_incoming(timeout=5)
        incoming.answer()
        assert call.wait_final(timeout=5).status == 200
        assert call.bye().status == 200
        incoming.wait_bye()
    assert "extension demo-5008 has nobody registered: failover extension '5007'" in stack.log(
        "kamailio"
    )


def test_did_to_a_busy_extension_rings_its_failover_with_media_through_rtpengine(
    stack: Stack,
    phones: PhoneFactory,
    did: Callable[..., None],
    rtp_endpoints: Callable[..., RtpEndpoint],
) -> None:
    busy, backup = phones("demo-5006"), phones("demo-5007")
    did({"kind": "extension", "ref": "5006"}, {"kind": "extension", "ref": "5007"})
    caller_rtp, backup_rtp = rtp_endpoints(CARRIER_IP), rtp_endpoints()
    with carrier(stack) as inbound:
        call = inbound.invite(DID, rtp=caller_rtp, wait=False)
        busy.wait_incoming(timeout=5).reject(486, "Busy Here")
        incoming = backup.wait_incoming(timeout=5)
        incoming.answer(backup_rtp)
        assert call.wait_final(timeout=5).status == 200
        incoming.wait_ack()
        caller_rtp.start_sending(call.remote_rtp, tone_hz=CALLER_TONE)
        backup_rtp.start_sending(incoming.remote_rtp, tone_hz=CARRIER_TONE)
        assert tuple(incoming.remote_rtp or ()) != caller_rtp.address  # offered by rtpengine
        backup_rtp.wait_received(50, source=incoming.remote_rtp)
        caller_rtp.wait_received(50, source=call.remote_rtp)
        assert backup_rtp.dominant_power(CALLER_TONE) > 10 * backup_rtp.dominant_power(CARRIER_TONE)
        assert call.bye().status == 200
        incoming.wait_bye()


def test_ring_group_nobody_answers_then_its_failover_extension_rings(
    stack: Stack, phones: PhoneFactory, ring_groups: Callable[..., None]
) -> None:
    caller, member, backup = phones("demo-5009"), phones("demo-5003"), phones("demo-5004")
    ring_groups("606", ["5003"], {"kind": "extension", "ref": "5004"})
    call = caller.invite("606", wait=False)
    ringing = member.wait_incoming(timeout=5)
    ringing.ring()  # and never answers: after the 2 s ring timeout, the failover
    ringing.wait_cancel(timeout=6)
    incoming = backup.wait_incoming(timeout=5)
    incoming.answer()
    assert call.wait_final(timeout=5).status == 200
    assert call.bye().status == 200
    incoming.wait_bye()


@pytest.fixture
def nobody_free(stack: Stack) -> Iterator[None]:
    """The support queue with its test settings and no agent free: a caller waits."""
    configure_support(stack, **SUPPORT_DEFAULTS)
    set_agents(stack, idle=())
    yield
    set_agents(stack, idle=DEMO_AGENTS)


def test_ring_group_nobody_answers_then_the_caller_waits_in_the_agent_groups_queue(
    stack: Stack,
    phones: PhoneFactory,
    ring_groups: Callable[..., None],
    rtp_endpoints: Callable[..., RtpEndpoint],
    nobody_free: None,
) -> None:
    caller, member = phones("demo-5009"), phones("demo-5003")
    ring_groups("607", ["5003"], {"kind": "agent_group", "ref": "support"})
    caller_rtp = rtp_endpoints()
    call = caller.invite("607", rtp=caller_rtp, wait=False)
    ringing = member.wait_incoming(timeout=5)
    ringing.ring()
    ringing.wait_cancel(timeout=6)
    response = call.wait_final(timeout=10)
    assert response.status == 200, response.summary()  # call control answered
    caller_rtp.start_sending(call.remote_rtp, tone_hz=CALLER_TONE)
    wait_until(lambda: hears_music(caller_rtp), timeout=5, what="music on hold")
    dialogs = stack.kamcmd("dlg.list")
    this_dialog = dialogs[dialogs.index(call.call_id) :].split("call-id:")[0]
    assert "sbcc: 1" in this_dialog  # its in-dialog requests leave call control's media alone
    assert call.bye().status == 200  # relayed to call control, which closes the queue call
    record = call_record(stack, call.call_id, outcome="abandoned")
    assert (record["group_name"], record["dialed"]) == ("support", "607")


def test_ring_all_group_with_a_failover_keeps_media_through_rtpengine_for_the_answer(
    stack: Stack,
    phones: PhoneFactory,
    ring_groups: Callable[..., None],
    rtp_endpoints: Callable[..., RtpEndpoint],
) -> None:
    caller, one, two = phones("demo-5009"), phones("demo-5001"), phones("demo-5002")
    ring_groups("610", ["5001", "5002"], {"kind": "extension", "ref": "5004"}, ring_timeout_s=10)
    caller_rtp, answer_rtp = rtp_endpoints(), rtp_endpoints()
    call = caller.invite("610", rtp=caller_rtp, wait=False)
    ringing_one, ringing_two = one.wait_incoming(timeout=5), two.wait_incoming(timeout=5)
    ringing_one.ring()
    ringing_two.answer(answer_rtp)
    assert call.wait_final(timeout=5).status == 200
    ringing_one.wait_cancel(timeout=5)
    caller_rtp.start_sending(call.remote_rtp, tone_hz=CALLER_TONE)
    answer_rtp.start_sending(ringing_two.remote_rtp, tone_hz=CARRIER_TONE)
    assert tuple(ringing_two.remote_rtp or ()) != caller_rtp.address  # offered by rtpengine
    answer_rtp.wait_received(50, source=ringing_two.remote_rtp)
    caller_rtp.wait_received(50, source=call.remote_rtp)
    assert answer_rtp.dominant_power(CALLER_TONE) > 10 * answer_rtp.dominant_power(CARRIER_TONE)
    assert caller_rtp.dominant_power(CARRIER_TONE) > 10 * caller_rtp.dominant_power(CALLER_TONE)
    assert call.bye().status == 200
    ringing_two.wait_bye()


def test_a_failover_chain_back_to_its_start_ends_with_the_last_answer(
    stack: Stack, phones: PhoneFactory, ring_groups: Callable[..., None]
) -> None:
    caller, first, second = phones("demo-5009"), phones("demo-5003"), phones("demo-5004")
    ring_groups("608", ["5003"])
    ring_groups("609", ["5004"], {"kind": "ring_group", "ref": "608"})
    provision(stack, lambda s, team: p.update_ring_group(
        s, team, p.get_ring_group(s, team, "608"), {"failover": {"kind": "ring_group", "ref": "609"}}
    ))  # fmt: skip
    call = caller.invite("608", wait=False)
    first.wait_incoming(timeout=5).reject(486, "Busy Here")
    second.wait_incoming(timeout=5).reject(486, "Busy Here")
    assert call.wait_final(timeout=5).status == 486  # 608 again would be a loop
    assert not first.has_incoming()

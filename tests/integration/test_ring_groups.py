"""Ring groups at the edge: all at once (first answer wins, the others are cancelled), in
order (the next member on a rejection or the ring timeout), in turn (round robin); from a
phone's short number and from a carrier's DID; unregistered members skipped."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import redis

from routing.acd.keys import Keys
from store import provisioning as p
from tests.integration.conftest import PhoneFactory
from tests.integration.test_outbound_calls import provision
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import SipUA
from tests.support.stack import Stack
from tests.support.waiting import wait_until

RING_DID = "+15550177"


@pytest.fixture
def ring_group(stack: Stack) -> Iterator[Callable[..., None]]:
    """``make(number, strategy, members, ring_timeout_s)``; deleted after the test."""
    made: list[str] = []

    def make(number: str, strategy: str, members: list[str], ring_timeout_s: int = 10) -> None:
        provision(stack, lambda s, team: p.create_ring_group(
            s, team, number, strategy=strategy, members=members, ring_timeout_s=ring_timeout_s))  # fmt: skip
        made.append(number)

    yield make

    def remove(session, team):  # type: ignore[no-untyped-def]
        for number in made:
            p.delete_ring_group(session, p.get_ring_group(session, team, number))

    provision(stack, remove)


def test_ring_all_rings_every_registered_member_and_the_first_answer_wins(
    stack: Stack,
    phones: PhoneFactory,
    ring_group: Callable[..., None],
    rtp_endpoints: Callable[..., RtpEndpoint],
) -> None:
    caller, one, two = phones("demo-5000"), phones("demo-5001"), phones("demo-5002")
    ring_group("600", "ring_all", ["5001", "5009", "5002"])  # 5009 is not registered
    call = caller.invite("600", rtp=rtp_endpoints(), wait=False)
    ringing_one, ringing_two = one.wait_incoming(timeout=5), two.wait_incoming(timeout=5)
    ringing_one.ring()
    ringing_two.answer(rtp_endpoints())
    assert call.wait_final(timeout=5).status == 200
    ringing_two.wait_ack()
    ringing_one.wait_cancel(timeout=5)  # tm cancelled the branch that lost
    assert call.bye().status == 200
    ringing_two.wait_bye()


def test_in_order_rings_the_next_member_when_one_rejects_or_times_out(
    stack: Stack, phones: PhoneFactory, ring_group: Callable[..., None]
) -> None:
    caller = phones("demo-5000")
    first, second, third = phones("demo-5003"), phones("demo-5004"), phones("demo-5006")
    ring_group("601", "sequential", ["5003", "5004", "5006"], ring_timeout_s=2)
    call = caller.invite("601", wait=False)
    first.wait_incoming(timeout=5).reject(486, "Busy Here")
    ringing = second.wait_incoming(timeout=5)
    ringing.ring()  # and never answers: after the 2 s ring timeout, the third member
    ringing.wait_cancel(timeout=6)
    answering = third.wait_incoming(timeout=5)
    answering.answer()
    assert call.wait_final(timeout=5).status == 200
    assert call.bye().status == 200
    answering.wait_bye()


def test_in_turn_starts_with_the_next_member_on_every_call(
    stack: Stack, phones: PhoneFactory, ring_group: Callable[..., None]
) -> None:
    caller, one, two = phones("demo-5000"), phones("demo-5001"), phones("demo-5002")
    ring_group("602", "round_robin", ["5001", "5002"])
    first_rung: list[str] = []
    for _ in range(2):
        call = caller.invite("602", wait=False)
        wait_until(lambda: one.has_incoming() or two.has_incoming(), what="a member rang")
        phone: SipUA = one if one.has_incoming() else two
        first_rung.append(phone.username)
        phone.wait_incoming().answer()
        assert call.wait_final(timeout=5).status == 200
        assert call.bye().status == 200
    assert sorted(first_rung) == ["demo-5001", "demo-5002"]


def test_no_registered_member_is_480_and_a_did_reaches_a_ring_group(
    stack: Stack, phones: PhoneFactory, ring_group: Callable[..., None]
) -> None:
    caller = phones("demo-5000")
    ring_group("603", "ring_all", ["5008", "5009"])
    assert caller.invite("603", timeout=5).status == 480

    member = phones("demo-5008")
    provision(stack, lambda s, team: p.create_did(s, team, RING_DID,
                                                  {"kind": "ring_group", "ref": "603"}))  # fmt: skip
    try:
        with SipUA("carrier", None, stack.proxy, local_ip="127.0.0.2") as carrier:
            call = carrier.invite(RING_DID, wait=False)
            member.wait_incoming(timeout=5).reject(603, "Decline")
            assert call.wait_final(timeout=5).status == 603
    finally:
        provision(stack, lambda s, team: p.delete_did(s, p.get_did(s, team, RING_DID)))


def busy_users(stack: Stack) -> set[str]:
    """The SIP users the edge reported on a direct call (ringing or answered)."""
    client = redis.Redis(port=stack.settings.redis_port, decode_responses=True)
    return set(client.hkeys(Keys().sip_busy))


def test_ringing_members_are_busy_and_the_mark_moves_with_the_ringing(
    stack: Stack, phones: PhoneFactory, ring_group: Callable[..., None]
) -> None:
    # Not demo-5000: the Locust smoke's carrier calls it, and a call cut off mid-way by the
    # end of that run (no BYE) keeps its dialog, and the busy mark, until the dialog expires.
    caller, first, second = phones("demo-5009"), phones("demo-5003"), phones("demo-5004")
    ring_group("604", "sequential", ["5003", "5004"])
    call = caller.invite("604", wait=False)
    ringing = first.wait_incoming(timeout=5)
    ringing.ring()
    wait_until(lambda: {"demo-5009", "demo-5003"} <= busy_users(stack), what="5003 busy ringing")
    ringing.reject(486, "Busy Here")
    answering = second.wait_incoming(timeout=5)
    wait_until(lambda: "demo-5004" in (b := busy_users(stack)) and "demo-5003" not in b,
               what="the mark moved from 5003 to 5004")  # fmt: skip
    answering.answer()
    assert call.wait_final(timeout=5).status == 200
    assert call.bye().status == 200
    answering.wait_bye()
    wait_until(lambda: not {"demo-5009", "demo-5003", "demo-5004"} & busy_users(stack),
               what="everyone free after the BYE")  # fmt: skip


def test_ring_all_keeps_only_the_answering_member_busy(
    stack: Stack, phones: PhoneFactory, ring_group: Callable[..., None]
) -> None:
    caller, one, two = phones("demo-5000"), phones("demo-5001"), phones("demo-5002")
    ring_group("605", "ring_all", ["5001", "5002"])
    call = caller.invite("605", wait=False)
    ringing_one, ringing_two = one.wait_incoming(timeout=5), two.wait_incoming(timeout=5)
    ringing_one.ring()
    wait_until(lambda: {"demo-5001", "demo-5002"} <= busy_users(stack), what="both busy ringing")
    ringing_two.answer()
    assert call.wait_final(timeout=5).status == 200
    ringing_one.wait_cancel(timeout=5)
    wait_until(lambda: "demo-5001" not in (b := busy_users(stack)) and "demo-5002" in b,
               what="only the answering member stays busy")  # fmt: skip
    assert call.bye().status == 200
    ringing_two.wait_bye()
    wait_until(lambda: "demo-5002" not in busy_users(stack), what="free after the BYE")

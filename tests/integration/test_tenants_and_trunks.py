"""Tenant isolation at the SIP edge, carrier calls to DIDs, and live provisioning."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from store import provisioning as p
from tests.integration.conftest import PhoneFactory
from tests.integration.test_outbound_calls import edge_caught_up
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import SipUA
from tests.support.stack import Stack
from tests.support.waiting import wait_until

REALM = "switchboard"


def registers(stack: Stack, username: str, password: str) -> bool:
    """True when ``username`` can register; the probe unregisters again."""
    with SipUA(username, password, stack.proxy) as phone:
        if phone.register(timeout=2).status != 200:
            return False
        phone.unregister(timeout=2)
        return True


@pytest.fixture(scope="module")
def acme(stack: Stack) -> Iterator[None]:
    """A second team with the same extension numbers as demo."""
    with stack.sessions() as session, session.begin():
        team = p.create_team(session, "acme", "Acme Corp")
        for number in ("5001", "5002"):
            p.create_extension(session, team, number, REALM, sip_secret=f"acme{number}")
    # Every worker has it once the published version caught up (one may reload earlier).
    wait_until(lambda: edge_caught_up(stack), what="the edge reloaded the store")
    wait_until(
        lambda: registers(stack, "acme-5001", "acme5001"), timeout=5, what="acme provisioned"
    )
    yield


def test_same_short_number_reaches_only_the_callers_team(
    stack: Stack, acme: None, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    demo_5002 = phones("demo-5002")
    acme_5001, acme_5002 = phones("acme-5001"), phones("acme-5002")

    call = acme_5001.invite("5002", rtp=rtp_endpoints(), wait=False)
    incoming = acme_5002.wait_incoming()
    incoming.answer(rtp_endpoints())
    assert call.wait_final().status == 200
    assert call.bye().status == 200
    with pytest.raises(TimeoutError):
        demo_5002.wait_incoming(timeout=0.5)


@pytest.mark.parametrize(
    ("dialed", "ruri"),
    [
        ("demo-5002", None),  # the other team's full SIP username
        (None, "sip:demo-5002@127.0.0.1"),
        ("5002", "sip:demo-5002@127.0.0.1"),  # To says 5002, R-URI names demo's user
    ],
)
def test_no_username_or_uri_trick_crosses_teams(
    stack: Stack, acme: None, phones: PhoneFactory, dialed: str | None, ruri: str | None
) -> None:
    demo_5002 = phones("demo-5002")
    acme_5001 = phones("acme-5001")
    call = acme_5001.invite(dialed or "x", ruri=ruri)
    assert call.status == 404
    with pytest.raises(TimeoutError):
        demo_5002.wait_incoming(timeout=0.3)


def test_request_domain_does_not_select_the_team(
    stack: Stack, acme: None, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    """acme-5001 dialing 5002 at a 'demo' domain still reaches acme's 5002."""
    acme_5001, acme_5002 = phones("acme-5001"), phones("acme-5002")
    call = acme_5001.invite("5002", ruri="sip:5002@demo.example", rtp=rtp_endpoints(), wait=False)
    incoming = acme_5002.wait_incoming()
    incoming.reject(486)
    assert call.wait_final().status == 486


def test_caller_identity_must_match_the_credentials(stack: Stack, acme: None) -> None:
    """acme credentials with a From of demo-5001 are refused."""
    with SipUA("demo-5001", "acme5001", stack.proxy, auth_username="acme-5001") as phone:
        assert phone.invite("5002").status == 403


def test_carrier_reaches_extension_5000_through_its_did(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    extension_5000 = phones("demo-5000")
    with SipUA("carrier", None, stack.proxy, local_ip="127.0.0.2") as carrier:
        call = carrier.invite("+15550101", rtp=rtp_endpoints("127.0.0.2"), wait=False)
        incoming = extension_5000.wait_incoming()
        incoming.ring()
        incoming.answer(rtp_endpoints())
        assert call.wait_final().status == 200
        assert call.challenge is None  # recognised by address: no digest asked
        assert call.bye().status == 200


def test_carrier_calling_a_number_that_is_no_did_of_its_team_is_challenged(stack: Stack) -> None:
    """A trunk's address takes only its team's DIDs without credentials: anything else from
    there is challenged like a phone's (a trunk never captures phones at its address)."""
    with SipUA("carrier", None, stack.proxy, local_ip="127.0.0.2") as carrier:
        assert carrier.invite("+15559999").status == 407
    assert "is no DID of trunk carrier's team demo: challenged" in stack.log("kamailio")


def test_unknown_source_cannot_reach_a_did(stack: Stack, phones: PhoneFactory) -> None:
    extension_5000 = phones("demo-5000")
    with SipUA("intruder", None, stack.proxy, local_ip="127.0.0.3") as stranger:
        call = stranger.invite("+15550101")
        assert call.status == 407  # asked to authenticate, which it cannot
    with SipUA("intruder", "guess", stack.proxy, local_ip="127.0.0.3") as stranger:
        assert stranger.invite("+15550101").status == 403
    with pytest.raises(TimeoutError):
        extension_5000.wait_incoming(timeout=0.3)


def test_new_extension_can_register_within_a_second(stack: Stack) -> None:
    with stack.sessions() as session, session.begin():
        p.create_extension(
            session, p.get_team(session, "demo"), "5010", REALM, sip_secret="new-secret-5010"
        )
    committed = time.monotonic()
    wait_until(
        lambda: registers(stack, "demo-5010", "new-secret-5010"),
        timeout=1.0,
        what="the new extension usable within one second",
    )
    print(f"new extension usable after {time.monotonic() - committed:.3f} s")


def test_repointed_did_is_used_within_a_second(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    extension_5003 = phones("demo-5003")

    def repoint(number: str) -> None:
        with stack.sessions() as session, session.begin():
            team = p.get_team(session, "demo")
            p.update_did(
                session,
                team,
                p.get_did(session, team, "+15550101"),
                {"destination": {"kind": "extension", "ref": number}},
            )

    def reaches_5003(carrier: SipUA) -> bool:
        call = carrier.invite("+15550101", rtp=rtp_endpoints("127.0.0.2"), wait=False)
        wait_until(lambda: call.status is not None or extension_5003.has_incoming(), timeout=3)
        if call.status is not None:  # still the old destination: 5000, not registered
            assert call.status == 480
            return False
        extension_5003.wait_incoming().reject(486)
        assert call.wait_final().status == 486
        return True

    with SipUA("carrier", None, stack.proxy, local_ip="127.0.0.2") as carrier:
        repoint("5003")
        try:
            wait_until(lambda: reaches_5003(carrier), timeout=1.0, what="DID re-pointed in 1 s")
        finally:
            repoint("5000")

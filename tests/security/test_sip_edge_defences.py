"""Attacks on the SIP edge besides fake dialogs: a trunk at the phones' address, digest
brute force, floods, SDP the media relay refuses, bytes that are no UTF-8. Each attacker
sends from its own loopback address so the bans it earns touch nobody else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from store import provisioning as p
from tests.integration.conftest import PhoneFactory
from tests.integration.test_outbound_calls import edge_caught_up
from tests.support.sipmsg import SipMessage, new_call_id, new_tag
from tests.support.sipua import SipUA
from tests.support.stack import Stack
from tests.support.waiting import wait_until

REALM = "switchboard"


def edge_uses(stack: Stack, username: str, password: str) -> None:
    """Wait until every worker of the edge knows a just-provisioned extension: the published
    version caught up with the store's (one worker may reload earlier), and it registers."""

    def registers() -> bool:
        with SipUA(username, password, stack.proxy) as phone:
            return phone.register(expires=0, timeout=2).status == 200

    wait_until(lambda: edge_caught_up(stack), what="the edge reloaded the store")
    wait_until(registers, timeout=5, what=f"{username} provisioned at the edge")


# --- a trunk at the phones' address -----------------------------------------------------


@pytest.fixture(scope="module")
def trunk_at_the_phones_address(stack: Stack) -> Iterator[None]:
    """Team "capture" has a trunk at 127.0.0.1 -- where every demo phone sends from -- and a
    DID of its own; made in the store directly, as if an admin had allowed the address."""
    with stack.sessions() as session, session.begin():
        team = p.create_team(session, "capture", "Capture Inc")
        p.create_extension(session, team, "5001", REALM, sip_secret="capture5001")
        p.create_trunk(session, team, "grab", address="127.0.0.1")
        p.create_did(session, team, "+15550777", {"kind": "extension", "ref": "5001"})
    edge_uses(stack, "capture-5001", "capture5001")
    yield
    with stack.sessions() as session, session.begin():
        team = p.get_team(session, "capture")
        p.delete_did(session, p.get_did(session, team, "+15550777"))
        p.delete_trunk(session, p.get_trunk(session, team, "grab"))
        p.delete_extension(session, p.get_extension(session, team, "5001"))


def test_a_trunk_at_the_phones_address_changes_no_call_of_theirs(
    stack: Stack, phones: PhoneFactory, trunk_at_the_phones_address: None
) -> None:
    caller, callee = phones("demo-5001"), phones("demo-5002")  # REGISTER still works
    call = caller.invite("5002", wait=False)
    incoming = callee.wait_incoming()
    incoming.answer()
    assert call.wait_final().status == 200
    assert call.challenge is not None  # challenged and authenticated as demo-5001
    assert "sip:demo-5001@" in incoming.request.headers["From"]
    assert call.bye().status == 200
    # The demo DID dialed from the same address is still demo's phone calling its own DID.
    extension_5000 = phones("demo-5000")
    call = caller.invite("+15550101", wait=False)
    extension_5000.wait_incoming().answer()
    assert call.wait_final().status == 200 and call.challenge is not None
    assert call.bye().status == 200


def test_a_trunk_at_the_phones_address_still_takes_its_own_teams_did(
    stack: Stack, phones: PhoneFactory, trunk_at_the_phones_address: None
) -> None:
    capture_5001 = phones("capture-5001", "capture5001")
    with SipUA("grab", None, stack.proxy) as carrier:
        call = carrier.invite("+15550777", wait=False)
        capture_5001.wait_incoming().answer()
        assert call.wait_final().status == 200 and call.challenge is None
        assert call.bye().status == 200


# --- digest brute force ----------------------------------------------------------------


def test_ten_wrong_passwords_ban_the_source_even_for_the_right_one_and_nobody_else(
    stack: Stack, phones: PhoneFactory
) -> None:
    attacker_ip = "127.0.0.50"
    for attempt in range(10):
        with SipUA("demo-5009", f"guess{attempt}", stack.proxy, local_ip=attacker_ip) as guess:
            assert guess.register(timeout=5).status == 403, attempt
    right = SipUA("demo-5009", "demo5009", stack.proxy, local_ip=attacker_ip)
    with right, pytest.raises(TimeoutError):  # banned: dropped, unanswered
        right.register(timeout=1.5)
    assert f"source {attacker_ip} banned: 10 failed digests" in stack.log("kamailio")
    assert phones("demo-5009") is not None  # the real phone, elsewhere, is not affected


def test_many_sources_guessing_one_account_lock_it_briefly_except_for_its_phone(
    stack: Stack,
) -> None:
    with stack.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        p.create_extension(session, team, "5891", REALM, sip_secret="strong-5891-secret")
    edge_uses(stack, "demo-5891", "strong-5891-secret")
    phone_ip = "127.0.0.55"
    with SipUA("demo-5891", "strong-5891-secret", stack.proxy, local_ip=phone_ip) as phone:
        assert phone.register().status == 200  # the phone's address is now known
        for n in range(20):  # 4 sources x 5 guesses: none of them reaches a ban
            source = f"127.0.0.{51 + n % 4}"
            with SipUA("demo-5891", f"guess{n}", stack.proxy, local_ip=source) as guess:
                assert guess.register(timeout=5).status == 403
        with SipUA("demo-5891", "strong-5891-secret", stack.proxy, local_ip="127.0.0.56") as other:
            response = other.register(timeout=5)
        assert (response.status, response.reason) == (403, "Too Many Failed Attempts")
        assert phone.register().status == 200  # its own phone keeps working
        assert phone.unregister().status == 200


# --- floods ---------------------------------------------------------------------------------


def options(source: SipUA, n: int) -> bytes:
    return SipMessage.request(
        "OPTIONS",
        f"sip:{source.proxy[0]}:{source.proxy[1]}",
        [
            ("Via", f"SIP/2.0/UDP {source.local_ip}:{source.port};branch=z9hG4bK-flood{n}"),
            ("Max-Forwards", "70"),
            ("From", f"<sip:flood@{source.local_ip}>;tag={new_tag()}"),
            ("To", f"<sip:{source.proxy[0]}>"),
            ("Call-ID", new_call_id(source.local_ip)),
            ("CSeq", "1 OPTIONS"),
        ],
    ).encode()


def test_a_flooding_source_is_cut_off_and_others_are_served(
    stack: Stack, phones: PhoneFactory
) -> None:
    with SipUA("flood", None, stack.proxy, local_ip="127.0.0.60") as flooder:
        for n in range(1500):  # well over the 600 requests per 2 s one source may send
            flooder.send_raw(options(flooder, n))
        wait_until(lambda: "source 127.0.0.60 banned: flood" in stack.log("kamailio"),
                   what="the flood detected")  # fmt: skip
        with pytest.raises(TimeoutError):
            flooder.options(timeout=1.5)
    assert phones("demo-5006") is not None  # registration from elsewhere is served
    with SipUA("other", None, stack.proxy, local_ip="127.0.0.61") as other:
        assert other.options(timeout=5).status == 200


# --- input the edge must refuse precisely ---------------------------------------------------


GARBAGE_SDP = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 nowhere\r\nm=audio x RTP/AVP\r\n"


def authenticated(phone: SipUA, build: object) -> SipMessage:
    """Send the request ``build(auth)`` makes, answering the digest challenge once."""
    first = phone.request(build(None))  # type: ignore[operator]
    auth = phone._authorization(first, "INVITE", f"sip:5002@{phone.domain}")
    assert auth is not None, first.summary()
    return phone.request(build(auth))  # type: ignore[operator]


def test_an_sdp_the_media_relay_refuses_gets_488_and_is_not_relayed(
    stack: Stack, phones: PhoneFactory
) -> None:
    caller, callee = phones("demo-5003"), phones("demo-5004")
    call_id, tag = new_call_id("127.0.0.1"), new_tag()
    cseq = iter(range(1, 10))

    def build(auth: tuple[str, str] | None) -> SipMessage:
        headers = [
            ("Via", caller._via()),
            ("Max-Forwards", "70"),
            ("From", f"<{caller.aor}>;tag={tag}"),
            ("To", f"<sip:5004@{caller.domain}>"),
            ("Call-ID", call_id),
            ("CSeq", f"{next(cseq)} INVITE"),
            ("Contact", caller.contact),
            ("Content-Type", "application/sdp"),
        ]
        return SipMessage.request(
            "INVITE", f"sip:5004@{caller.domain}", headers + ([auth] if auth else []), GARBAGE_SDP
        )

    response = authenticated(caller, build)
    assert (response.status, response.reason) == (488, "Not Acceptable Here")
    with pytest.raises(TimeoutError):
        callee.wait_incoming(timeout=0.5)
    assert f"SDP refused by rtpengine, Call-ID {call_id}: 488" in stack.log("kamailio")


def test_a_request_uri_that_is_no_utf8_gets_400_and_one_log_line(stack: Stack) -> None:
    with SipUA("demo-5001", "demo5001", stack.proxy) as phone:
        host = f"{stack.settings.sip_host}:{stack.settings.sip_port}"
        call_id = new_call_id("127.0.0.1")
        message = (
            f"INVITE sip:\xff\xfe5002@{host} SIP/2.0\r\n"
            f"Via: {phone._via()}\r\nMax-Forwards: 70\r\n"
            f"From: <{phone.aor}>;tag={new_tag()}\r\nTo: <sip:5002@{host}>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: {phone.contact}\r\n"
            "Content-Length: 0\r\n\r\n"
        ).encode("latin-1")
        phone.send_raw(message)
        response = phone.wait_response(lambda m: m.call_id == call_id, timeout=5)
    assert (response.status, response.reason) == (400, "Bad Request-URI"), response.summary()
    log = stack.log("kamailio")
    assert call_id in log and "Traceback" not in log

"""Trunks with credentials and codecs through the real stack: a trunk with a username and
password registers to its carrier (uac registrations), answers the carrier's digest
challenges on outbound calls, takes the carrier's calls to its registration like calls
from an allowed address, and offers the carrier only its own codecs."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

import pytest

from store import provisioning as p
from store.models import Trunk
from tests.integration.conftest import PhoneFactory
from tests.integration.test_api_provisioning import admin_client
from tests.integration.test_outbound_calls import NUMBER, provision, rings
from tests.security.test_sip_edge_defences import GARBAGE_SDP
from tests.support.carrier import REALM, Carrier
from tests.support.rtp import PCMA, RtpEndpoint
from tests.support.sipmsg import SipMessage, new_call_id, new_tag, parse_challenge
from tests.support.stack import Stack
from tests.support.waiting import wait_until

CARRIER_IP = "127.0.0.8"
ACCOUNT, PASSWORD = "acct-7788", "carrier-pw-5f2c9"
PHONE_TONE, CARRIER_TONE = 400.0, 900.0


@pytest.fixture
def carrier(stack: Stack) -> Iterator[Carrier]:
    """A carrier wanting digest credentials, and trunk ``reg`` of team demo (no address:
    credentials only, codecs PCMA) pointing at it as demo's default trunk."""
    with Carrier(CARRIER_IP, stack.proxy, ACCOUNT, PASSWORD) as far:

        def create(session, team):  # type: ignore[no-untyped-def]
            p.create_trunk(session, team, "reg", host=CARRIER_IP, port=far.address[1],
                           username=ACCOUNT, password=PASSWORD, codecs="PCMA")  # fmt: skip
            p.update_team(session, team, {"default_trunk": "reg"})

        def remove(session, team):  # type: ignore[no-untyped-def]
            p.update_team(session, team, {"default_trunk": "carrier"})
            p.delete_trunk(session, p.get_trunk(session, team, "reg"))

        provision(stack, create)
        try:
            yield far
        finally:
            provision(stack, remove)


def registration_shown(stack: Stack, state: str) -> bool:
    """Whether the API shows trunk ``reg``'s registration in ``state`` (the edge reports
    it every 2 s)."""
    client = admin_client(stack)
    try:
        trunk = client.get("/teams/demo/trunks/reg").json()
    finally:
        client.close()
    assert PASSWORD not in str(trunk)
    return bool(trunk["registration"] == state)


def set_password(stack: Stack, password: str) -> None:
    provision(stack, lambda s, team: p.update_trunk(s, p.get_trunk(s, team, "reg"),
                                                    {"password": password}))  # fmt: skip


def test_a_trunk_with_credentials_registers_and_takes_its_carriers_calls_to_the_registration(
    stack: Stack, carrier: Carrier, phones: PhoneFactory
) -> None:
    register = carrier.wait_registered(timeout=10)
    assert any(r.method == "REGISTER" for r in carrier.challenged)  # the 401 was answered
    assert f"sip:{ACCOUNT}@" in register.headers["To"]
    with stack.sessions() as session:
        trunk = session.query(Trunk).filter_by(name="reg").one()
        contact_user, stored = trunk.contact_user, trunk.password_encrypted
    assert contact_user and carrier.contact().startswith(f"sip:{contact_user}@")
    assert stored and PASSWORD not in stored  # encrypted at rest
    wait_until(lambda: registration_shown(stack, "registered"), timeout=5, what="registered")

    extension_5000 = phones("demo-5000")
    call = carrier.call("+15550101")  # R-URI: the registration's Contact; To: the DID
    incoming = extension_5000.wait_incoming(timeout=5)
    incoming.reject(486, "Busy Here")
    assert call.wait_final(timeout=5).status == 486
    assert call.challenge is None  # recognised as the trunk's call: no digest asked
    assert PASSWORD not in stack.log("kamailio")


def test_outbound_call_answers_the_carriers_challenge_and_offers_only_the_trunks_codecs(
    stack: Stack, carrier: Carrier, phones: PhoneFactory
) -> None:
    phone = phones("demo-5006")  # its SDP offers PCMU and telephone-event
    call = phone.invite(NUMBER, wait=False)
    incoming = rings(carrier.ua, call)
    challenged = [r for r in carrier.challenged if r.method == "INVITE"]
    assert challenged and challenged[-1].call_id == incoming.request.call_id
    assert incoming.request.cseq[0] > challenged[-1].cseq[0]  # a new CSeq for the retry
    assert incoming.request.uri == f"sip:{NUMBER}@{CARRIER_IP}:{carrier.address[1]}"
    media = [line for line in incoming.request.body.decode().splitlines() if line.startswith("m=")]
    assert len(media) == 1 and media[0].split()[3:] == ["8", "101"]  # PCMA, DTMF events
    assert "PCMU" not in incoming.request.body.decode()
    incoming.reject(486, "Busy Here")
    assert call.wait_final(timeout=5).status == 486
    # The phone answered only our own challenge; the carrier's never reached it.
    assert call.challenge is not None
    assert parse_challenge(call.challenge.headers["Proxy-Authenticate"])["realm"] != REALM
    assert PASSWORD not in stack.log("kamailio")


def test_a_carrier_refusing_the_trunks_credentials_fails_the_call_without_its_challenge(
    stack: Stack, carrier: Carrier, phones: PhoneFactory
) -> None:
    carrier.wait_registered(timeout=10)
    set_password(stack, "not-the-carriers-password")
    phone = phones("demo-5007")
    call = phone.invite(NUMBER, wait=False)
    wait_until(lambda: call.status is not None, timeout=10, what="the call failed")
    assert (call.status, call.response.reason) == (503, "Trunk Authentication Failed")
    assert len([r for r in carrier.refused if r.method == "INVITE"]) == 1  # refused once, no loop
    assert not carrier.ua.has_incoming()
    wait_until(lambda: registration_shown(stack, "failed"), timeout=15, what="failed shown")


def test_a_pcmu_phone_and_a_pcma_only_trunk_hear_each_other_through_transcoding(
    stack: Stack,
    carrier: Carrier,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
) -> None:
    phone = phones("demo-5008")
    phone_rtp, carrier_rtp = rtp_endpoints(), rtp_endpoints(CARRIER_IP)
    call = phone.invite(NUMBER, rtp=phone_rtp, wait=False)  # offers PCMU only
    incoming = rings(carrier.ua, call)
    incoming.answer(carrier_rtp, codec="PCMA")
    assert call.wait_final(timeout=5).status == 200
    assert " RTP/AVP 0" in call.response.body.decode()  # the phone is answered in PCMU
    incoming.wait_ack()

    phone_rtp.start_sending(call.remote_rtp, tone_hz=PHONE_TONE)
    carrier_rtp.start_sending(incoming.remote_rtp, tone_hz=CARRIER_TONE, payload_type=PCMA)
    carrier_rtp.wait_received(50, source=incoming.remote_rtp)
    phone_rtp.wait_received(50, source=call.remote_rtp)
    assert set(carrier_rtp.payload_types) == {PCMA} and set(phone_rtp.payload_types) == {0}
    assert carrier_rtp.dominant_power(PHONE_TONE) > 10 * carrier_rtp.dominant_power(CARRIER_TONE)
    assert phone_rtp.dominant_power(CARRIER_TONE) > 10 * phone_rtp.dominant_power(PHONE_TONE)

    assert call.reinvite(direction="sendonly").status == 200  # the phone holds
    wait_until(lambda: incoming.requests, what="the carrier got the re-INVITE")
    held = incoming.requests[-1].body.decode()
    assert [line.split()[3:] for line in held.splitlines() if line.startswith("m=")] == [
        ["8", "101"]
    ]  # still only the trunk's codec
    assert call.bye().status == 200
    incoming.wait_bye()


def uac_holds(stack: Stack, contact_user: str) -> bool:
    """Whether Kamailio's uac module still has the registration (its RPC; the reply,
    which shows the password, is not kept)."""
    socket_path = stack.settings.run_dir / "kamailio_ctl"
    done = subprocess.run(
        ["kamcmd", "-s", f"unix:{socket_path}", "uac.reg_info", "l_uuid", contact_user],
        capture_output=True, text=True, timeout=10, check=False,
    )  # fmt: skip
    return done.returncode == 0 and "l_uuid" in done.stdout


def test_a_deleted_trunk_no_longer_registers(stack: Stack) -> None:
    with Carrier("127.0.0.9", stack.proxy, "acct-9", "pw-of-9") as far:
        provision(stack, lambda s, team: p.create_trunk(
            s, team, "reg-9", host="127.0.0.9", port=far.address[1], username="acct-9",
            password="pw-of-9"))  # fmt: skip
        far.wait_registered(timeout=10)
        with stack.sessions() as session:
            contact_user = session.query(Trunk).filter_by(name="reg-9").one().contact_user
        assert contact_user and uac_holds(stack, contact_user)
        provision(stack, lambda s, team: p.delete_trunk(s, p.get_trunk(s, team, "reg-9")))
        wait_until(lambda: not uac_holds(stack, contact_user), timeout=5,
                   what="the registration was removed")  # fmt: skip


def test_an_sdp_the_media_relay_refuses_on_a_trunk_call_gets_488_and_reaches_no_carrier(
    stack: Stack, carrier: Carrier, phones: PhoneFactory
) -> None:
    caller = phones("demo-5009")
    call_id, tag = new_call_id("127.0.0.1"), new_tag()
    cseq = iter(range(1, 10))

    def build(auth: tuple[str, str] | None) -> SipMessage:
        headers = [
            ("Via", caller._via()),
            ("Max-Forwards", "70"),
            ("From", f"<{caller.aor}>;tag={tag}"),
            ("To", f"<sip:{NUMBER}@{caller.domain}>"),
            ("Call-ID", call_id),
            ("CSeq", f"{next(cseq)} INVITE"),
            ("Contact", caller.contact),
            ("Content-Type", "application/sdp"),
        ]
        uri = f"sip:{NUMBER}@{caller.domain}"
        return SipMessage.request("INVITE", uri, headers + ([auth] if auth else []), GARBAGE_SDP)

    first = caller.request(build(None))
    auth = caller._authorization(first, "INVITE", f"sip:{NUMBER}@{caller.domain}")
    assert auth is not None, first.summary()
    response = caller.request(build(auth))
    assert (response.status, response.reason) == (488, "Not Acceptable Here")
    assert not [r for r in carrier.challenged if r.method == "INVITE"]
    assert not carrier.ua.has_incoming()
    assert f"SDP refused by rtpengine, Call-ID {call_id}: 488" in stack.log("kamailio")

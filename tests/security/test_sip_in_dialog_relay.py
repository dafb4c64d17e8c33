"""Attack: an in-dialog request made up by someone who is no party of any dialog -- a
To-tag and a Route prove nothing -- must never be relayed (toll fraud, open relay), while
a real call's re-INVITE and BYE still go through."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from store import provisioning as p
from tests.integration.conftest import PhoneFactory
from tests.integration.test_outbound_calls import edge_caught_up
from tests.support.rtp import RtpEndpoint
from tests.support.sipmsg import SipMessage, build_sdp, new_call_id, new_tag
from tests.support.sipua import SipUA
from tests.support.stack import Stack
from tests.support.waiting import wait_until

INTRUDER_IP = "127.0.0.9"  # no phone, no trunk
VICTIM_IP = "127.0.0.77"  # stands in for a carrier (toll number) the intruder wants
REALM = "switchboard"


@pytest.fixture
def victim(stack: Stack) -> Iterator[SipUA]:
    ua = SipUA("carrier", None, stack.proxy, local_ip=VICTIM_IP)
    yield ua
    ua.close()


@pytest.fixture(scope="module")
def other_team(stack: Stack) -> str:
    with stack.sessions() as session, session.begin():
        team = p.create_team(session, "intruders", "Intruders Ltd")
        p.create_extension(session, team, "7001", REALM, sip_secret="intruders7001")

    def registers() -> bool:
        with SipUA("intruders-7001", "intruders7001", stack.proxy) as phone:
            return phone.register(expires=0, timeout=2).status == 200

    # Every worker uses the new data once the published version caught up with the store's
    # (one worker may have reloaded earlier: a registration alone proves nothing).
    wait_until(lambda: edge_caught_up(stack), what="the edge reloaded the store")
    wait_until(registers, timeout=5, what="the other team provisioned at the edge")
    return "intruders-7001"


def forged(
    sender: SipUA, method: str, ruri: str, routes: list[str], call_id: str | None = None,
    from_tag: str | None = None, to_tag: str | None = None,
) -> SipMessage:  # fmt: skip
    """An in-dialog request of a dialog that does not exist (unless ids are given)."""
    headers = [("Via", sender._via()), ("Max-Forwards", "70")]
    headers += [("Route", r) for r in routes]
    headers += [
        ("From", f"<{sender.aor}>;tag={from_tag or new_tag()}"),
        ("To", f"<{ruri}>;tag={to_tag or new_tag()}"),
        ("Call-ID", call_id or new_call_id(sender.local_ip)),
        ("CSeq", f"2 {method}"),
        ("Contact", sender.contact),
    ]
    body = b""
    if method == "INVITE":
        body = build_sdp("x", sender.local_ip, 40000, 1, 1)
        headers.append(("Content-Type", "application/sdp"))
    elif method == "MESSAGE":
        body = b"free calls"
        headers.append(("Content-Type", "text/plain"))
    return SipMessage.request(method, ruri, headers, body)


def route_variants(stack: Stack, victim: SipUA) -> dict[str, list[str]]:
    proxy = f"{stack.settings.sip_host}:{stack.settings.sip_port}"
    return {
        "route to the proxy": [f"<sip:{proxy};lr>"],
        "route to the target only": [f"<sip:{victim.local_ip}:{victim.port};lr>"],
        "no route": [],
        "proxy with a made-up dialog id": [f"<sip:{proxy};lr;did=abc.123>"],
    }


def assert_refused_and_not_relayed(response: SipMessage, victim: SipUA, what: str) -> None:
    assert response.status in (403, 404), f"{what}: {response.summary()}"
    with pytest.raises(TimeoutError):
        wait_until(lambda: victim.received(), timeout=0.5, what="anything at the target")


@pytest.mark.parametrize("method", ["INVITE", "MESSAGE", "BYE", "INFO"])
@pytest.mark.parametrize(
    "variant",
    [
        "route to the proxy",
        "route to the target only",
        "no route",
        "proxy with a made-up dialog id",
    ],
)
def test_made_up_in_dialog_request_from_an_unknown_source_is_refused(
    stack: Stack, victim: SipUA, method: str, variant: str
) -> None:
    ruri = f"sip:+15557770000@{victim.local_ip}:{victim.port}"
    with SipUA("intruder", None, stack.proxy, local_ip=INTRUDER_IP) as intruder:
        request = forged(intruder, method, ruri, route_variants(stack, victim)[variant])
        response = intruder.request(request, timeout=5)
    assert_refused_and_not_relayed(response, victim, f"{method} with {variant}")


@pytest.mark.parametrize("variant", ["route to the proxy", "route to the target only", "no route"])
def test_made_up_in_dialog_request_from_another_teams_phone_is_refused(
    stack: Stack, victim: SipUA, other_team: str, phones: PhoneFactory, variant: str
) -> None:
    phone = phones(other_team, "intruders7001")
    ruri = f"sip:+15557770000@{victim.local_ip}:{victim.port}"
    for method in ("INVITE", "MESSAGE"):
        response = phone.request(
            forged(phone, method, ruri, route_variants(stack, victim)[variant])
        )
        assert_refused_and_not_relayed(response, victim, f"{method} with {variant}")


def test_a_real_calls_reinvite_and_bye_pass_but_a_third_phone_cannot_end_it(
    stack: Stack, phones: PhoneFactory, other_team: str,
    rtp_endpoints: Callable[..., RtpEndpoint],
) -> None:  # fmt: skip
    caller, callee = phones("demo-5007"), phones("demo-5008")
    intruder = phones(other_team, "intruders7001")
    call = caller.invite("5008", rtp=rtp_endpoints(), wait=False)
    incoming = callee.wait_incoming()
    incoming.answer(rtp_endpoints())
    assert call.wait_final().status == 200
    incoming.wait_ack()

    # Another phone that learned every identifier of the dialog (Call-ID, tags, route) still
    # is no party of it: its BYE is refused and the call stays up.
    def stolen() -> SipMessage:
        return forged(
            intruder, "BYE", call.remote_target, call.route_set, call_id=call.call_id,
            from_tag=call.local_tag, to_tag=incoming.local_tag,
        )  # fmt: skip

    assert intruder.request(stolen()).status == 403
    assert incoming.bye_request is None

    assert call.reinvite(rtp_endpoints()).status == 200
    assert call.bye().status == 200
    assert incoming.wait_bye().method == "BYE"
    # The ended dialog's parties linger, marked ended: the intruder is still no party, and
    # a BYE of the caller's that crossed the callee's would still reach the callee.
    wait_until(lambda: "ended|" in stack.kamcmd("htable.dump", "sbparty"),
               what="the ended dialog's parties marked")  # fmt: skip
    assert intruder.request(stolen()).status == 403
    assert call.bye().status != 404

"""The edge's defences as pure decisions (routing.guard)."""

from __future__ import annotations

import pytest

from routing import guard
from routing.guard import Party


@pytest.mark.parametrize(
    ("call_control", "credentials", "trunk_team", "did_team", "expected"),
    [
        (True, False, None, None, guard.CALL_CONTROL),
        (False, True, "demo", "demo", guard.PHONE),  # credentials: a phone, whatever its address
        (False, False, "demo", "demo", guard.TRUNK),
        (False, False, "acme", "demo", guard.PHONE),  # another team's DID: challenged
        (False, False, "acme", None, guard.PHONE),  # no DID at all (a short number, out)
        (False, False, None, "demo", guard.PHONE),
    ],
)
def test_invite_source(
    call_control: bool, credentials: bool, trunk_team: str | None, did_team: str | None,
    expected: str,
) -> None:  # fmt: skip
    assert guard.invite_source(
        from_call_control=call_control, has_credentials=credentials,
        trunk_team=trunk_team, did_team=did_team,
    ) == expected  # fmt: skip


def test_party_round_trips_ipv4_and_ipv6() -> None:
    for party in (Party("udp", "127.0.0.1", 5060), Party("tls", "2001:db8::1", 5061)):
        assert Party.decode(party.encode()) == party
    assert Party.decode("garbage") is None


def test_party_from_kamailios_source_uri() -> None:
    assert Party.from_uri("sip:10.0.0.1:5060") == Party("udp", "10.0.0.1", 5060)
    assert Party.from_uri("sip:10.0.0.1:40001;transport=tcp") == Party("tcp", "10.0.0.1", 40001)
    assert Party.from_uri("sip:[2001:db8::1]:5061;transport=TLS") == Party(
        "tls", "2001:db8::1", 5061
    )


def test_over_udp_the_port_counts_over_tcp_only_the_address() -> None:
    udp, tcp = Party("udp", "10.0.0.1", 5060), Party("tcp", "10.0.0.1", 5060)
    assert udp.sent(Party("udp", "10.0.0.1", 5060))
    assert not udp.sent(Party("udp", "10.0.0.1", 5070))
    assert not udp.sent(Party("tcp", "10.0.0.1", 41000))
    assert tcp.sent(Party("tcp", "10.0.0.1", 41000))
    assert not tcp.sent(Party("tcp", "10.0.0.2", 5060))


def test_party_verdict() -> None:
    caller = Party("udp", "127.0.0.1", 5062)
    recorded = guard.with_party(caller.encode(), Party("udp", "127.0.0.3", 5060))
    assert guard.party_verdict(None, caller) == guard.NO_DIALOG
    assert guard.party_verdict(recorded, caller) is None
    assert guard.party_verdict(recorded, Party("udp", "127.0.0.3", 5060)) is None
    assert guard.party_verdict(recorded, Party("udp", "127.0.0.1", 6000)) == guard.NOT_A_PARTY


def test_with_party_keeps_two_at_most_and_no_duplicates() -> None:
    a, b, c = (Party("udp", "127.0.0.1", port) for port in (1, 2, 3))
    two = guard.with_party(a.encode(), b)
    assert guard.with_party(two, a) == two
    assert guard.with_party(two, c) == two  # a second 2xx of a fork does not add a party


def test_route_verdict_needs_our_route_and_a_live_dialog() -> None:
    assert guard.route_verdict(routed_to_us=True, known_dialog=True) is None
    assert guard.route_verdict(routed_to_us=False, known_dialog=True) == guard.NO_DIALOG
    assert guard.route_verdict(routed_to_us=True, known_dialog=False) == guard.NO_DIALOG


def test_a_partys_bye_just_after_the_dialog_ended_still_passes_nothing_else_does() -> None:
    recorded = guard.ended("udp:127.0.0.1:5062|udp:127.0.0.3:5060")
    assert guard.dialog_ended(recorded) and guard.ended(recorded) == recorded
    assert guard.party_verdict(recorded, Party("udp", "127.0.0.3", 5060)) is None
    assert guard.party_verdict(recorded, Party("udp", "127.0.0.9", 5060)) == guard.NOT_A_PARTY
    assert guard.route_verdict(routed_to_us=True, known_dialog=False, late_bye=True) is None
    assert (
        guard.route_verdict(routed_to_us=False, known_dialog=False, late_bye=True)
        == guard.NO_DIALOG
    )


def test_failed_digests_ban_the_source_and_lock_the_account_at_their_limits() -> None:
    limits = guard.AuthLimits(source_failures=10, account_failures=20)
    assert guard.after_failed_digest(limits, 9, 9) == guard.AuthFailure(False, False)
    assert guard.after_failed_digest(limits, 10, 10) == guard.AuthFailure(True, False)
    assert guard.after_failed_digest(limits, 1, 20) == guard.AuthFailure(False, True)


def test_a_locked_account_still_answers_its_phones_address() -> None:
    assert guard.account_refused(True, "10.0.0.9", "10.0.0.1") == guard.ACCOUNT_LOCKED
    assert guard.account_refused(True, "10.0.0.1", "10.0.0.1") is None
    assert guard.account_refused(False, "10.0.0.9", "10.0.0.1") is None

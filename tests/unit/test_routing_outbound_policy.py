"""Pure routing decisions for outbound calls, ring groups, call control's dial strings,
dial-in agents and the feature codes served by call control."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing import policy
from routing.directory import PyDirectory
from routing.model import (
    DialTarget,
    Did,
    FixedAgent,
    OutboundRoute,
    OutboundTrunk,
    RingGroup,
    Snapshot,
)

A = OutboundTrunk("a", "192.0.2.1", 5060, "+15550190", 0, "")
B = OutboundTrunk("b", "192.0.2.2", 5080, "", 1, "00")


@pytest.fixture
def directory(demo_snapshot: Snapshot) -> PyDirectory:
    return PyDirectory(demo_snapshot)


@pytest.fixture
def demo_snapshot(snapshot: Snapshot) -> Snapshot:
    return replace(
        snapshot,
        dial_targets=(
            *snapshot.dial_targets,
            DialTarget("demo", "600", "ring_group", "600"),
            DialTarget("demo", "700", "agent_group", "support"),
        ),
        dids=(*snapshot.dids, Did("+15550102", "demo", "ring_group", "600")),
        outbound=(
            OutboundRoute("demo", "demo/trunk:a", "failover", (A,)),
            OutboundRoute("demo-5002", "demo/trunk_group:ab", "round_robin", (A, B)),
        ),
        ring_groups=(RingGroup("demo", "600", "sequential", 15, ("demo-5001", "demo-5002")),),
        fixed_agents=(
            FixedAgent("demo-5000", "demo/1000", "dial_in"),
            FixedAgent("demo-5001", "demo/1001", "all"),
        ),
    )


def test_given_a_team_trunk_when_a_phone_dials_an_external_number_then_it_goes_out(
    directory: PyDirectory,
) -> None:
    decision = policy.route_from_phone(directory, "demo", "15557770000", "demo-5001")
    assert decision == policy.CallTrunks(
        "demo", "+15557770000",
        (policy.TrunkTarget("a", "sip:+15557770000@192.0.2.1", "+15550190"),),
    )  # fmt: skip


def test_given_a_user_group_trunk_group_then_it_wins_over_the_teams_and_rewrites_the_number(
    directory: PyDirectory,
) -> None:
    decision = policy.route_from_phone(directory, "demo", "+15557770000", "demo-5002")
    assert isinstance(decision, policy.CallTrunks)
    assert [t.uri for t in decision.targets] == [
        "sip:+15557770000@192.0.2.1",
        "sip:0015557770000@192.0.2.2:5080",  # strip 1 ("+"), prefix "00", its own port
    ]
    assert decision.rotation == "demo/trunk_group:ab"


def test_an_ipv6_trunk_address_is_bracketed_in_the_uri(snapshot: Snapshot) -> None:
    v6 = OutboundTrunk("v6", "2001:db8::1", 5070, "", 0, "")
    directory = PyDirectory(
        replace(snapshot, outbound=(OutboundRoute("demo", "demo/trunk:v6", "failover", (v6,)),))
    )
    decision = policy.route_from_phone(directory, "demo", "+15557770000")
    assert isinstance(decision, policy.CallTrunks)
    assert decision.targets[0].uri == "sip:+15557770000@[2001:db8::1]:5070"


def test_given_no_trunk_anywhere_then_403_no_outbound_route(directory: PyDirectory) -> None:
    assert policy.route_from_phone(directory, "acme", "+15557770000", "acme-5001") == (
        policy.Reply(403, "No Outbound Route")
    )


def test_given_a_fixed_dial_in_agent_then_outbound_is_refused_but_internal_calls_are_not(
    directory: PyDirectory,
) -> None:
    refused = policy.route_from_phone(directory, "demo", "+15557770000", "demo-5000")
    assert refused == policy.Reply(403, "Outbound Calls Not Allowed For Dial-In Agents")
    assert policy.route_from_phone(directory, "demo", "5002", "demo-5000") == (
        policy.CallExtension("demo-5002")
    )
    # Its own team's DID is an internal destination, not an outbound call.
    own_did = policy.route_from_phone(directory, "demo", "+15550101", "demo-5000")
    assert isinstance(own_did, policy.CallExtension) and own_did.username == "demo-5000"
    assert isinstance(
        policy.route_from_phone(directory, "demo", "+15557770000", "demo-5001"), policy.CallTrunks
    )


def test_bound_agents_working_way_in_effect_decides() -> None:
    assert policy.outbound_refusal("dial_in") == policy.DIAL_IN_AGENT
    assert policy.outbound_refusal("dial_out") is None
    assert policy.outbound_refusal("") is None


def test_rotation_starts_at_the_turn_and_keeps_everyone_for_failover() -> None:
    assert policy.rotated(("a", "b", "c"), 0) == ("a", "b", "c")
    assert policy.rotated(("a", "b", "c"), 4) == ("b", "c", "a")
    assert policy.rotated((), 3) == ()


@pytest.mark.parametrize(("status", "next_trunk"), [(503, True), (408, True), (486, False),
                                                      (404, False), (603, False)])  # fmt: skip
def test_only_a_carrier_that_could_not_take_the_call_fails_over(
    status: int, next_trunk: bool
) -> None:
    assert policy.trunk_fails_over(status) is next_trunk


def test_ring_group_from_a_phone_and_from_a_did(directory: PyDirectory) -> None:
    expected = policy.CallRingGroup("demo", "600", "sequential", 15, ("demo-5001", "demo-5002"))
    assert policy.route_from_phone(directory, "demo", "600", "demo-5000") == expected
    assert policy.route_from_trunk(directory, "demo", "+15550102") == expected
    assert expected.rotation == ""
    assert replace(expected, strategy="round_robin").rotation == "ring_group:demo/600"


def test_call_control_dial_string_contract(directory: PyDirectory) -> None:
    route = policy.route_from_call_control
    assert route(directory, "demo-5001") == policy.CallExtension("demo-5001")  # unchanged
    assert route(directory, "demo-600") == policy.route_from_phone(directory, "demo", "600")
    trunks = route(directory, "demo-+15557770000")
    assert isinstance(trunks, policy.CallTrunks)
    assert trunks.targets[0].uri == "sip:+15557770000@192.0.2.1"  # the team's trunk
    own_did = route(directory, "demo-+15550101")
    assert isinstance(own_did, policy.CallExtension) and own_did.username == "demo-5000"
    assert own_did.failover is not None and not own_did.failover.queue  # never into a queue
    for loop in ("demo-700", "demo-*64", "demo-+15550100"):  # agent groups, features
        assert route(directory, loop) == policy.Reply(403, "Not Allowed From Call Control")
    for unknown in ("demo-5999", "5001", "-5001", "nobody-5001", "demo-", ""):
        assert route(directory, unknown) == policy.NOT_FOUND, unknown
    assert route(directory, "acme-+15557770000") == policy.NO_OUTBOUND_ROUTE


@pytest.mark.parametrize("code", ["*64", "*65", "*66"])
def test_agent_feature_codes_go_to_call_control(directory: PyDirectory, code: str) -> None:
    assert policy.route_from_phone(directory, "demo", code) == policy.CallFeature("demo", code)


def _with_phone_line(snapshot: Snapshot, owner_route: bool) -> PyDirectory:
    """Extension 5010 of demo is the phone number +15557771234 (a remote agent's mobile);
    with ``owner_route``, its owner's user group goes out through trunk group ab."""
    routes = snapshot.outbound + (
        (OutboundRoute("demo-5010", "demo/trunk_group:ab", "failover", (B,)),)
        if owner_route
        else ()
    )
    return PyDirectory(
        replace(
            snapshot,
            dial_targets=(
                *snapshot.dial_targets,
                DialTarget("demo", "5010", "phone", "+15557771234"),
            ),
            outbound=routes,
        )
    )


@pytest.mark.parametrize("owner_route", [False, True])
def test_a_phone_number_extension_is_dialed_out_through_its_owners_trunk_rules(
    demo_snapshot: Snapshot, owner_route: bool
) -> None:
    lines = _with_phone_line(demo_snapshot, owner_route)
    from_phone = policy.route_from_phone(lines, "demo", "5010", "demo-5001")
    from_call_control = policy.route_from_call_control(lines, "demo-5010")  # a queue offer
    for decision in (from_phone, from_call_control):
        assert isinstance(decision, policy.CallTrunks), decision
        assert decision.number == "+15557771234"
        uri = "sip:0015557771234@192.0.2.2:5080" if owner_route else "sip:+15557771234@192.0.2.1"
        assert [t.uri for t in decision.targets] == [uri]

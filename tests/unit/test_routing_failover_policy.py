"""The pure decisions of DID destinations and failovers: external (forwarded through the
team's trunks, the DID in Diversion), hangup (603), which failover a destination carries,
where ``follow`` leads, and how every chain ends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing import policy
from routing.directory import PyDirectory
from routing.failover import NO_FAILOVERS, Failovers
from routing.model import DialTarget, Did, OutboundRoute, OutboundTrunk, RingGroup, Snapshot

TRUNK = OutboundTrunk("carrier", "192.0.2.1", 5060, "", 1, "00")


@pytest.fixture
def snapshot(snapshot: Snapshot) -> Snapshot:
    """demo's fixture data, plus ring groups 600 (5001) and 601 (5002), a DID for each
    new destination kind and the team's trunk (strip the "+", prefix 00)."""
    return replace(
        snapshot,
        dial_targets=(
            *snapshot.dial_targets,
            DialTarget("demo", "600", "ring_group", "600"),
            DialTarget("demo", "601", "ring_group", "601"),
        ),
        dids=(
            *snapshot.dids,
            Did("+15550102", "demo", "external", "+15557770000"),
            Did("+15550103", "demo", "hangup", ""),
            Did("+15550104", "demo", "ring_group", "600"),
        ),
        outbound=(OutboundRoute("demo", "demo/trunk:carrier", "failover", (TRUNK,)),),
        ring_groups=(
            RingGroup("demo", "600", "ring_all", 15, ("demo-5001",)),
            RingGroup("demo", "601", "sequential", 10, ("demo-5002",)),
        ),
    )


def failovers(
    dids: dict[str, tuple[str, str]] | None = None,
    groups: dict[tuple[str, str], tuple[str, str]] | None = None,
) -> Failovers:
    return Failovers.of(dids or {}, groups or {})


def test_given_a_did_to_an_external_number_then_it_leaves_through_the_teams_trunk(
    snapshot: Snapshot,
) -> None:
    decision = policy.route_from_trunk(PyDirectory(snapshot), "demo", "+15550102")
    assert isinstance(decision, policy.CallTrunks)
    assert decision.targets[0].uri == "sip:0015557770000@192.0.2.1"  # the trunk's rules
    assert decision.targets[0].caller_id == ""  # none set: the caller's own From
    assert decision.diverted_from == "+15550102"


def test_given_a_did_to_an_external_number_without_a_trunk_then_no_outbound_route(
    snapshot: Snapshot,
) -> None:
    directory = PyDirectory(replace(snapshot, outbound=()))
    assert policy.route_from_trunk(directory, "demo", "+15550102") == policy.NO_OUTBOUND_ROUTE


def test_given_a_hangup_did_then_it_is_declined_with_603(snapshot: Snapshot) -> None:
    assert policy.route_from_trunk(PyDirectory(snapshot), "demo", "+15550103") == policy.Reply(
        603, "Decline"
    )
    assert policy.route_from_phone(PyDirectory(snapshot), "demo", "+15550103") == policy.HANGUP


def test_a_dids_extension_carries_the_dids_failover(snapshot: Snapshot) -> None:
    table = failovers({"+15550101": ("extension", "5001")})
    decision = policy.route_from_trunk(PyDirectory(snapshot), "demo", "15550101", table)
    assert decision == policy.CallExtension(
        "demo-5000",
        policy.Failover("demo", "extension", "5001", ("extension:demo-5000",), "+15550101"),
    )
    without = policy.route_from_trunk(PyDirectory(snapshot), "demo", "+15550101", NO_FAILOVERS)
    assert isinstance(without, policy.CallExtension) and without.failover is not None
    assert without.failover.kind == "hangup"  # still rings only so long, then 480


def test_a_ring_groups_own_failover_wins_over_its_dids(snapshot: Snapshot) -> None:
    directory = PyDirectory(snapshot)
    did_only = failovers({"+15550104": ("extension", "5002")})
    decision = policy.route_from_trunk(directory, "demo", "+15550104", did_only)
    assert isinstance(decision, policy.CallRingGroup) and decision.failover is not None
    assert (decision.failover.kind, decision.failover.ref) == ("extension", "5002")
    both = failovers({"+15550104": ("extension", "5002")}, {("demo", "600"): ("ring_group", "601")})
    decision = policy.route_from_trunk(directory, "demo", "+15550104", both)
    assert isinstance(decision, policy.CallRingGroup) and decision.failover is not None
    assert (decision.failover.kind, decision.failover.ref) == ("ring_group", "601")
    assert decision.failover.tried == ("ring_group:600",)


def test_a_ring_group_with_nothing_to_follow_has_no_failover(snapshot: Snapshot) -> None:
    decision = policy.route_from_phone(PyDirectory(snapshot), "demo", "600")
    assert isinstance(decision, policy.CallRingGroup) and decision.failover is None


@pytest.mark.parametrize(
    ("kind", "ref", "expected"),
    [
        ("extension", "5002", policy.CallExtension),
        ("ring_group", "601", policy.CallRingGroup),
        ("agent_group", "support", policy.CallQueue),
        ("external", "+15557770000", policy.CallTrunks),
    ],
)
def test_follow_leads_to_any_kind_of_destination(
    snapshot: Snapshot, kind: str, ref: str, expected: type
) -> None:
    failover = policy.Failover("demo", kind, ref, ("extension:demo-5000",), "+15550101")
    decision = policy.follow(PyDirectory(snapshot), NO_FAILOVERS, failover)
    assert isinstance(decision, expected)
    if isinstance(decision, policy.CallTrunks):
        assert decision.diverted_from == "+15550101"
    if isinstance(decision, policy.CallExtension):
        assert decision.failover is not None and decision.failover.kind == "hangup"


def test_follow_into_a_ring_group_carries_its_own_failover_on(snapshot: Snapshot) -> None:
    table = failovers(groups={("demo", "601"): ("agent_group", "support")})
    failover = policy.Failover("demo", "ring_group", "601", ("extension:demo-5000",))
    decision = policy.follow(PyDirectory(snapshot), table, failover)
    assert isinstance(decision, policy.CallRingGroup) and decision.failover is not None
    assert (decision.failover.kind, decision.failover.ref) == ("agent_group", "support")
    assert decision.failover.tried == ("extension:demo-5000", "ring_group:601")


@pytest.mark.parametrize(
    "failover",
    [
        policy.Failover("demo", "hangup", ""),
        policy.Failover("demo", "extension", "5000", ("extension:demo-5000",)),  # back to start
        policy.Failover("demo", "extension", "5999"),  # no such SIP extension
        policy.Failover("demo", "ring_group", "699"),  # removed
        policy.Failover("demo", "agent_group", "support", queue=False),  # call control's call
        policy.Failover("demo", "extension", "5002", tuple(f"x:{n}" for n in range(5))),  # deep
    ],
)
def test_follow_has_nothing_to_follow_and_the_answer_stands(
    snapshot: Snapshot, failover: policy.Failover
) -> None:
    assert policy.follow(PyDirectory(snapshot), NO_FAILOVERS, failover) is None


def test_a_chain_of_ring_groups_failing_over_to_each_other_ends(snapshot: Snapshot) -> None:
    directory = PyDirectory(snapshot)
    table = failovers(
        groups={("demo", "600"): ("ring_group", "601"), ("demo", "601"): ("ring_group", "600")}
    )
    decision = policy.route_from_phone(directory, "demo", "600", "demo-5000", table)
    visited = []
    while isinstance(decision, policy.CallRingGroup) and decision.failover is not None:
        visited.append(decision.number)
        decision = policy.follow(directory, table, decision.failover)
    assert visited == ["600", "601"] and decision is None


def test_call_controls_calls_never_fail_over_into_a_queue(snapshot: Snapshot) -> None:
    table = failovers({"+15550101": ("agent_group", "support")})
    decision = policy.route_from_call_control(PyDirectory(snapshot), "demo-+15550101", table)
    assert isinstance(decision, policy.CallExtension) and decision.failover is not None
    assert policy.follow(PyDirectory(snapshot), table, decision.failover) is None


def test_a_failover_survives_its_round_trip_through_an_avp() -> None:
    failover = policy.Failover(
        "demo", "ring_group", "600", ("extension:demo-5000",), "+1555", False
    )
    assert policy.Failover.decode(failover.encode()) == failover


@pytest.mark.parametrize(("status", "follows"), [(408, True), (480, True), (486, True),
                                                  (600, True), (603, True), (404, False),
                                                  (500, False), (487, False)])  # fmt: skip
def test_which_answers_follow_the_failover(status: int, follows: bool) -> None:
    assert policy.follows_failover(status) is follows

"""The pure decisions about a queued call."""

from __future__ import annotations

import pytest

from callcontrol import queue as q
from routing.acd.config import QueueSettings

SUPPORT = QueueSettings(
    "demo/support", ring_timeout_s=20, max_wait_s=60, overflow_kind="extension", overflow_ref="5000"
)


def waiting(entered_ms: int = 0) -> q.QueueCall:
    return q.QueueCall("c1", "demo/support", "carrier", "+15550100", entered_ms)


def test_given_a_waiting_call_when_agents_are_signed_in_then_an_agent_is_offered() -> None:
    assert q.next_step(waiting(), SUPPORT, 1_000, any_signed_in=True) == "offer"


def test_given_max_wait_reached_then_the_call_overflows() -> None:
    assert q.next_step(waiting(), SUPPORT, 60_000, any_signed_in=True) == "overflow"
    assert q.next_step(waiting(), SUPPORT, 59_999, any_signed_in=True) == "offer"


def test_given_no_member_signed_in_then_the_call_overflows_at_once_unless_it_would_hang_up() -> (
    None
):
    assert q.next_step(waiting(), SUPPORT, 0, any_signed_in=False) == "overflow"
    hangup = QueueSettings("demo/support", overflow_kind="hangup")
    assert q.next_step(waiting(), hangup, 0, any_signed_in=False) == "offer"


def test_a_call_being_offered_or_connected_only_waits() -> None:
    call = waiting()
    q.offer_started(call, "demo/1001", 10)
    assert q.next_step(call, SUPPORT, 100_000, any_signed_in=True) == "wait"


def test_an_agent_who_just_failed_the_call_is_not_offered_it_again_for_a_while() -> None:
    call = waiting()
    q.offer_started(call, "demo/1001", 0)
    assert q.offer_failed(call, 2_000) == "demo/1001"
    assert q.choose(["demo/1001", "demo/1002"], call, 2_500) == ["demo/1002"]
    later = 2_000 + q.RETRY_SAME_AGENT_MS
    assert q.choose(["demo/1001", "demo/1002"], call, later) == ["demo/1001", "demo/1002"]
    assert call.ring_ms == 2_000 and call.state == q.WAITING and call.offers == 1


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (486, "busy"),
        (600, "busy"),
        (603, "rejected"),
        (480, "unavailable"),
        (404, "unavailable"),
        (408, "no_answer"),
        (487, "no_answer"),
        (500, "failed"),
    ],
)
def test_ring_end_reason_follows_the_agent_legs_final_response(code: int, reason: str) -> None:
    assert q.ring_end_reason(code) == reason


def test_outcome_follows_how_far_the_call_got() -> None:
    abandoned = waiting()
    q.ended(abandoned, 5_000, "caller_hangup")
    assert abandoned.outcome == "abandoned" and abandoned.wait_ms(9_000) == 5_000

    answered = waiting()
    q.offer_started(answered, "demo/1001", 1_000)
    q.answered(answered, 3_000)
    q.ended(answered, 9_000, "agent_hangup")
    assert (answered.outcome, answered.ring_ms, answered.wait_ms(0)) == ("answered", 2_000, 3_000)

    overflowed = waiting()
    overflowed.outcome = "overflowed"
    q.answered(overflowed, 4_000)
    assert overflowed.outcome == "overflowed"


def test_ring_all_fork_counts_every_offer_and_the_winner_takes_the_call() -> None:
    call = waiting()
    q.fork_started(call, 3, 1_000)
    assert (call.state, call.agent, call.offers) == (q.OFFERING, "", 3)
    q.fork_won(call, "demo/1002", "leg-2")
    q.answered(call, 1_500)
    assert (call.state, call.agent, call.ring_ms) == (q.CONNECTED, "demo/1002", 500)


def test_ring_all_fork_nobody_answered_waits_again_without_those_agents_for_a_while() -> None:
    call = waiting()
    q.fork_started(call, 2, 1_000)
    q.fork_lost(call, ["demo/1001", "demo/1002"], 3_000)
    assert (call.state, call.ring_ms) == (q.WAITING, 2_000)
    assert q.choose(["demo/1001", "demo/1003"], call, 3_500) == ["demo/1003"]


@pytest.mark.parametrize(
    ("kind", "ref", "dialled"),
    [
        ("extension", "5003", "demo-5003"),
        ("ring_group", "600", "demo-600"),
        ("external", "+15557770000", "demo-+15557770000"),
        ("agent_group", "sales", None),
        ("hangup", "", None),
        ("extension", "", None),
    ],
)
def test_overflow_dials_what_a_phone_of_the_team_would_dial(
    kind: str, ref: str, dialled: str | None
) -> None:
    assert q.overflow_dial("demo", kind, ref) == dialled


def test_waiting_calls_are_offered_the_highest_priority_first_then_the_longest_waiting() -> None:
    early_low = q.QueueCall("a", "demo/support", "carrier", "+15550100", 1_000, enqueued_ms=1_000)
    late_high = q.QueueCall(
        "b", "demo/support", "carrier", "+15550105", 5_000, priority=5, enqueued_ms=5_000
    )
    later_low = q.QueueCall("c", "demo/support", "carrier", "+15550100", 6_000, enqueued_ms=6_000)
    # Transferred back into the queue: its place is its first entry.
    requeued = q.QueueCall("d", "demo/support", "carrier", "+15550100", 500, enqueued_ms=500)
    order = q.service_order([later_low, early_low, late_high, requeued])
    assert [c.call_id for c in order] == ["b", "d", "a", "c"]

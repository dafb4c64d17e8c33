"""A queue call's priority from its DID and its caller (``routing.acd.priority``)."""

from __future__ import annotations

from routing.acd.priority import CallPriorities

PRIORITIES = CallPriorities.of_rows(
    {"+15550100": 0, "+15550105": 5},
    [
        ("demo", "+1555", 1),
        ("demo", "+15559990", 7),
        ("demo", "5003", 4),
        ("acme", "+1555", 9),
    ],
)


def test_a_call_through_a_did_with_a_priority_waits_with_it() -> None:
    assert PRIORITIES.priority("demo", "+15550105", "carrier") == 5
    assert PRIORITIES.priority("demo", "+15550100", "carrier") == 0


def test_the_longest_matching_caller_prefix_of_the_team_gives_the_priority() -> None:
    assert PRIORITIES.caller_priority("demo", "+15559990123") == 7
    assert PRIORITIES.caller_priority("demo", "+15551234567") == 1
    assert PRIORITIES.caller_priority("demo", "+4930123") == 0
    assert PRIORITIES.caller_priority("acme", "+15559990123") == 9  # its own list only


def test_a_phone_of_the_team_is_matched_by_its_extension_number() -> None:
    assert PRIORITIES.caller_priority("demo", "demo-5003") == 4
    assert PRIORITIES.caller_priority("acme", "demo-5003") == 0


def test_the_higher_of_the_dids_and_the_callers_priority_wins() -> None:
    assert PRIORITIES.priority("demo", "+15550105", "+15559990123") == 7
    assert PRIORITIES.priority("demo", "+15550105", "+15551234567") == 5


def test_dids_without_a_priority_are_not_kept() -> None:
    assert PRIORITIES.dids == {"+15550105": 5}

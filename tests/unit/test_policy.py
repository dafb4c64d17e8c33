from __future__ import annotations

import pytest

from routing import policy
from routing.directory import PyDirectory
from routing.model import Snapshot


@pytest.fixture
def directory(snapshot: Snapshot) -> PyDirectory:
    return PyDirectory(snapshot)


def test_short_number_resolves_inside_the_callers_team(directory: PyDirectory) -> None:
    assert policy.route_from_phone(directory, "acme", "5002") == policy.CallExtension("acme-5002")
    assert policy.route_from_phone(directory, "demo", "5002") == policy.CallExtension("demo-5002")


@pytest.mark.parametrize("dialed", ["demo-5002", "5999", "", "abc", "5002@demo", "٥٠٠٢"])
def test_other_teams_usernames_and_unknown_numbers_are_not_found(
    directory: PyDirectory, dialed: str
) -> None:
    decision = policy.route_from_phone(directory, "acme", dialed)
    assert isinstance(decision, policy.Reply) and decision.code == 404


def test_phone_dialing_its_own_teams_did_reaches_the_destination(directory: PyDirectory) -> None:
    decision = policy.route_from_phone(directory, "demo", "+15550101")
    assert isinstance(decision, policy.CallExtension) and decision.username == "demo-5000"


def test_phone_dialing_another_teams_did_has_no_outbound_route(directory: PyDirectory) -> None:
    assert policy.route_from_phone(directory, "acme", "+15550101") == policy.Reply(
        403, "No Outbound Route"
    )


def test_trunk_reaches_its_teams_did_with_or_without_plus(directory: PyDirectory) -> None:
    for dialed in ("+15550101", "15550101"):
        decision = policy.route_from_trunk(directory, "demo", dialed)
        assert isinstance(decision, policy.CallExtension) and decision.username == "demo-5000"
        assert decision.failover is not None and decision.failover.did == "+15550101"


def test_trunk_cannot_reach_another_teams_did(directory: PyDirectory) -> None:
    assert policy.route_from_trunk(directory, "acme", "+15550101") == policy.Reply(
        404, "DID Not Found"
    )
    assert policy.route_from_trunk(directory, "demo", "+19999999") == policy.Reply(
        404, "DID Not Found"
    )


def test_did_to_agent_group_is_handed_to_call_control_with_team_and_group(
    directory: PyDirectory,
) -> None:
    assert policy.route_from_trunk(directory, "demo", "+15550100") == policy.CallQueue(
        "demo", "support"
    )
    assert policy.route_from_phone(directory, "demo", "+15550100") == policy.CallQueue(
        "demo", "support"
    )


def test_call_control_reaches_extensions_by_sip_username_only(directory: PyDirectory) -> None:
    assert policy.route_from_call_control(directory, "demo-5001") == policy.CallExtension(
        "demo-5001"
    )
    assert policy.route_from_call_control(directory, "5001") == policy.NOT_FOUND


def test_no_credentials_are_challenged_and_unknown_users_forbidden(
    directory: PyDirectory,
) -> None:
    assert policy.credentials_to_check(directory, "") == policy.Challenge()
    assert policy.credentials_to_check(directory, "nope-5001") == policy.Reply(403, "Forbidden")
    assert policy.credentials_to_check(directory, "demo-5999") == policy.Reply(403, "Forbidden")
    username, ha1 = policy.credentials_to_check(directory, "demo-5001")  # type: ignore[misc]
    assert username == "demo-5001" and len(ha1) == 32


@pytest.mark.parametrize(
    ("rc", "expected"),
    [
        (1, policy.Authenticated("demo", "5001")),
        (-2, policy.Reply(403, "Forbidden")),  # wrong password
        (-4, policy.Challenge()),  # stale nonce
        (-5, policy.Challenge()),  # no credentials
        (-8, policy.Reply(403, "Identity Mismatch")),
    ],
)
def test_auth_check_results_become_decisions(
    directory: PyDirectory, rc: int, expected: object
) -> None:
    assert policy.after_auth_check(rc, directory, "demo-5001") == expected


def test_star_64_is_a_call_control_feature_other_codes_are_not_available(
    directory: PyDirectory,
) -> None:
    assert policy.route_from_phone(directory, "demo", "*64") == policy.CallFeature("demo", "*64")
    assert policy.route_from_phone(directory, "demo", "*99") == policy.Reply(
        404, "Feature Code Not Available"
    )

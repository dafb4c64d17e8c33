"""A dynamic agent's phone: the team's phones registered from the browser's address."""

from __future__ import annotations

from dashboard.routes.agent_session import phone_candidates


def test_only_the_teams_phones_not_fixed_to_an_agent_are_candidates_in_order() -> None:
    registered = ["demo-5001", "demo-5008", "demo-5009", "other-5008"]
    assert phone_candidates(registered, "demo", {"demo-5001"}) == ["demo-5008", "demo-5009"]
    assert phone_candidates([], "demo", set()) == []

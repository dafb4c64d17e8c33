"""Which pause reasons an agent may use: the team's, narrowed by each listing group."""

from __future__ import annotations

from store.pausing import narrowed

TEAM = {1: "lunch", 2: "training", 3: "meeting"}


def test_groups_without_a_list_leave_the_teams_reasons() -> None:
    assert narrowed(TEAM, []) == TEAM
    assert narrowed(TEAM, [set(), set()]) == TEAM


def test_a_listing_group_narrows_and_several_narrow_to_what_all_allow() -> None:
    assert narrowed(TEAM, [{"lunch", "meeting"}, set()]) == {1: "lunch", 3: "meeting"}
    assert narrowed(TEAM, [{"lunch", "meeting"}, {"meeting", "training"}]) == {3: "meeting"}

"""Working ways in the ACD state machine: `all` is both ways at once; a self-selecting
agent chooses dial_in, dial_out or all; the others cannot choose. The Rust machine
mirrors these rules (native/src/acd/machine/tests.rs and the property test)."""

from __future__ import annotations

import pytest

from routing.acd.machine import Accepted, Command, Refused, transition
from routing.acd.model import AgentConfig, AgentLive, Membership, State, WorkingWay

GROUP = "support"


def _idle(way: WorkingWay, in_effect: WorkingWay | None = None) -> tuple[AgentConfig, AgentLive]:
    config = AgentConfig("demo/1001", working_way=way, memberships=(Membership(GROUP),))
    live = AgentLive.initial(config)
    live = AgentLive(state=State.IDLE, registered=True, way=in_effect or live.way)
    return config, live


def _run(config: AgentConfig, live: AgentLive, command: Command) -> AgentLive | str:
    outcome = transition(config, live, command, 1_000, lambda _name: None)
    return outcome.live if isinstance(outcome, Accepted) else outcome.code


def test_agent_working_all_is_offered_queue_calls_and_may_call_out() -> None:
    config, live = _idle(WorkingWay.ALL)
    assert live.way == WorkingWay.ALL and live.ready
    offered = _run(config, live, Command("offer", call_id="c1", group=GROUP))
    assert isinstance(offered, AgentLive) and offered.state == State.OFFERED
    calling = _run(config, live, Command("outbound_start", call_id="c2"))
    assert isinstance(calling, AgentLive) and calling.state == State.ON_CALL


def test_dial_in_agent_may_not_call_out_and_dial_out_agent_gets_no_queue_call() -> None:
    config, live = _idle(WorkingWay.DIAL_IN)
    assert _run(config, live, Command("outbound_start", call_id="c2")) == "dial_in_only"
    config, live = _idle(WorkingWay.DIAL_OUT)
    assert not live.ready
    assert _run(config, live, Command("offer", call_id="c1", group=GROUP)) == "dial_out_only"


@pytest.mark.parametrize("way", ["dial_in", "dial_out", "all"])
def test_self_selecting_agent_selects_any_of_the_three_ways(way: str) -> None:
    config, live = _idle(WorkingWay.SELF_SELECTION)
    assert live.way == WorkingWay.DIAL_IN  # it starts taking queue calls
    selected = _run(config, live, Command("select_way", way=way))
    assert isinstance(selected, AgentLive) and selected.way == WorkingWay(way)


def test_self_selecting_agent_cannot_select_self_selection() -> None:
    config, live = _idle(WorkingWay.SELF_SELECTION)
    assert _run(config, live, Command("select_way", way="self_selection")) == "unknown_way"


@pytest.mark.parametrize("way", [WorkingWay.DIAL_IN, WorkingWay.DIAL_OUT, WorkingWay.ALL])
def test_agents_with_a_set_way_cannot_switch(way: WorkingWay) -> None:
    config, live = _idle(way)
    outcome = transition(config, live, Command("select_way", way="dial_out"), 0, lambda _: None)
    assert isinstance(outcome, Refused) and outcome.code == "way_not_selectable"


@pytest.mark.parametrize(
    ("configured", "in_effect", "after"),
    [
        ("dial_out", "dial_in", "dial_out"),  # no longer offered queue calls
        ("dial_in", "all", "dial_in"),  # no longer calls out
        ("all", "dial_out", "all"),
    ],
)
def test_a_changed_working_way_replaces_a_way_in_effect_it_forbids(
    configured: str, in_effect: str, after: str
) -> None:
    config, live = _idle(WorkingWay(configured), WorkingWay(in_effect))
    changed = _run(config, live, Command("reconfigure"))
    assert isinstance(changed, AgentLive) and changed.way == WorkingWay(after)


@pytest.mark.parametrize("in_effect", ["dial_in", "dial_out", "all"])
def test_a_self_selecting_agent_keeps_the_way_it_chose_on_reconfiguration(in_effect: str) -> None:
    config, live = _idle(WorkingWay.SELF_SELECTION, WorkingWay(in_effect))
    assert _run(config, live, Command("reconfigure")) == "consistent"

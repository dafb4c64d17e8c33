"""The explain answers in a team's words (``routing.acd.explain``) over a reference index."""

from __future__ import annotations

from routing.acd.events import (
    AgentConfigured,
    AgentStateChanged,
    CallQueued,
    GroupConfigured,
    to_wire,
)
from routing.acd.explain import explain_agent, explain_group
from routing.acd.model import (
    AgentConfig,
    AgentLive,
    GroupConfig,
    Membership,
    PenaltyStep,
    State,
    WaitingCall,
    WorkingWay,
)
from routing.acd.selector import PySelector

GROUP = GroupConfig(
    "demo/fr",
    skills={"french": 3},
    max_penalty=0,
    penalty_steps=(PenaltyStep(after_s=10, max_penalty=2),),
)


def _index(lives: dict[str, AgentLive], skills: dict[str, dict[str, int]]) -> PySelector:
    selector = PySelector()
    selector.apply(to_wire(GroupConfigured(GROUP)))
    for agent, live in sorted(lives.items()):
        penalty = 2 if agent == "demo/1005" else 0
        config = AgentConfig(
            agent, skills=skills.get(agent, {"french": 5}),
            memberships=(Membership("demo/fr", penalty=penalty),),
        )  # fmt: skip
        selector.apply(to_wire(AgentConfigured(config)))
        event = AgentStateChanged(agent, live.version, State.IDLE, live.state, "t", "", 0, live)
        selector.apply(to_wire(event))
    return selector


IDLE = AgentLive(state=State.IDLE, registered=True, idle_since_ms=1, version=1)
LIVES = {
    "demo/1001": AgentLive(state=State.PAUSED, registered=True, pause_reason="lunch", version=1),
    "demo/1002": AgentLive(state=State.IDLE, registered=False, version=1),
    "demo/1003": IDLE,
    "demo/1004": IDLE,
    "demo/1005": IDLE,
    "demo/1006": AgentLive(state=State.IDLE, registered=True, way=WorkingWay.DIAL_OUT, version=1),
}
SKILLS = {"demo/1004": {"french": 2}}


def _reasons(call: dict[str, object]) -> dict[str, tuple[str, str]]:
    agents = call["agents"]
    assert isinstance(agents, list)
    return {a["agent"]: (a["reason"], a["detail"]) for a in agents}


def test_a_group_without_waiting_calls_explains_a_call_arriving_now() -> None:
    answer = explain_group(_index(LIVES, SKILLS), "demo/fr", 100_000)
    assert answer["waiting"] == []
    new = answer["new_call"]
    assert new["call"] is None and new["status"] == "agents_available"
    assert _reasons(new) == {
        "1001": ("paused", "lunch"),
        "1002": ("unregistered", ""),
        "1003": ("", ""),
        "1004": ("skill_too_low", "french 2<3"),
        "1005": ("penalty_too_high", "2>0"),
        "1006": ("dial_out_only", ""),
    }
    assert [a["rank"] for a in new["agents"] if a["eligible"]] == [0]


def test_a_waiting_call_reaches_the_higher_penalty_agent_after_its_relaxation_step() -> None:
    selector = _index(LIVES, SKILLS)
    selector.apply(to_wire(CallQueued(WaitingCall("c1", "demo/fr", 3, 100_000))))
    early = explain_group(selector, "demo/fr", 105_000)["waiting"][0]
    assert early["call"] == "c1" and early["priority"] == 3 and early["allowed_penalty"] == 0
    assert _reasons(early)["1005"] == ("penalty_too_high", "2>0")
    later = explain_group(selector, "demo/fr", 110_000)["waiting"][0]
    assert later["allowed_penalty"] == 2 and _reasons(later)["1005"] == ("", "")
    assert selector.waiting("demo/fr") == ["c1"]  # the hypothetical call left again


def test_an_agent_is_explained_per_group_against_the_call_it_would_take_next() -> None:
    selector = _index(LIVES, SKILLS)
    selector.apply(to_wire(CallQueued(WaitingCall("c1", "demo/fr", 0, 100_000))))
    (paused,) = explain_agent(selector, "demo/1001", ["demo/fr"], 101_000)
    assert paused == {
        "group": "fr", "waiting": 1, "call": "c1", "eligible": False, "reason": "paused",
        "detail": "lunch", "rank": None, "offered_to": [],
    }  # fmt: skip
    (free,) = explain_agent(selector, "demo/1003", ["demo/fr"], 101_000)
    assert free["eligible"] and free["rank"] == 0 and free["reason"] == ""
    (none_waiting,) = explain_agent(_index(LIVES, SKILLS), "demo/1002", ["demo/fr"], 1)
    assert none_waiting["call"] is None and none_waiting["reason"] == "unregistered"

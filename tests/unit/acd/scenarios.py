"""Generated call centers for the ACD property tests: small groups and agents, and a driver
that feeds the same events to every selector under test and checks they answer alike."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import strategies as st

from routing.acd.events import (
    AgentConfigured,
    CallLeft,
    CallQueued,
    Event,
    GroupConfigured,
    to_wire,
)
from routing.acd.machine import COMMANDS, Accepted, Command, Outcome
from routing.acd.model import (
    AcwMode,
    AgentConfig,
    GroupConfig,
    Membership,
    PenaltyStep,
    State,
    Strategy,
    WaitingCall,
    WorkingWay,
)
from routing.acd.selector import Selector

GROUPS = ["g1", "g2", "g3"]
CALLS = ["c1", "c2", "c3", "c4"]
SKILLS = ["en", "es", "fr"]
REASONS = ["", "lunch", "training"]

skill_levels = st.dictionaries(st.sampled_from(SKILLS), st.integers(0, 4), max_size=3)
# Mostly no requirement, so that selections often find someone.
required_skills = st.sampled_from([{}, {}, {}, {"en": 1}, {"es": 2}, {"fr": 3}])
penalties = st.sampled_from([0, 0, 0, 1, 3])


def group_named(name: str) -> st.SearchStrategy[GroupConfig]:
    return groups.map(lambda g: replace(g, name=name))


groups = st.builds(
    GroupConfig,
    name=st.sampled_from(GROUPS),
    strategy=st.sampled_from(Strategy),
    acw_mode=st.sampled_from(AcwMode),
    acw_seconds=st.sampled_from([0, 5, 5]),
    skills=required_skills,
    max_penalty=st.integers(0, 2),
    penalty_steps=st.lists(
        st.builds(PenaltyStep, st.integers(0, 20), st.integers(0, 5)), max_size=2
    ).map(tuple),
)


@st.composite
def agents(draw: st.DrawFn, agent_id: str) -> AgentConfig:
    member_of = draw(st.lists(st.sampled_from(GROUPS), unique=True, min_size=1, max_size=3))
    memberships = tuple(
        Membership(g, draw(penalties), draw(st.integers(0, 5)), draw(st.integers(1, 4)))
        for g in member_of
    )
    return AgentConfig(
        agent_id=agent_id,
        extension=f"5{agent_id}",
        fixed=draw(st.booleans()),
        working_way=draw(
            st.sampled_from(WorkingWay) | st.just(WorkingWay.DIAL_IN)  # mostly dial-in
        ),
        skills=draw(skill_levels),
        memberships=memberships,
    )


@st.composite
def centers(draw: st.DrawFn) -> tuple[list[GroupConfig], list[AgentConfig]]:
    configured = [draw(group_named(name)) for name in GROUPS]
    count = draw(st.integers(2, 6))
    return configured, [draw(agents(f"a{i}")) for i in range(count)]


def plausible_commands(live_state: State, call_id: str, group: str) -> list[Command]:
    """Likely next commands for an agent in ``live_state`` (repeats weigh more), so that
    scenarios reach answers, ACW and corrections rather than stacking refusals."""
    answer = Command("answer", call_id)
    call_end = Command("call_end", call_id)
    by_state = {
        State.SIGNED_OUT: [Command("sign_in")],
        State.IDLE: [
            Command("pause", reason="lunch"),
            Command("outbound_start", "o1", group=group),
            Command("sign_out"),
            Command("dialog_started", "d1"),
        ],
        State.OFFERED: [
            answer,
            answer,
            answer,
            Command("dialog_started", call_id),
            Command("ring_end", call_id, reason="rejected"),
            Command("lease_expired", call_id),
            Command("dialog_ended", call_id),
            Command("registration", registered=False),
            Command("pause_after_call", reason="lunch"),
            Command("dialog_started", "d1"),
        ],
        State.ON_CALL: [
            call_end,
            call_end,
            Command("dialog_ended", call_id),
            Command("reconcile", live_calls=()),
            Command("pause_after_call", reason="training"),
        ],
        State.ACW: [
            Command("acw_submit"),
            Command("tick"),
            Command("tick"),
            Command("pause", reason="training"),
        ],
        State.PAUSED: [Command("unpause"), Command("unpause"), Command("dialog_started", "d2")],
    }
    return by_state[live_state]


@st.composite
def any_command(draw: st.DrawFn) -> Command:
    return Command(
        kind=draw(st.sampled_from([*COMMANDS, "teleport"])),
        call_id=draw(st.sampled_from(["", *CALLS, "o1", "d1"])),
        reason=draw(st.sampled_from(REASONS)),
        group=draw(st.sampled_from(["", *GROUPS])),
        way=draw(st.sampled_from(["dial_in", "dial_out", "both"])),
        registered=draw(st.booleans()),
        live_calls=tuple(draw(st.lists(st.sampled_from(CALLS), max_size=2))),
    )


@dataclass
class Driver:
    """Feeds every event to all ``selectors``; the first one is the reference."""

    selectors: list[Selector]
    now_ms: int = 1_000
    log: list[str] = field(default_factory=list)

    @property
    def reference(self) -> Selector:
        return self.selectors[0]

    def publish(self, event: Event) -> None:
        wire = to_wire(event)
        self.log.append(repr(wire))
        for selector in self.selectors:
            selector.apply(wire)

    def setup(self, groups: list[GroupConfig], configs: list[AgentConfig]) -> None:
        for group in groups:
            self.publish_group(group)
        for config in configs:
            self.publish_agent(config)

    def publish_group(self, group: GroupConfig) -> None:
        self.publish(GroupConfigured(group))

    def publish_agent(self, config: AgentConfig) -> None:
        self.publish(AgentConfigured(config))

    def command(self, agent_id: str, command: Command) -> Outcome:
        """Run ``command`` in every selector; they must agree. Accepted events are applied."""
        outcomes = [s.transition(agent_id, command, self.now_ms) for s in self.selectors]
        self.log.append(f"{agent_id} {command} -> {outcomes[0]}")
        assert all(o == outcomes[0] for o in outcomes), (command, outcomes)
        if isinstance(outcomes[0], Accepted):
            for event in outcomes[0].events:
                self.publish(event)
        return outcomes[0]

    def queue(self, call: WaitingCall) -> None:
        self.publish(CallQueued(call))

    def leave(self, call_id: str) -> None:
        self.publish(CallLeft(call_id, "abandoned", self.now_ms))

    def same(self, question: str, *args: Any) -> Any:
        """Ask every selector; they must give the same answer."""
        answers = [getattr(s, question)(*args) for s in self.selectors]
        assert all(a == answers[0] for a in answers), (question, args, answers, self.log[-8:])
        return answers[0]

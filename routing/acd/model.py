"""The ACD's vocabulary: group and agent configuration, an agent's live state, a waiting call.

Plain frozen values whose string names are exactly the ones the Redis stream, the Lua
scripts and the native module (``native/src/acd/``) use. Times are integer milliseconds
(the caller's clock), so the native and Python implementations compute the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class State(StrEnum):
    SIGNED_OUT = "signed_out"
    IDLE = "idle"
    OFFERED = "offered"  # reserved for one queue call and ringing
    ON_CALL = "on_call"
    ACW = "acw"  # after-call work (wrap-up)
    PAUSED = "paused"


class CallKind(StrEnum):
    NONE = ""
    INBOUND = "inbound"  # a queue call
    OUTBOUND = "outbound"
    DIRECT = "direct"  # a call to or from the extension outside any queue


class WorkingWay(StrEnum):
    DIAL_IN = "dial_in"  # queue calls only, never used for outbound
    DIAL_OUT = "dial_out"  # outbound only, never offered queue calls
    ALL = "all"  # both: offered queue calls while idle, and may call out
    SELF_SELECTION = "self_selection"  # the agent switches between the three above

    @property
    def takes_queue_calls(self) -> bool:
        return self in (WorkingWay.DIAL_IN, WorkingWay.ALL)

    @property
    def calls_out(self) -> bool:
        return self in (WorkingWay.DIAL_OUT, WorkingWay.ALL)


# The ways a self-selecting agent can choose as the one in effect.
SELECTABLE_WAYS = (WorkingWay.DIAL_IN, WorkingWay.DIAL_OUT, WorkingWay.ALL)


class Strategy(StrEnum):
    RING_ALL = "ring_all"
    LONGEST_IDLE = "longest_idle"
    FEWEST_CALLS = "fewest_calls"
    LEAST_TALK_TIME = "least_talk_time"
    ROUND_ROBIN = "round_robin"
    LINEAR = "linear"
    RANDOM = "random"
    WEIGHTED_RANDOM = "weighted_random"


class AcwMode(StrEnum):
    AFTER_RING = "after_ring"  # after every offer, answered or not
    AFTER_ANSWERED = "after_answered"
    DISABLED = "disabled"


@dataclass(frozen=True)
class PenaltyStep:
    """Once a call has waited ``after_s`` seconds, members up to ``max_penalty`` qualify."""

    after_s: int
    max_penalty: int


@dataclass(frozen=True)
class GroupConfig:
    name: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    acw_mode: AcwMode = AcwMode.DISABLED
    acw_seconds: int = 0  # 0: no ACW whatever the mode (an untimed ACW could strand agents)
    skills: dict[str, int] = field(default_factory=dict)  # skill -> minimum level
    max_penalty: int = 0  # members with a higher penalty wait for a relaxation step
    penalty_steps: tuple[PenaltyStep, ...] = ()

    def allowed_penalty(self, waited_ms: int) -> int:
        """The highest member penalty acceptable for a call that has waited ``waited_ms``."""
        allowed = self.max_penalty
        for step in self.penalty_steps:
            if waited_ms >= step.after_s * 1000:
                allowed = max(allowed, step.max_penalty)
        return allowed


@dataclass(frozen=True)
class Membership:
    """An agent's place in one group."""

    group: str
    penalty: int = 0
    position: int = 0  # order for linear and round robin
    weight: int = 1  # share for weighted random

    def __post_init__(self) -> None:
        if self.weight < 1:
            raise ValueError(f"weight must be at least 1, got {self.weight}")


@dataclass(frozen=True)
class AgentConfig:
    agent_id: str
    extension: str = ""
    fixed: bool = False  # always signed in: sign-out is refused
    working_way: WorkingWay = WorkingWay.DIAL_IN
    skills: dict[str, int] = field(default_factory=dict)  # skill -> level
    memberships: tuple[Membership, ...] = ()

    def __post_init__(self) -> None:
        groups = [m.group for m in self.memberships]
        if len(set(groups)) != len(groups):
            raise ValueError(f"agent {self.agent_id!r} is in a group twice: {groups}")

    def membership(self, group: str) -> Membership | None:
        for membership in self.memberships:
            if membership.group == group:
                return membership
        return None


@dataclass(frozen=True)
class AgentLive:
    """What an agent is doing now; every change bumps ``version`` and is one event."""

    state: State = State.SIGNED_OUT
    registered: bool = False  # SIP truth: the extension has a registered contact
    way: WorkingWay = WorkingWay.DIAL_IN  # the way in effect: dial_in, dial_out or all
    call_id: str = ""  # the call while offered or on a call
    call_kind: CallKind = CallKind.NONE
    group: str = ""  # the queue call's group while offered, on it, or in its ACW
    pause_reason: str = ""  # while paused, and kept through a direct call made while paused
    pause_after_call: str = ""  # requested: pause with this reason once the call is done
    acw_until_ms: int = 0
    idle_since_ms: int = 0
    answered_at_ms: int = 0
    calls: int = 0  # answered queue calls, for fewest_calls
    talk_ms: int = 0  # talk time on queue calls, for least_talk_time
    version: int = 0

    @classmethod
    def initial(cls, config: AgentConfig) -> AgentLive:
        """A new agent: signed out, or idle if fixed; self-selecting agents start dial-in."""
        way = (
            WorkingWay.DIAL_IN
            if config.working_way == WorkingWay.SELF_SELECTION
            else config.working_way
        )
        state = State.IDLE if config.fixed else State.SIGNED_OUT
        return cls(state=state, way=way)

    @property
    def ready(self) -> bool:
        """Can be offered a queue call at all (the call's own requirements aside)."""
        return self.state == State.IDLE and self.registered and self.way.takes_queue_calls


@dataclass(frozen=True)
class WaitingCall:
    call_id: str
    group: str
    priority: int = 0  # higher is served first
    enqueued_ms: int = 0
    skills: dict[str, int] = field(default_factory=dict)  # on top of the group's

    def sort_key(self) -> tuple[int, int, str]:
        """Who is served first: priority, then the longest waiting."""
        return (-self.priority, self.enqueued_ms, self.call_id)

"""The ACD's events and their wire form: the dicts the Redis stream carries (as JSON) and
the native index's ``apply()`` takes.

Every index (native or reference) is kept current by applying these, in stream order;
applying one twice, or an agent state older than the one held, changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from routing.acd.model import (
    AcwMode,
    AgentConfig,
    AgentLive,
    CallKind,
    GroupConfig,
    Membership,
    PenaltyStep,
    State,
    Strategy,
    WaitingCall,
    WorkingWay,
)

Wire = dict[str, Any]


@dataclass(frozen=True)
class AgentStateChanged:
    agent_id: str
    version: int
    from_state: State
    to_state: State
    reason: str  # why, including automatic corrections ("dialog_lost", "lease_expired")
    call_id: str  # the call the transition concerns, if any
    at_ms: int
    live: AgentLive  # the whole state after the transition


@dataclass(frozen=True)
class AgentConfigured:
    config: AgentConfig


@dataclass(frozen=True)
class GroupConfigured:
    config: GroupConfig


@dataclass(frozen=True)
class CallQueued:
    call: WaitingCall


@dataclass(frozen=True)
class CallLeft:
    call_id: str
    reason: str  # "answered", "abandoned", "overflow", ...
    at_ms: int


Event = AgentStateChanged | AgentConfigured | GroupConfigured | CallQueued | CallLeft


def live_to_wire(live: AgentLive) -> Wire:
    # str() turns the enum members into their plain string values; vars(), not asdict():
    # the fields are flat, and asdict's deep copy is slow.
    return {k: str(v) if isinstance(v, str) else v for k, v in vars(live).items()}


def live_from_wire(wire: Wire) -> AgentLive:
    return AgentLive(
        state=State(wire["state"]),
        registered=bool(wire["registered"]),
        way=WorkingWay(wire["way"]),
        call_id=str(wire["call_id"]),
        call_kind=CallKind(wire["call_kind"]),
        group=str(wire["group"]),
        pause_reason=str(wire["pause_reason"]),
        pause_after_call=str(wire["pause_after_call"]),
        **{k: int(wire[k]) for k in _LIVE_INTS},
    )


_LIVE_INTS = ("acw_until_ms", "idle_since_ms", "answered_at_ms", "calls", "talk_ms", "version")


def to_wire(event: Event) -> Wire:
    """The dict form of ``event``."""
    match event:
        case AgentStateChanged():
            return {
                "type": "agent_state",
                "agent": event.agent_id,
                "version": event.version,
                "from": str(event.from_state),
                "to": str(event.to_state),
                "reason": event.reason,
                "call_id": event.call_id,
                "at_ms": event.at_ms,
                "live": live_to_wire(event.live),
            }
        case AgentConfigured(config=c):
            return {
                "type": "agent_configured",
                "agent": c.agent_id,
                "extension": c.extension,
                "fixed": c.fixed,
                "working_way": str(c.working_way),
                "skills": dict(c.skills),
                "memberships": [asdict(m) for m in c.memberships],
            }
        case GroupConfigured(config=g):
            return {
                "type": "group_configured",
                "group": g.name,
                "strategy": str(g.strategy),
                "acw_mode": str(g.acw_mode),
                "acw_seconds": g.acw_seconds,
                "skills": dict(g.skills),
                "max_penalty": g.max_penalty,
                "penalty_steps": [[s.after_s, s.max_penalty] for s in g.penalty_steps],
            }
        case CallQueued(call=c):
            return {
                "type": "call_queued",
                "call": c.call_id,
                "group": c.group,
                "priority": c.priority,
                "enqueued_ms": c.enqueued_ms,
                "skills": dict(c.skills),
            }
        case CallLeft():
            return {
                "type": "call_left",
                "call": event.call_id,
                "reason": event.reason,
                "at_ms": event.at_ms,
            }


def from_wire(wire: Wire) -> Event:
    """The event ``wire`` describes; ``KeyError``/``ValueError`` if it is malformed."""
    kind = wire["type"]
    if kind == "agent_state":
        return AgentStateChanged(
            agent_id=wire["agent"],
            version=int(wire["version"]),
            from_state=State(wire["from"]),
            to_state=State(wire["to"]),
            reason=wire["reason"],
            call_id=wire["call_id"],
            at_ms=int(wire["at_ms"]),
            live=live_from_wire(wire["live"]),
        )
    if kind == "agent_configured":
        return AgentConfigured(agent_config_from_wire(wire))
    if kind == "group_configured":
        return GroupConfigured(group_config_from_wire(wire))
    if kind == "call_queued":
        return CallQueued(
            WaitingCall(
                wire["call"],
                wire["group"],
                int(wire["priority"]),
                int(wire["enqueued_ms"]),
                _levels(wire["skills"]),
            )
        )
    if kind == "call_left":
        return CallLeft(wire["call"], wire["reason"], int(wire["at_ms"]))
    raise ValueError(f"unknown event type {kind!r}")


def agent_config_from_wire(wire: Wire) -> AgentConfig:
    return AgentConfig(
        agent_id=wire["agent"],
        extension=wire["extension"],
        fixed=bool(wire["fixed"]),
        working_way=WorkingWay(wire["working_way"]),
        skills=_levels(wire["skills"]),
        memberships=tuple(
            Membership(m["group"], int(m["penalty"]), int(m["position"]), int(m["weight"]))
            for m in wire["memberships"]
        ),
    )


def group_config_from_wire(wire: Wire) -> GroupConfig:
    return GroupConfig(
        name=wire["group"],
        strategy=Strategy(wire["strategy"]),
        acw_mode=AcwMode(wire["acw_mode"]),
        acw_seconds=int(wire["acw_seconds"]),
        skills=_levels(wire["skills"]),
        max_penalty=int(wire["max_penalty"]),
        penalty_steps=tuple(PenaltyStep(int(a), int(p)) for a, p in wire["penalty_steps"]),
    )


def _levels(wire: dict[str, Any]) -> dict[str, int]:
    return {str(k): int(v) for k, v in wire.items()}

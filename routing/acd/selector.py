"""The per-process ACD index and its questions: ``PySelector`` is the reference.

An index holds groups, agents (configuration and live state), waiting calls and the
round-robin memory, and is kept current only by ``apply(event)`` with the events of the
Redis stream (``routing.acd.events``), so every process answers from memory:

* ``select(call, now, seed, limit)``: the agents to offer the call, best first;
* ``next_call(agent, now)``: the waiting call an agent who just became free takes -- over
  all its groups, highest priority first, then the longest waiting; calls already being
  offered are skipped (one offer at a time per call, except ring_all's);
* ``explain_call`` / ``explain_agent``: "why is this call still waiting", "why this agent";
* ``transition(agent, command, now)``: the state machine over the index's copy.

The native ``routing._native.AcdIndex`` answers the same questions from maintained ordered
sets; this one recomputes from scratch, which is what makes it the reference.
"""

from __future__ import annotations

from typing import Any, Protocol

from routing.acd import machine
from routing.acd.events import (
    AgentConfigured,
    AgentStateChanged,
    CallLeft,
    CallQueued,
    GroupConfigured,
    Wire,
    from_wire,
)
from routing.acd.model import AgentConfig, AgentLive, GroupConfig, Membership, State, WaitingCall
from routing.acd.policy import exclusion, order, required_skills


class Selector(Protocol):
    def apply(self, event: Wire) -> None: ...

    def transition(
        self, agent_id: str, command: machine.Command, now_ms: int
    ) -> machine.Outcome: ...

    def select(self, call_id: str, now_ms: int, seed: int = 0, limit: int = 1) -> list[str]: ...

    def next_call(self, agent_id: str, now_ms: int) -> str | None: ...

    def explain_call(self, call_id: str, now_ms: int) -> dict[str, Any]: ...

    def explain_agent(
        self, call_id: str, agent_id: str, now_ms: int, seed: int = 0
    ) -> dict[str, Any]: ...

    def live(self, agent_id: str) -> AgentLive | None: ...

    def waiting(self, group: str) -> list[str]: ...


class PySelector:
    """Reference implementation of ``Selector`` in plain Python."""

    def __init__(self) -> None:
        self._groups: dict[str, GroupConfig] = {}
        self._configs: dict[str, AgentConfig] = {}
        self._lives: dict[str, AgentLive] = {}
        self._members: dict[str, dict[str, Membership]] = {}  # group -> agent -> membership
        self._calls: dict[str, WaitingCall] = {}
        self._offers: dict[str, set[str]] = {}  # call -> agents offered it right now
        self._round_robin_last: dict[str, tuple[int, str]] = {}  # group -> (position, agent)

    def apply(self, event: Wire) -> None:
        match from_wire(event):
            case AgentConfigured(config=config):
                self._configure_agent(config)
            case GroupConfigured(config=group):
                self._groups[group.name] = group
            case AgentStateChanged() as changed:
                self._change_state(changed)
            case CallQueued(call=call):
                self._calls[call.call_id] = call
            case CallLeft(call_id=call_id):
                self._calls.pop(call_id, None)

    def _configure_agent(self, config: AgentConfig) -> None:
        old = self._configs.get(config.agent_id)
        for membership in old.memberships if old else ():
            self._members.get(membership.group, {}).pop(config.agent_id, None)
        self._configs[config.agent_id] = config
        for membership in config.memberships:
            self._members.setdefault(membership.group, {})[config.agent_id] = membership
        self._lives.setdefault(config.agent_id, AgentLive.initial(config))

    def _change_state(self, event: AgentStateChanged) -> None:
        agent, new = event.agent_id, event.live
        old = self._lives.get(agent)
        if old is not None and new.version <= old.version:
            return  # already applied, or older than what we hold
        if old is not None and old.state == State.OFFERED:
            offered = self._offers.get(old.call_id, set())
            offered.discard(agent)
            if not offered:
                self._offers.pop(old.call_id, None)
        if new.state == State.OFFERED:
            self._offers.setdefault(new.call_id, set()).add(agent)
            membership = self._members.get(new.group, {}).get(agent)
            if membership is not None:
                self._round_robin_last[new.group] = (membership.position, agent)
        if new.state == State.ON_CALL:
            self._calls.pop(new.call_id, None)  # answered: no longer waiting
        self._lives[agent] = new

    def transition(self, agent_id: str, command: machine.Command, now_ms: int) -> machine.Outcome:
        config, live = self._configs.get(agent_id), self._lives.get(agent_id)
        if config is None or live is None:
            return machine.Refused("unknown_agent")
        return machine.transition(config, live, command, now_ms, self._groups.get)

    def select(self, call_id: str, now_ms: int, seed: int = 0, limit: int = 1) -> list[str]:
        call = self._calls.get(call_id)
        group = self._groups.get(call.group) if call else None
        if call is None or group is None:
            return []
        required = required_skills(group, call)
        allowed = group.allowed_penalty(max(0, now_ms - call.enqueued_ms))
        eligible = [
            (agent, self._lives[agent], membership)
            for agent, membership in self._members.get(call.group, {}).items()
            if exclusion(self._configs[agent], self._lives[agent], membership, required, allowed)
            is None
        ]
        return order(group.strategy, eligible, self._round_robin_last.get(call.group), seed, limit)

    def next_call(self, agent_id: str, now_ms: int) -> str | None:
        config, live = self._configs.get(agent_id), self._lives.get(agent_id)
        if config is None or live is None or not live.ready:
            return None
        best: WaitingCall | None = None
        for call in self._calls.values():
            membership, group = config.membership(call.group), self._groups.get(call.group)
            if membership is None or group is None or call.call_id in self._offers:
                continue
            if best is not None and call.sort_key() >= best.sort_key():
                continue
            allowed = group.allowed_penalty(max(0, now_ms - call.enqueued_ms))
            if exclusion(config, live, membership, required_skills(group, call), allowed) is None:
                best = call
        return best.call_id if best else None

    def explain_call(self, call_id: str, now_ms: int) -> dict[str, Any]:
        call = self._calls.get(call_id)
        if call is None:
            return {"call": call_id, "status": "unknown_call"}
        group = self._groups.get(call.group)
        if group is None:
            return {"call": call_id, "status": "unknown_group", "group": call.group}
        waited = max(0, now_ms - call.enqueued_ms)
        required, allowed = required_skills(group, call), group.allowed_penalty(waited)
        eligible, excluded = [], []
        for agent in sorted(self._members.get(call.group, {})):
            membership = self._members[call.group][agent]
            why = exclusion(self._configs[agent], self._lives[agent], membership, required, allowed)
            if why is None:
                eligible.append(agent)
            else:
                excluded.append({"agent": agent, "reason": why[0], "detail": why[1]})
        offered_to = sorted(self._offers.get(call_id, ()))
        status = (
            "offered" if offered_to else "agents_available" if eligible else "no_eligible_agent"
        )
        return {
            "call": call_id,
            "status": status,
            "group": call.group,
            "strategy": str(group.strategy),
            "priority": call.priority,
            "waited_ms": waited,
            "allowed_penalty": allowed,
            "offered_to": offered_to,
            "eligible": eligible,
            "excluded": excluded,
        }

    def explain_agent(
        self, call_id: str, agent_id: str, now_ms: int, seed: int = 0
    ) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "call": call_id,
            "agent": agent_id,
            "eligible": False,
            "reason": "",
            "detail": "",
            "rank": None,
        }
        call = self._calls.get(call_id)
        group = self._groups.get(call.group) if call else None
        config, live = self._configs.get(agent_id), self._lives.get(agent_id)
        if call is None or group is None:
            return answer | {"reason": "unknown_call" if call is None else "unknown_group"}
        if config is None or live is None:
            return answer | {"reason": "unknown_agent"}
        membership = config.membership(call.group)
        allowed = group.allowed_penalty(max(0, now_ms - call.enqueued_ms))
        why = exclusion(config, live, membership, required_skills(group, call), allowed)
        if why is not None or membership is None:
            reason, detail = why or ("not_member", "")
            return answer | {"reason": reason, "detail": detail}
        ranking = self.select(call_id, now_ms, seed, len(self._members.get(call.group, {})))
        return answer | {
            "eligible": True,
            "rank": ranking.index(agent_id),
            "strategy": str(group.strategy),
            "idle_since_ms": live.idle_since_ms,
            "calls": live.calls,
            "talk_ms": live.talk_ms,
            "position": membership.position,
            "penalty": membership.penalty,
            "allowed_penalty": allowed,
            "weight": membership.weight,
        }

    def live(self, agent_id: str) -> AgentLive | None:
        return self._lives.get(agent_id)

    def waiting(self, group: str) -> list[str]:
        calls = [c for c in self._calls.values() if c.group == group]
        return [c.call_id for c in sorted(calls, key=WaitingCall.sort_key)]

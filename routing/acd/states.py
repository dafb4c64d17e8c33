"""Agents' live state for call control and the API: a thin layer over the ACD's Redis
store (``routing.acd.redis_store.RedisAcd``: state hashes, fenced claims with leases, CAS
commits, the holder heartbeat, the reaper, the event stream), adding what call control
needs beyond it:

* one ``apply(config, agent, command)`` for every change, turning ``offer`` into a fenced
  claim and ``answer`` / ``ring_end`` into the claim's answer / release;
* a holder heartbeat for answered calls (``RedisAcd.hold``): the claim's lease ends once
  a call is answered, so when the call-control process holding the call dies, ``sweep()``
  in another process (``RedisAcd.reap``) ends the call for the agent (``dialog_lost``)
  once the heartbeat lapses, as it returns offered agents after their lease;
* the extension a self-adapting agent signed in from (``Keys.extension_of`` and
  ``Keys.extension_owner``); a fixed agent's is in its configuration;
* SIP truth (``follow_sip``): the edge reports registrations and direct calls per SIP
  user (``RedisAcd.report_sip``); call control, which knows which extension each agent
  is at, brings the agents in line (registered or not, busy on a direct call or not).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import redis

from routing.acd import machine
from routing.acd.config import AcdConfig
from routing.acd.events import Wire, live_to_wire, to_wire
from routing.acd.model import AgentLive, CallKind, State
from routing.acd.redis_store import Claim, RedisAcd

_LUA = Path(__file__).resolve().parent / "lua"


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Changed:
    live: AgentLive
    event: Wire


class AgentStates:
    def __init__(self, client: redis.Redis, lease_ms: int) -> None:
        self.redis = client
        self.acd = RedisAcd(client)
        self.keys = self.acd.keys
        self.lease_ms = lease_ms
        self.claims: dict[str, Claim] = {}  # agent -> the offer this process holds
        self._sip_version = -1  # the edge's report last followed
        self._bind = client.register_script((_LUA / "bind_extension.lua").read_text())

    # --- configuration ----------------------------------------------------------------

    def configure(self, config: AcdConfig) -> list[Changed]:
        """Publish groups and agents to the ACD (new agents start in their initial state;
        an agent whose way in effect its new working way forbids gets the new one).
        Whether their extensions are registered comes from the edge (``follow_sip``)."""
        for group in config.groups.values():
            self.acd.configure_group(group)
        for agent_config in config.agents.values():
            self.acd.configure_agent(agent_config)
        command = machine.Command("reconfigure")
        stale = [  # decided here first, so the usual case costs one round trip in all
            agent
            for agent, live in self.acd.lives(config.agents).items()
            if isinstance(
                machine.transition(config.agents[agent], live, command, 0, config.group_of),
                machine.Accepted,
            )
        ]
        at = now_ms()
        outcomes = [self.acd.apply(agent, command, at) for agent in stale]
        return _changed(o for o in outcomes if isinstance(o, machine.Accepted))

    def follow_sip(self, config: AcdConfig, force: bool = False) -> list[Changed]:
        """Apply the edge's SIP truth to every agent at an extension: when the edge
        reported something new, or always with ``force`` (an agent moved to another
        extension, or a state was set by hand)."""
        if not force and self.acd.sip_version() == self._sip_version:
            return []
        version, facts = self.acd.sip_facts()
        self._sip_version = version
        if config.phone_lines:  # reachable through a trunk: as good as registered
            facts = replace(facts, registered=facts.registered | config.phone_lines)
        changed = self.acd.follow_sip(self.extensions(config), facts, now_ms())
        return _changed(changed)

    def extensions(self, config: AcdConfig) -> dict[str, str]:
        """Every agent's SIP username ("" when it is at none), in one round trip."""
        fixed = {a: c.extension for a, c in config.agents.items() if c.extension}
        others = [a for a in config.agents if a not in fixed]
        bound = self.redis.mget([self.keys.extension_of(a) for a in others]) if others else []
        return fixed | {a: _text(b or b"") for a, b in zip(others, bound, strict=True)}

    # --- reading ------------------------------------------------------------------------

    def live(self, config: AcdConfig, agent: str) -> AgentLive | None:
        if agent not in config.agents:
            return None
        return self.acd.live(agent)

    def lives(self, config: AcdConfig, agents: Iterable[str]) -> dict[str, AgentLive]:
        return self.acd.lives(a for a in agents if a in config.agents)

    # --- changing -----------------------------------------------------------------------

    def apply(
        self,
        config: AcdConfig,
        agent: str,
        command: machine.Command,
        at_ms: int | None = None,
        *,
        exclusive: bool = True,
    ) -> Changed | machine.Refused:
        """Run ``command`` for ``agent`` through the ACD; claims for the offers
        (``exclusive=False``: ring all's parallel offers of one call)."""
        if agent not in config.agents:
            return machine.Refused("unknown_agent")
        at = at_ms or now_ms()
        if command.kind == "offer":
            return self._offer(agent, command, at, exclusive)
        claim = self.claims.get(agent)
        if (
            claim is not None
            and claim.call_id == command.call_id
            and command.kind in ("answer", "ring_end")
        ):
            outcome = (
                self.acd.answer(claim, at)
                if command.kind == "answer"
                else self.acd.release(claim, at, command.reason or "no_answer")
            )
            if isinstance(outcome, machine.Accepted) or command.kind == "ring_end":
                self.claims.pop(agent, None)
        else:
            outcome = self.acd.apply(agent, command, at)
        if isinstance(outcome, machine.Refused):
            return outcome
        live = outcome.live
        if live.state == State.ON_CALL and live.call_kind == CallKind.INBOUND:
            self.acd.hold(agent, live.call_id, self.lease_ms)
        elif live.call_id == "":
            self.acd.drop_hold(agent)
        return Changed(live, to_wire(outcome.events[-1]))

    def _offer(
        self, agent: str, command: machine.Command, at: int, exclusive: bool = True
    ) -> Changed | machine.Refused:
        result = self.acd.claim(
            agent, command.call_id, command.group, at, lease_ms=self.lease_ms, exclusive=exclusive
        )
        if isinstance(result, machine.Refused):
            return result
        self.claims[agent] = result
        live = self.acd.live(agent)
        assert live is not None
        event = {
            "type": "agent_state",
            "agent": agent,
            "version": result.version,
            "from": str(State.IDLE),
            "to": str(State.OFFERED),
            "reason": "offered",
            "call_id": command.call_id,
            "at_ms": at,
            "live": live_to_wire(live),
        }
        return Changed(live, event)

    def renew(self, agent: str, call_id: str) -> bool:
        """Keep this process's hold on ``agent`` for ``call_id``: the offer's lease while it
        rings, the heartbeat once answered; False if it was lost."""
        claim = self.claims.get(agent)
        if claim is not None and claim.call_id == call_id:
            return self.acd.renew(claim, now_ms(), self.lease_ms)
        return self.acd.renew_hold(agent, call_id, self.lease_ms)

    def sweep(self, config: AcdConfig) -> list[Changed]:
        """Return agents whose holder died -- offers past their lease, answered calls whose
        holder stopped heart-beating -- and end the ACWs that are due: the ACD's one
        reaper (``RedisAcd.reap``) over the configured agents."""
        return _changed(self.acd.reap(now_ms(), agents=config.agents))

    # --- where a self-adapting agent is ---------------------------------------------------

    def extension(self, config: AcdConfig, agent: str) -> str:
        """The SIP username to ring for ``agent``: fixed in config, else where it signed in."""
        agent_config = config.agents.get(agent)
        if agent_config is None:
            return ""
        if agent_config.extension:
            return agent_config.extension
        return _text(self.redis.get(self.keys.extension_of(agent)) or b"")

    def bind_extension(self, agent: str, extension: str) -> str:
        """Bind ``agent`` to ``extension``; returns "" or the agent already using it."""
        keys = self.keys
        result = _text(
            self._bind(
                keys=[keys.extension_of(agent), keys.extension_owner(extension)],
                args=[agent, extension, keys.extension_owner("")],
            )
        )
        return "" if result == "OK" else result

    def take_extension(self, config: AcdConfig, agent: str, user: str) -> str:
        """Bind a self-adapting or dynamic ``agent`` to SIP user ``user`` unless another
        agent holds it -- a fixed agent whose phone it is, or one signed in there (an
        atomic claim). Returns "" or the holder's agent id."""
        holder = config.fixed_holder(user)
        if holder and holder != agent:
            return holder
        return self.bind_extension(agent, user)

    def unbind_extension(self, agent: str) -> None:
        old = self.redis.getdel(self.keys.extension_of(agent))
        if old:
            self.redis.delete(self.keys.extension_owner(_text(old)))


def _changed(outcomes: Iterable[machine.Accepted]) -> list[Changed]:
    return [Changed(outcome.live, to_wire(outcome.events[-1])) for outcome in outcomes]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)

"""Agents' live state for call control and the API: a thin adapter over the ACD core's
Redis adapter (``routing.adapters.redis_acd.RedisAcd``: state hashes, fenced claims with
leases, CAS commits, the event stream), adding what call control needs beyond it:

* one ``apply(config, agent, command)`` for every change, turning ``offer`` into a fenced
  claim and ``answer`` / ``ring_end`` into the claim's answer / release;
* a holder heartbeat for answered calls (``sb:cc:holder:<agent>``): the ACD core drops
  the lease once a call is answered, so when the call-control process holding the call
  dies, ``sweep()`` in another process ends the call for the agent (``dialog_lost``)
  once the heartbeat lapses, as it returns offered agents after their lease;
* the extension a self-adapting agent signed in from (``sb:cc:ext:<agent>`` and
  ``sb:cc:ext-owner:<extension>``); a fixed agent's is in its configuration;
* SIP truth (``follow_sip``): the edge reports registrations and direct calls per SIP
  user (``RedisAcd.report_sip``); call control, which knows which extension each agent
  is at, brings the agents in line (registered or not, busy on a direct call or not).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import redis

from callcontrol.acdconfig import AcdConfig
from routing.acd import machine
from routing.acd.events import live_from_wire, live_to_wire, to_wire
from routing.acd.model import AgentLive, CallKind, State
from routing.adapters.redis_acd import Claim, RedisAcd

PREFIX = "sb:cc:"

_BIND = """
local owner = redis.call('GET', KEYS[2])
if owner and owner ~= ARGV[1] then return owner end
local old = redis.call('GET', KEYS[1])
if old and old ~= ARGV[2] then redis.call('DEL', ARGV[3] .. old) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
return 'OK'
"""


def now_ms() -> int:
    return int(time.time() * 1000)


def holder_key(agent: str) -> str:
    return f"{PREFIX}holder:{agent}"


@dataclass(frozen=True)
class Changed:
    live: AgentLive
    event: dict[str, Any]


def live_fields(live: AgentLive) -> dict[str, str]:
    """An ``AgentLive`` in the ACD's hash form (as ``redis_acd`` stores it)."""
    return {k: str(int(v)) if isinstance(v, bool) else str(v) for k, v in asdict(live).items()}


def live_from_fields(fields: dict[Any, Any]) -> AgentLive:
    wire = {_text(k): _text(v) for k, v in fields.items()}
    return live_from_wire(wire | {"registered": wire["registered"] == "1"})


class AgentStates:
    def __init__(self, client: redis.Redis, lease_ms: int) -> None:
        self.redis = client
        self.acd = RedisAcd(client)
        self.lease_ms = lease_ms
        self.claims: dict[str, Claim] = {}  # agent -> the offer this process holds
        self._sip_version = -1  # the edge's report last followed
        self._bind = client.register_script(_BIND)

    # --- configuration ----------------------------------------------------------------

    def configure(self, config: AcdConfig) -> None:
        """Publish groups and agents to the ACD (new agents start in their initial state).
        Whether their extensions are registered comes from the edge (``follow_sip``)."""
        for group in config.groups.values():
            self.acd.configure_group(group)
        for agent_config in config.agents.values():
            self.acd.configure_agent(agent_config)

    def follow_sip(self, config: AcdConfig, force: bool = False) -> list[Changed]:
        """Apply the edge's SIP truth to every agent at an extension: when the edge
        reported something new, or always with ``force`` (an agent moved to another
        extension, or a state was set by hand)."""
        if not force and self.acd.sip_version() == self._sip_version:
            return []
        version, facts = self.acd.sip_facts()
        self._sip_version = version
        changed = self.acd.follow_sip(self.extensions(config), facts, now_ms())
        return [Changed(outcome.live, to_wire(outcome.events[-1])) for outcome in changed]

    def extensions(self, config: AcdConfig) -> dict[str, str]:
        """Every agent's SIP username ("" when it is at none), in one round trip."""
        fixed = {a: c.extension for a, c in config.agents.items() if c.extension}
        others = [a for a in config.agents if a not in fixed]
        bound = self.redis.mget([f"{PREFIX}ext:{a}" for a in others]) if others else []
        return fixed | {a: _text(b or b"") for a, b in zip(others, bound, strict=True)}

    # --- reading ------------------------------------------------------------------------

    def live(self, config: AcdConfig, agent: str) -> AgentLive | None:
        if agent not in config.agents:
            return None
        return self.acd.live(agent)

    def lives(self, config: AcdConfig, agents: Iterable[str]) -> dict[str, AgentLive]:
        ids = [a for a in agents if a in config.agents]
        pipe = self.redis.pipeline(transaction=False)
        for agent in ids:
            pipe.hgetall(self.acd.keys.agent(agent))
        return {
            agent: live_from_fields(fields)
            for agent, fields in zip(ids, pipe.execute(), strict=True)
            if fields
        }

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
            self.redis.set(holder_key(agent), live.call_id, px=self.lease_ms)
        elif live.call_id == "":
            self.redis.delete(holder_key(agent))
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
        """Keep this process's hold on ``agent`` for ``call_id``; False if it was lost."""
        claim = self.claims.get(agent)
        if claim is not None and claim.call_id == call_id:
            return self.acd.renew(claim, now_ms(), self.lease_ms)
        key = holder_key(agent)
        if _text(self.redis.get(key) or b"") != call_id:
            return False
        return bool(self.redis.pexpire(key, self.lease_ms))

    def sweep(self, config: AcdConfig) -> list[Changed]:
        """Return agents whose holder died: offers past their lease, answered calls whose
        holder stopped heart-beating; end the ACWs that are due."""
        changed: list[Changed] = []
        at = now_ms()
        keys = self.acd.keys
        due_offers = self.redis.zrangebyscore(keys.offers, "-inf", at, 0, 100)
        for agent in (_text(a) for a in due_offers):
            live = self.acd.live(agent)
            if live is None or live.state != State.OFFERED:
                self.redis.zrem(keys.offers, agent)
                continue
            outcome = self.acd.apply(
                agent, machine.Command("lease_expired", live.call_id), at, fence="absent"
            )
            changed += _changed(outcome)
        for agent in (_text(a) for a in self.redis.zrangebyscore(keys.acw, "-inf", at, 0, 100)):
            outcome = self.acd.apply(agent, machine.Command("tick"), at)
            changed += _changed(outcome)
            if isinstance(outcome, machine.Refused):
                live = self.acd.live(agent)
                if live is None or live.state != State.ACW:
                    self.redis.zrem(keys.acw, agent)
        lives = self.lives(config, config.agents)
        on_call = [
            a
            for a, live in lives.items()
            if live.state == State.ON_CALL and live.call_kind == CallKind.INBOUND
        ]
        holders = self.redis.mget([holder_key(a) for a in on_call]) if on_call else []
        for agent, holder in zip(on_call, holders, strict=True):
            if holder is None:
                outcome = self.acd.apply(agent, machine.Command("reconcile", live_calls=()), at)
                changed += _changed(outcome)
        return changed

    # --- where a self-adapting agent is ---------------------------------------------------

    def extension(self, config: AcdConfig, agent: str) -> str:
        """The SIP username to ring for ``agent``: fixed in config, else where it signed in."""
        agent_config = config.agents.get(agent)
        if agent_config is None:
            return ""
        if agent_config.extension:
            return agent_config.extension
        return _text(self.redis.get(f"{PREFIX}ext:{agent}") or b"")

    def bind_extension(self, agent: str, extension: str) -> str:
        """Bind ``agent`` to ``extension``; returns "" or the agent already using it."""
        result = _text(
            self._bind(
                keys=[f"{PREFIX}ext:{agent}", f"{PREFIX}ext-owner:{extension}"],
                args=[agent, extension, f"{PREFIX}ext-owner:"],
            )
        )
        return "" if result == "OK" else result

    def unbind_extension(self, agent: str) -> None:
        old = self.redis.getdel(f"{PREFIX}ext:{agent}")
        if old:
            self.redis.delete(f"{PREFIX}ext-owner:{_text(old)}")


def _changed(outcome: machine.Outcome) -> list[Changed]:
    if isinstance(outcome, machine.Accepted):
        return [Changed(outcome.live, to_wire(outcome.events[-1]))]
    return []


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)

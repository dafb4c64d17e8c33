"""Agents' live state in Redis: every change is one compare-and-set with its event.

A thin adapter over the ACD core (``routing.acd.machine`` decides every transition) until
``routing.adapters.redis_acd`` lands; the layout is this module's own (``sb:cc:*``):

* ``sb:cc:agent:<id>``  the agent's ``AgentLive`` as JSON (its ``version`` is the fence);
* ``sb:cc:lease:<id>``  the call holding the agent (offered or on a call), with a TTL
  the holder renews; when its process dies the lease lapses and ``sweep()`` (run by every
  call-control process) returns the agent: ``lease_expired`` / ``dialog_lost``;
* ``sb:cc:events``     the stream of every transition (capped);
* ``sb:cc:ext:<id>`` / ``sb:cc:ext-owner:<extension>``  the extension a self-adapting or
  dynamic agent signed in from, both ways (a fixed agent's is in its configuration).

A claim is the ``offer`` transition itself: the CAS from ``idle`` succeeds for one caller
only, so one agent gets one offer; a lost race reads the new state and the caller tries
the next candidate.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis

from callcontrol.acdconfig import AcdConfig
from routing.acd import machine
from routing.acd.events import live_from_wire, live_to_wire, to_wire
from routing.acd.model import AgentLive, State

PREFIX = "sb:cc:"
STREAM = PREFIX + "events"
STREAM_MAXLEN = 100_000
CAS_TRIES = 5

_CAS = """
local cur = redis.call('GET', KEYS[1])
local ver = 0
if cur then ver = tonumber(cjson.decode(cur)['version']) end
if ver ~= tonumber(ARGV[1]) then return cur or '' end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'event', ARGV[3])
if ARGV[4] == 'set' then redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[6])
elseif ARGV[4] == 'del' then redis.call('DEL', KEYS[3]) end
return 'OK'
"""

_BIND = """
local owner = redis.call('GET', KEYS[2])
if owner and owner ~= ARGV[1] then return owner end
local old = redis.call('GET', KEYS[1])
if old and old ~= ARGV[2] then redis.call('DEL', ARGV[3] .. old) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
return 'OK'
"""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# An offer takes the lease; it is kept while the agent holds the call, dropped after.
_TAKES_LEASE = {"offer"}


def now_ms() -> int:
    return int(time.time() * 1000)


def live_key(agent: str) -> str:
    return f"{PREFIX}agent:{agent}"


def lease_key(agent: str) -> str:
    return f"{PREFIX}lease:{agent}"


@dataclass(frozen=True)
class Changed:
    live: AgentLive
    event: dict[str, Any]


class AgentStates:
    def __init__(self, client: redis.Redis, lease_ms: int) -> None:
        self.redis = client
        self.lease_ms = lease_ms
        self._cas = client.register_script(_CAS)
        self._renew = client.register_script(_RENEW)
        self._bind = client.register_script(_BIND)

    # --- where a non-fixed agent is -------------------------------------------------------

    def extension(self, config: AcdConfig, agent: str) -> str:
        """The SIP username to ring for ``agent``: fixed in config, else where it signed in."""
        agent_config = config.agents.get(agent)
        if agent_config is None:
            return ""
        if agent_config.extension:
            return agent_config.extension
        raw = self.redis.get(f"{PREFIX}ext:{agent}")
        return raw.decode() if isinstance(raw, bytes) else (raw or "")

    def bind_extension(self, agent: str, extension: str) -> str:
        """Bind ``agent`` to ``extension``; returns "" or the agent already using it."""
        result = self._bind(keys=[f"{PREFIX}ext:{agent}", f"{PREFIX}ext-owner:{extension}"],
                            args=[agent, extension, f"{PREFIX}ext-owner:"])
        result = result.decode() if isinstance(result, bytes) else str(result)
        return "" if result == "OK" else result

    def unbind_extension(self, agent: str) -> None:
        old = self.redis.getdel(f"{PREFIX}ext:{agent}")
        if old:
            old_s = old.decode() if isinstance(old, bytes) else old
            self.redis.delete(f"{PREFIX}ext-owner:{old_s}")

    def live(self, config: AcdConfig, agent: str) -> AgentLive | None:
        agent_config = config.agents.get(agent)
        if agent_config is None:
            return None
        raw = self.redis.get(live_key(agent))
        return _decode(raw) if raw else AgentLive.initial(agent_config)

    def lives(self, config: AcdConfig, agents: Iterable[str]) -> dict[str, AgentLive]:
        ids = [a for a in agents if a in config.agents]
        raws = self.redis.mget([live_key(a) for a in ids]) if ids else []
        return {
            a: _decode(raw) if raw else AgentLive.initial(config.agents[a])
            for a, raw in zip(ids, raws, strict=True)
        }

    def apply(
        self, config: AcdConfig, agent: str, command: machine.Command, at_ms: int | None = None
    ) -> Changed | machine.Refused:
        """Run ``command`` through the state machine and store it atomically (CAS)."""
        agent_config = config.agents.get(agent)
        if agent_config is None:
            return machine.Refused("unknown_agent")
        for _ in range(CAS_TRIES):
            live = self.live(config, agent)
            assert live is not None
            outcome = machine.transition(
                agent_config, live, command, at_ms or now_ms(), config.group_of
            )
            if isinstance(outcome, machine.Refused):
                return outcome
            event = to_wire(outcome.events[-1])
            lease_op = (
                "set" if command.kind in _TAKES_LEASE
                else "del" if outcome.live.call_id == ""
                else "keep"
            )
            result = self._cas(
                keys=[live_key(agent), STREAM, lease_key(agent)],
                args=[live.version, json.dumps(live_to_wire(outcome.live)), json.dumps(event),
                      lease_op, command.call_id, self.lease_ms, STREAM_MAXLEN],
            )
            if result in (b"OK", "OK"):
                return Changed(outcome.live, event)
        return machine.Refused("contended")

    def renew(self, agent: str, call_id: str) -> bool:
        """Keep the claim of ``agent`` for ``call_id`` alive; False if it was lost."""
        return bool(self._renew(keys=[lease_key(agent)], args=[call_id, self.lease_ms]))

    def sweep(self, config: AcdConfig) -> list[Changed]:
        """Return agents whose holder died (lease gone) and end ACW that is due."""
        changed: list[Changed] = []
        lives = self.lives(config, config.agents)
        held = [a for a, live in lives.items() if live.state in (State.OFFERED, State.ON_CALL)]
        leases = self.redis.mget([lease_key(a) for a in held]) if held else []
        now = now_ms()
        for agent, lease in zip(held, leases, strict=True):
            if lease is not None:
                continue
            live = lives[agent]
            command = (
                machine.Command("lease_expired", call_id=live.call_id)
                if live.state == State.OFFERED
                else machine.Command("reconcile", live_calls=())
            )
            result = self.apply(config, agent, command, now)
            if isinstance(result, Changed):
                changed.append(result)
        for agent, live in lives.items():
            if live.state == State.ACW and live.acw_until_ms <= now:
                result = self.apply(config, agent, machine.Command("tick"), now)
                if isinstance(result, Changed):
                    changed.append(result)
        return changed

    def ensure_registered(self, config: AcdConfig) -> None:
        """Mark every agent's extension registered.

        Registration is not yet fed from Kamailio's usrloc; until it is, an agent whose
        phone is not registered fails its offer with 480 and the next agent is tried.
        """
        for agent, live in self.lives(config, config.agents).items():
            if not live.registered:
                self.apply(config, agent, machine.Command("registration", registered=True))


def _decode(raw: bytes | str) -> AgentLive:
    return live_from_wire(json.loads(raw))

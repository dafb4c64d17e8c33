"""The ACD's live state in Redis: the cross-process truth, exactly-once claims, the stream.

* Agent state lives in a hash per agent with a version. A change is computed by the pure
  state machine (``routing.acd.machine``) from the state read, then written by
  ``commit.lua`` only if the version is unchanged; a conflict rereads and retries.
* ``claim()`` (``claim.lua``) offers an idle agent one call in one round trip: one call
  gets one agent, one agent one offer, whatever the number of racing processes. The
  claim is a lease with a fencing token: ``answer`` / ``release`` must present it, and
  if the holder dies ``reap()`` (run periodically by every call-control process, through
  ``AgentStates.sweep``) returns the agent after the lease.
* Once answered the claim has no lease; the process holding the call heart-beats
  ``hold()`` instead, and ``reap(agents=...)`` ends the call for an agent whose heartbeat
  lapsed (``dialog_lost``). ``reap()`` also ends ACW at its deadline: the one reaper.
* Every change is appended to one stream; ``bootstrap()`` + ``follow()`` keep a
  process's selector (``routing.acd.build_selector``) current from it. A bootstrap loads
  the current state, not history: round-robin memory restarts at the group's first member.

* SIP truth: the Kamailio edge's rtimer reports registrations and direct calls per SIP
  user (``report_sip``: the facts, an audit stream, a version); call control, which
  knows which extension each agent is at, brings agents in line (``follow_sip``, pure
  decisions in ``routing.acd.sip``) with audited agent events on the main stream.

Key names: ``routing.acd.keys``; scripts: ``routing/acd/lua/``. This module and
``routing.acd.states`` (call control's extension bindings) are the ACD's Redis I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from routing.acd.events import (
    AgentConfigured,
    CallLeft,
    CallQueued,
    GroupConfigured,
    Wire,
    agent_config_from_wire,
    group_config_from_wire,
    live_from_wire,
    live_to_wire,
    to_wire,
)
from routing.acd.keys import Keys
from routing.acd.machine import Accepted, Command, Outcome, Refused, transition
from routing.acd.model import AgentConfig, AgentLive, CallKind, GroupConfig, State, WaitingCall
from routing.acd.selector import Selector
from routing.acd.sip import sip_commands
from routing.sipstate import BUSY, FREE, REGISTERED, UNREGISTERED, SipChange, SipFacts

DEFAULT_LEASE_MS = 5_000
_COMMIT_ATTEMPTS = 8
SIP_EVENTS_MAXLEN = 100_000  # the edge's audit trail is capped (approximately)
_LUA = Path(__file__).resolve().parent / "lua"


# The type of in-call events on the ACD stream (``callcontrol.incall``).
CALL_EVENT = "call"


@dataclass(frozen=True)
class Claim:
    """A successful claim; ``token`` fences every later write about this offer."""

    agent_id: str
    call_id: str
    group: str
    token: int
    version: int

    @property
    def fence(self) -> str:
        return f"{self.call_id}:{self.token}"


class RedisAcd:
    def __init__(self, client: redis.Redis, keys: Keys | None = None) -> None:
        self.client = client
        self.keys = keys or Keys()
        self._claim = client.register_script((_LUA / "claim.lua").read_text())
        self._commit = client.register_script((_LUA / "commit.lua").read_text())
        self._renew = client.register_script((_LUA / "renew.lua").read_text())
        self._create_agent = client.register_script((_LUA / "create_agent.lua").read_text())

    # Configuration: stored, announced on the stream.

    def configure_group(self, group: GroupConfig) -> None:
        wire = json.dumps(to_wire(GroupConfigured(group)))
        pipe = self.client.pipeline()
        pipe.set(self.keys.group(group.name), wire)
        pipe.sadd(self.keys.groups, group.name)
        pipe.xadd(self.keys.events, {"event": wire})
        pipe.execute()

    def configure_agent(self, config: AgentConfig) -> None:
        """Store the configuration; a new agent starts in its initial state."""
        self.configure_agents([config])

    def configure_agents(self, configs: Iterable[AgentConfig], batch: int = 500) -> None:
        """``configure_agent`` for many, ``batch`` per round trip."""
        pipe = self.client.pipeline()
        for n, config in enumerate(configs, start=1):
            agent_id, wire = config.agent_id, json.dumps(to_wire(AgentConfigured(config)))
            pipe.set(self.keys.agent_config(agent_id), wire)
            pipe.delete(self.keys.agent_groups(agent_id))
            if config.memberships:
                pipe.sadd(self.keys.agent_groups(agent_id), *(m.group for m in config.memberships))
            pipe.sadd(self.keys.agents, agent_id)
            initial = _pairs(AgentLive.initial(config))
            self._create_agent(keys=[self.keys.agent(agent_id)], args=initial, client=pipe)
            pipe.xadd(self.keys.events, {"event": wire})
            if n % batch == 0:
                pipe.execute()
        pipe.execute()

    def agent_config(self, agent_id: str) -> AgentConfig | None:
        raw = self.client.get(self.keys.agent_config(agent_id))
        return None if raw is None else agent_config_from_wire(json.loads(raw))

    def group(self, name: str) -> GroupConfig | None:
        raw = self.client.get(self.keys.group(name))
        return None if raw is None else group_config_from_wire(json.loads(raw))

    def live(self, agent_id: str) -> AgentLive | None:
        fields = self.client.hgetall(self.keys.agent(agent_id))
        return _live(fields) if fields else None

    def lives(self, agents: Iterable[str]) -> dict[str, AgentLive]:
        """The live state of each of ``agents`` that exists, in one round trip."""
        ids = list(agents)
        if not ids:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for agent_id in ids:
            pipe.hgetall(self.keys.agent(agent_id))
        return {a: _live(fields) for a, fields in zip(ids, pipe.execute(), strict=True) if fields}

    # Agent state changes.

    def apply(self, agent_id: str, command: Command, now_ms: int, *, fence: str = "") -> Outcome:
        """Run ``command`` through the state machine on the stored state and write it."""
        for _ in range(_COMMIT_ATTEMPTS):
            (outcome,) = self._attempt([(agent_id, command, now_ms)], fence)
            if outcome != Refused("conflict"):
                return outcome
        return Refused("contention")

    def apply_many(self, commands: Sequence[tuple[str, Command, int]]) -> list[Outcome]:
        """``apply`` for many agents (one command each) in two round trips: a shift's
        sign-in, or registrations resynchronised after a restart. A command that met a
        concurrent change is retried alone."""
        if len({agent_id for agent_id, _c, _t in commands}) != len(commands):
            raise ValueError("apply_many takes one command per agent")
        outcomes = self._attempt(commands, fence="")
        return [
            self.apply(*item) if outcome == Refused("conflict") else outcome
            for item, outcome in zip(commands, outcomes, strict=True)
        ]

    def _attempt(self, commands: Sequence[tuple[str, Command, int]], fence: str) -> list[Outcome]:
        """Read, transition, write once; a lost compare-and-set is ``Refused("conflict")``."""
        pipe = self.client.pipeline(transaction=False)
        for agent_id, _command, _now in commands:
            pipe.get(self.keys.agent_config(agent_id))
            pipe.hgetall(self.keys.agent(agent_id))
        read = pipe.execute()
        outcomes: list[Outcome] = []
        writes: list[int] = []  # indexes of the outcomes being written
        for n, (agent_id, command, now_ms) in enumerate(commands):
            raw_config, fields = read[2 * n], read[2 * n + 1]
            if raw_config is None or not fields:
                outcomes.append(Refused("unknown_agent"))
                continue
            live = _live(fields)
            config = agent_config_from_wire(json.loads(raw_config))
            outcome = transition(config, live, command, now_ms, self.group)
            outcomes.append(outcome)
            if isinstance(outcome, Accepted):
                keys, args = self._commit_call(agent_id, live, outcome, fence)
                self._commit(keys=keys, args=args, client=pipe)
                writes.append(n)
        for n, result in zip(writes, pipe.execute(), strict=True):
            if int(result[0]) != 1:
                outcomes[n] = Refused(_text(result[1]))
        return outcomes

    def _commit_call(
        self, agent_id: str, old: AgentLive, outcome: Accepted, fence: str
    ) -> tuple[list[str], list[str | int]]:
        """The keys and arguments of commit.lua for one accepted transition."""
        new, keys = outcome.live, self.keys
        action, call_id = _claim_change(old, new)
        pairs = _pairs(new)
        script_keys = [
            keys.agent(agent_id), keys.events, keys.offers, keys.acw,
            keys.lease(agent_id), keys.call_claim(call_id),
        ]  # fmt: skip
        args: list[str | int] = [
            agent_id, old.version, json.dumps(to_wire(outcome.events[0])), action, fence,
            new.acw_until_ms if new.state == State.ACW else "", str(new.state), *pairs,
        ]  # fmt: skip
        return script_keys, args

    # Claims.

    def claim(
        self,
        agent_id: str,
        call_id: str,
        group: str,
        now_ms: int,
        *,
        lease_ms: int = DEFAULT_LEASE_MS,
        exclusive: bool = True,
    ) -> Claim | Refused:
        """Offer ``agent_id`` the call: ``exclusive=False`` for ring all's parallel offers."""
        keys = self.keys
        result = self._claim(
            keys=[
                keys.agent(agent_id),
                keys.agent_groups(agent_id),
                keys.call_claim(call_id),
                keys.lease(agent_id),
                keys.offers,
                keys.events,
                keys.fence,
            ],
            args=[agent_id, call_id, group, now_ms, lease_ms, "1" if exclusive else "0"],
        )
        if int(result[0]) != 1:
            return Refused(_text(result[1]))
        return Claim(agent_id, call_id, group, int(result[1]), int(result[2]))

    def renew(self, claim: Claim, now_ms: int, lease_ms: int = DEFAULT_LEASE_MS) -> bool:
        keys = self.keys
        renewed = self._renew(
            keys=[keys.lease(claim.agent_id), keys.call_claim(claim.call_id), keys.offers],
            args=[claim.fence, claim.agent_id, lease_ms, now_ms + lease_ms],
        )
        return bool(renewed)

    def answer(self, claim: Claim, now_ms: int) -> Outcome:
        return self.apply(
            claim.agent_id, Command("answer", claim.call_id), now_ms, fence=claim.fence
        )

    def release(self, claim: Claim, now_ms: int, reason: str = "no_answer") -> Outcome:
        command = Command("ring_end", claim.call_id, reason=reason)
        return self.apply(claim.agent_id, command, now_ms, fence=claim.fence)

    # Answered calls: the holder's heartbeat.

    def hold(self, agent_id: str, call_id: str, lease_ms: int = DEFAULT_LEASE_MS) -> None:
        """Start (or refresh) the heartbeat of the process holding ``agent_id``'s answered
        call ``call_id``; ``reap(agents=...)`` ends the call once it lapses."""
        self.client.set(self.keys.holder(agent_id), call_id, px=lease_ms)

    def renew_hold(self, agent_id: str, call_id: str, lease_ms: int = DEFAULT_LEASE_MS) -> bool:
        """Keep the heartbeat for ``call_id``; False if it lapsed or is another call's."""
        key = self.keys.holder(agent_id)
        if _text(self.client.get(key) or b"") != call_id:
            return False
        return bool(self.client.pexpire(key, lease_ms))

    def drop_hold(self, agent_id: str) -> None:
        self.client.delete(self.keys.holder(agent_id))

    # The reaper.

    def reap(self, now_ms: int, batch: int = 100, *, agents: Iterable[str] = ()) -> list[Accepted]:
        """Return agents whose offer's lease expired; end ACWs that are due; end the
        answered inbound calls of ``agents`` (those whose calls are held by a heartbeat,
        ``hold()``) whose heartbeat lapsed. Returns what changed (each with its event, for
        wallboards and activity history)."""
        changed = []
        for raw in self.client.zrangebyscore(self.keys.offers, "-inf", now_ms, 0, batch):
            agent_id = _text(raw)
            live = self.live(agent_id)
            if live is None or live.state != State.OFFERED:
                self.client.zrem(self.keys.offers, agent_id)
                continue
            expired = Command("lease_expired", live.call_id)
            outcome = self.apply(agent_id, expired, now_ms, fence="absent")
            if isinstance(outcome, Accepted):
                changed.append(outcome)
        for raw in self.client.zrangebyscore(self.keys.acw, "-inf", now_ms, 0, batch):
            agent_id = _text(raw)
            outcome = self.apply(agent_id, Command("tick"), now_ms)
            if isinstance(outcome, Accepted):
                changed.append(outcome)
            else:
                live = self.live(agent_id)
                if live is None or live.state != State.ACW:
                    self.client.zrem(self.keys.acw, agent_id)
        for agent_id in self.lapsed_holders(agents):
            outcome = self.apply(agent_id, Command("reconcile", live_calls=()), now_ms)
            if isinstance(outcome, Accepted):
                changed.append(outcome)
        return changed

    def lapsed_holders(self, agents: Iterable[str]) -> list[str]:
        """Those of ``agents`` on an answered inbound call without a holder's heartbeat."""
        on_call = [
            agent_id
            for agent_id, live in self.lives(agents).items()
            if live.state == State.ON_CALL and live.call_kind == CallKind.INBOUND
        ]
        if not on_call:
            return []
        beats = self.client.mget([self.keys.holder(a) for a in on_call])
        return [a for a, beat in zip(on_call, beats, strict=True) if beat is None]

    # SIP truth from the edge (registrations, direct calls).

    def report_sip(
        self, changes: Sequence[SipChange], now_ms: int, *, full: SipFacts | None = None
    ) -> int:
        """Record the edge's changes: the facts (``full`` replaces them all, as after an
        edge restart), one audited entry per change on the SIP stream, and a new version.
        Returns the version."""
        keys, pipe = self.keys, self.client.pipeline()
        if full is not None:
            pipe.delete(keys.sip_registered, keys.sip_busy, keys.sip_contact_ip)
            if full.registered:
                pipe.sadd(keys.sip_registered, *sorted(full.registered))
            ips: dict[Any, Any] = {u: ip for u, ip in full.contact_ips.items() if ip}
            if ips:
                pipe.hset(keys.sip_contact_ip, mapping=ips)
            if full.busy:
                busy: dict[Any, Any] = dict(full.busy)  # redis-py's Mapping is invariant
                pipe.hset(keys.sip_busy, mapping=busy)
        for change in changes:
            if full is None:
                if change.change == REGISTERED:
                    pipe.sadd(keys.sip_registered, change.user)
                    if change.ip:
                        pipe.hset(keys.sip_contact_ip, change.user, change.ip)
                    else:  # registered from an unknown address: no stale one stays
                        pipe.hdel(keys.sip_contact_ip, change.user)
                elif change.change == UNREGISTERED:
                    pipe.srem(keys.sip_registered, change.user)
                    pipe.hdel(keys.sip_contact_ip, change.user)
                elif change.change == BUSY:
                    pipe.hset(keys.sip_busy, change.user, change.call_id)
                elif change.change == FREE:
                    pipe.hdel(keys.sip_busy, change.user)
            entry = {"user": change.user, "change": change.change, "reason": change.reason,
                     "call_id": change.call_id, "at_ms": now_ms}  # fmt: skip
            if change.ip:
                entry["ip"] = change.ip
            pipe.xadd(
                keys.sip_events,
                {"event": json.dumps(entry)},
                maxlen=SIP_EVENTS_MAXLEN,
                approximate=True,
            )
        pipe.incr(keys.sip_version)
        return int(pipe.execute()[-1])

    def sip_version(self) -> int:
        return int(self.client.get(self.keys.sip_version) or 0)

    def sip_facts(self) -> tuple[int, SipFacts]:
        """The version and the facts the edge last reported, in one round trip."""
        pipe = self.client.pipeline()
        pipe.get(self.keys.sip_version)
        pipe.smembers(self.keys.sip_registered)
        pipe.hgetall(self.keys.sip_busy)
        version, registered, busy = pipe.execute()
        facts = SipFacts(
            frozenset(_text(u) for u in registered),
            {_text(u): _text(c) for u, c in busy.items()},
        )
        return int(version or 0), facts

    def users_registered_from(self, ip: str) -> list[str]:
        """The SIP users currently registered whose latest REGISTER came from ``ip``,
        sorted: e.g. the softphone on the same machine as an agent's browser."""
        pipe = self.client.pipeline()
        pipe.hgetall(self.keys.sip_contact_ip)
        pipe.smembers(self.keys.sip_registered)
        by_user, registered = pipe.execute()
        current = {_text(u) for u in registered}
        return sorted(
            user
            for user, at in ((_text(u), _text(a)) for u, a in by_user.items())
            if at == ip and user in current
        )

    def extension_owner_way(self, user: str) -> tuple[str, str]:
        """The agent bound (by call control) to SIP user ``user`` and its working way in
        effect (the live hash's ``way``), or ("", "") for an extension nobody signed in at."""
        raw = self.client.get(self.keys.extension_owner(user))
        if not raw:
            return "", ""
        agent = _text(raw)
        return agent, self.agent_way(agent)

    def agent_way(self, agent_id: str) -> str:
        """The agent's working way in effect (its live hash's ``way``), "" if unknown."""
        way = self.client.hget(self.keys.agent(agent_id), "way")
        return _text(way) if way is not None else ""

    def follow_sip(
        self, extensions: dict[str, str], facts: SipFacts, now_ms: int
    ) -> list[Accepted]:
        """Bring agents (agent id -> SIP user of its extension, "" for none) in line with
        ``facts``: registration, a direct call's start and end (``routing.acd.sip``). Every
        correction is an audited agent event on the stream. Returns what changed."""
        ids = list(extensions)
        pipe = self.client.pipeline(transaction=False)
        for agent_id in ids:
            pipe.hgetall(self.keys.agent(agent_id))
        changed: list[Accepted] = []
        for agent_id, fields in zip(ids, pipe.execute(), strict=True):
            if not fields:
                continue
            user = extensions[agent_id]
            registered = bool(user) and user in facts.registered
            direct_call = facts.busy.get(user, "") if user else ""
            for command in sip_commands(_live(fields), registered, direct_call):
                outcome = self.apply(agent_id, command, now_ms)
                if isinstance(outcome, Accepted):
                    changed.append(outcome)
        return changed

    # Waiting calls.

    def enqueue_call(self, call: WaitingCall) -> None:
        wire = json.dumps(to_wire(CallQueued(call)))
        pipe = self.client.pipeline()
        pipe.set(self.keys.call(call.call_id), wire)
        pipe.sadd(self.keys.calls, call.call_id)
        pipe.xadd(self.keys.events, {"event": wire})
        pipe.execute()

    def remove_call(self, call_id: str, reason: str, now_ms: int) -> None:
        wire = json.dumps(to_wire(CallLeft(call_id, reason, now_ms)))
        pipe = self.client.pipeline()
        pipe.delete(self.keys.call(call_id))
        pipe.srem(self.keys.calls, call_id)
        pipe.xadd(self.keys.events, {"event": wire})
        pipe.execute()

    # Keeping a selector current.

    def bootstrap(self, selector: Selector) -> str:
        """Load the current state into ``selector``; returns the stream id to follow from
        (taken first: events after it may repeat what the state shows, harmlessly)."""
        newest = self.client.xrevrange(self.keys.events, count=1)
        last_id = _text(newest[0][0]) if newest else "0-0"
        for event in self._state_events():
            selector.apply(event)
        return last_id

    def follow(self, selector: Selector, last_id: str, block_ms: int | None = None) -> str:
        """Apply the events after ``last_id``; returns the new last id."""
        answer: Any = self.client.xread({self.keys.events: last_id}, count=1000, block=block_ms)
        for _stream, entries in answer or ():
            for entry_id, fields in entries:
                event = json.loads(fields.get(b"event") or fields["event"])
                if event.get("type") != CALL_EVENT:  # in-call events are for panels, reports
                    selector.apply(event)
                last_id = _text(entry_id)
        return last_id

    def call_event(self, event: dict[str, Any]) -> None:
        """An in-call change (party joined or left, held, transferred) on the stream:
        ``{"type": "call", "call", "event", ...}``; selectors skip them."""
        self.client.xadd(self.keys.events, {"event": json.dumps({**event, "type": CALL_EVENT})})

    def _state_events(self) -> list[Wire]:
        r, keys = self.client, self.keys
        groups = [_text(g) for g in r.smembers(keys.groups)]
        agents = [_text(a) for a in r.smembers(keys.agents)]
        calls = [_text(c) for c in r.smembers(keys.calls)]
        pipe = r.pipeline(transaction=False)
        for agent_id in agents:
            pipe.hgetall(keys.agent(agent_id))
        lives = pipe.execute()
        configs = r.mget([keys.group(g) for g in groups] + [keys.agent_config(a) for a in agents])
        waiting = r.mget([keys.call(c) for c in calls]) if calls else []
        events: list[Wire] = [json.loads(raw) for raw in configs + waiting if raw is not None]
        for agent_id, fields in zip(agents, lives, strict=True):
            if fields:
                live = _live(fields)
                events.append(
                    {
                        "type": "agent_state",
                        "agent": agent_id,
                        "version": live.version,
                        "from": str(live.state),
                        "to": str(live.state),
                        "reason": "snapshot",
                        "call_id": live.call_id,
                        "at_ms": 0,
                        "live": live_to_wire(live),
                    }
                )
        return events


def _claim_change(old: AgentLive, new: AgentLive) -> tuple[str, str]:
    """What happens to the call claim: taken on answer, dropped when the call is left."""
    in_call = (State.OFFERED, State.ON_CALL)
    if old.state not in in_call or not old.call_id:
        return "", ""
    if old.state == State.OFFERED and new.state == State.ON_CALL and new.call_id == old.call_id:
        return "take", old.call_id
    if new.state in in_call and new.call_id == old.call_id:
        return "", ""
    return "drop", old.call_id


def live_fields(live: AgentLive) -> dict[str, str]:
    """An ``AgentLive`` in the hash form the ACD stores (strings, ``registered`` "1"/"0")."""
    pairs = _pairs(live)
    return dict(zip(pairs[::2], pairs[1::2], strict=True))


def live_from_fields(fields: dict[Any, Any]) -> AgentLive:
    """The stored hash form (bytes or strings) as an ``AgentLive``."""
    return _live(fields)


def _pairs(live: AgentLive) -> list[str]:
    """The hash form as field, value, ...: strings, ``registered`` as ``"1"`` / ``"0"``."""
    # vars(), not asdict(): the fields are flat, and asdict's deep copy is slow.
    return [
        x
        for k, v in vars(live).items()
        for x in (k, str(int(v)) if isinstance(v, bool) else str(v))
    ]


def _live(fields: dict[Any, Any]) -> AgentLive:
    wire: dict[str, Any] = {_text(k): _text(v) for k, v in fields.items()}
    return live_from_wire(wire | {"registered": wire["registered"] == "1"})


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)

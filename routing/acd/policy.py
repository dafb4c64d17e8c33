"""Who may take a call, and in which order the group's strategy offers them. Pure functions.

An agent is excluded for the first of these reasons, checked in this order (the
``explain`` answers and the native index report the same one):

1. ``not_member`` of the call's group;
2. its state when not idle: ``signed_out``, ``offered``, ``on_call``, ``acw``, ``paused``
   (detail: the pause reason) -- an agent in several groups holds one offer at a time;
3. ``unregistered`` (SIP truth); 4. ``dial_out_only`` (working way);
5. skills, required by the group and the call (the higher level wins), by skill name:
   ``missing_skill`` (detail ``"spanish"``) or ``skill_too_low`` (``"spanish 2<3"``);
6. ``penalty_too_high`` (``"3>1"``): the member's penalty is above what the call's wait
   allows so far (``GroupConfig.allowed_penalty``).

Eligible agents are ordered, ties always broken by agent id:

* ``longest_idle`` and ``ring_all`` (which offers to all of them): idle since, oldest first;
* ``fewest_calls`` / ``least_talk_time``: answered queue calls / talk time, then idle since;
* ``linear``: membership position; ``round_robin``: the same cycle, starting after the
  member last offered a call of this group;
* ``random``: the id-sorted list rotated to start at ``rng() % n``;
* ``weighted_random``: drawn one by one, each with probability weight / remaining weight
  (``rng() % total`` over cumulative weights in id order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from routing.acd.model import (
    AgentConfig,
    AgentLive,
    GroupConfig,
    Membership,
    State,
    Strategy,
    WaitingCall,
)
from routing.acd.rng import SplitMix64

Exclusion = tuple[str, str]  # (reason, detail)
Candidate = tuple[str, AgentLive, Membership]  # (agent id, live, membership)


def required_skills(group: GroupConfig, call: WaitingCall) -> list[tuple[str, int]]:
    merged = dict(group.skills)
    for skill, level in call.skills.items():
        merged[skill] = max(level, merged.get(skill, level))
    return sorted(merged.items())


def exclusion(
    config: AgentConfig | None,
    live: AgentLive,
    membership: Membership | None,
    required: Sequence[tuple[str, int]],
    allowed_penalty: int,
) -> Exclusion | None:
    """Why this agent may not take the call, or None if it may."""
    if config is None or membership is None:
        return ("not_member", "")
    if live.state != State.IDLE:
        return (str(live.state), live.pause_reason if live.state == State.PAUSED else "")
    if not live.registered:
        return ("unregistered", "")
    if not live.way.takes_queue_calls:
        return ("dial_out_only", "")
    for skill, need in required:
        have = config.skills.get(skill)
        if have is None:
            return ("missing_skill", skill)
        if have < need:
            return ("skill_too_low", f"{skill} {have}<{need}")
    if membership.penalty > allowed_penalty:
        return ("penalty_too_high", f"{membership.penalty}>{allowed_penalty}")
    return None


def order(
    strategy: Strategy,
    eligible: list[Candidate],
    round_robin_last: tuple[int, str] | None,
    seed: int,
    limit: int,
) -> list[str]:
    """The eligible agents' ids in the order the strategy offers them, at most ``limit``."""
    if limit <= 0 or not eligible:
        return []
    by_id = sorted(eligible, key=lambda c: c[0])
    if strategy == Strategy.RANDOM:
        start = SplitMix64(seed).next() % len(by_id)
        return [c[0] for c in (by_id[start:] + by_id[:start])][:limit]
    if strategy == Strategy.WEIGHTED_RANDOM:
        return _weighted(by_id, SplitMix64(seed), limit)
    if strategy == Strategy.ROUND_ROBIN:
        cycle = sorted(by_id, key=lambda c: (c[2].position, c[0]))
        last = round_robin_last
        after = [c for c in cycle if last is None or (c[2].position, c[0]) > last]
        before = [c for c in cycle if last is not None and (c[2].position, c[0]) <= last]
        return [c[0] for c in after + before][:limit]
    return [c[0] for c in sorted(by_id, key=_SORT_KEYS[strategy])][:limit]


def _weighted(by_id: list[Candidate], rng: SplitMix64, limit: int) -> list[str]:
    remaining = list(by_id)
    total = sum(c[2].weight for c in remaining)
    chosen: list[str] = []
    while remaining and len(chosen) < limit:
        target = rng.next() % total
        for i, candidate in enumerate(remaining):
            if target < candidate[2].weight:
                chosen.append(candidate[0])
                total -= candidate[2].weight
                del remaining[i]
                break
            target -= candidate[2].weight
    return chosen


_SORT_KEYS: dict[Strategy, Callable[[Candidate], tuple[int, int, str]]] = {
    Strategy.RING_ALL: lambda c: (c[1].idle_since_ms, 0, c[0]),
    Strategy.LONGEST_IDLE: lambda c: (c[1].idle_since_ms, 0, c[0]),
    Strategy.FEWEST_CALLS: lambda c: (c[1].calls, c[1].idle_since_ms, c[0]),
    Strategy.LEAST_TALK_TIME: lambda c: (c[1].talk_ms, c[1].idle_since_ms, c[0]),
    Strategy.LINEAR: lambda c: (c[2].position, 0, c[0]),
}

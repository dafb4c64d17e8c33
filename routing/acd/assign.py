"""Select, then claim: what call control does for a waiting call.

Selection is an in-memory answer from this process's index, which may be a few events
behind; the claim (one atomic Redis round trip) is the truth. A candidate lost to a
racing process is not an error: the next candidate is tried. The claimer is injected
(``routing.acd.redis_store.RedisAcd`` in production), so this stays pure.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from routing.acd.machine import Refused
from routing.acd.selector import Selector

ClaimT = TypeVar("ClaimT")
ClaimT_co = TypeVar("ClaimT_co", covariant=True)


class Claimer(Protocol[ClaimT_co]):
    def claim(
        self, agent_id: str, call_id: str, group: str, now_ms: int, *, exclusive: bool = True
    ) -> ClaimT_co | Refused: ...


def assign(
    selector: Selector,
    claimer: Claimer[ClaimT],
    call_id: str,
    group: str,
    now_ms: int,
    seed: int = 0,
    candidates: int = 5,
) -> ClaimT | Refused:
    """Claim the best available agent for the call, or say why none was claimed:
    ``no_eligible_agent``, ``call_taken`` (another process serves it) or
    ``candidates_taken`` (every candidate lost a race: ask again)."""
    ranked = selector.select(call_id, now_ms, seed, candidates)
    if not ranked:
        return Refused("no_eligible_agent")
    for agent_id in ranked:
        outcome = claimer.claim(agent_id, call_id, group, now_ms)
        if not isinstance(outcome, Refused):
            return outcome
        if outcome.code == "call_taken":
            return outcome
    return Refused("candidates_taken")


def offer_to_all(
    selector: Selector,
    claimer: Claimer[ClaimT],
    call_id: str,
    group: str,
    now_ms: int,
    limit: int = 100,
) -> list[ClaimT]:
    """Ring all: claim every eligible agent for the call, non-exclusively. The first to
    answer takes the call (the answer's commit takes the call claim); the others are
    released by the caller."""
    claims = []
    for agent_id in selector.select(call_id, now_ms, 0, limit):
        outcome = claimer.claim(agent_id, call_id, group, now_ms, exclusive=False)
        if not isinstance(outcome, Refused):
            claims.append(outcome)
    return claims

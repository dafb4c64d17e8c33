"""Where a DID's or a ring group's call goes when its destination does not answer, is
busy or has nobody registered: the stored ``failover`` of each, by object.

Kept in Python next to the native directory (which knows nothing of failovers): a worker
asks it only when a destination failed, never on the call's first step. Read from the SQL
store with the rest of the routing snapshot (``routing.adapters.snapshot``).

A failover is ``(kind, ref)`` as the store keeps it (``store.models.telephony``): kind
``extension`` / ``ring_group`` / ``agent_group`` / ``external`` / ``hangup``, ref the
extension or ring-group number, the agent group's name, the E.164 number, or "".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

Target = tuple[str, str]  # (kind, ref)
HANGUP: Target = ("hangup", "")


def _frozen() -> Mapping[str, Target]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Failovers:
    """Failovers by DID number (E.164, "+<digits>") and by ring group ("<team>/<number>").
    Objects without one (or with ``hangup``, the store's default) answer ``HANGUP``."""

    dids: Mapping[str, Target] = field(default_factory=_frozen)
    ring_groups: Mapping[str, Target] = field(default_factory=_frozen)

    @classmethod
    def of(
        cls, dids: Mapping[str, Target], ring_groups: Mapping[tuple[str, str], Target]
    ) -> Failovers:
        return cls(
            MappingProxyType({n: t for n, t in dids.items() if t != HANGUP}),
            MappingProxyType(
                {f"{team}/{number}": t for (team, number), t in ring_groups.items() if t != HANGUP}
            ),
        )

    def of_did(self, number: str) -> Target:
        return self.dids.get(number, HANGUP)

    def of_ring_group(self, team: str, number: str) -> Target:
        return self.ring_groups.get(f"{team}/{number}", HANGUP)


NO_FAILOVERS = Failovers()

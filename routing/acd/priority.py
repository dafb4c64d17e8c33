"""A queue call's priority, from the DID it came in on and the caller's number. Pure.

An admin gives a DID a priority (the hotline number of premium customers) and lists
callers (a number, or its start) with a priority. The call waits with the higher of the
two; among the team's caller entries the most specific one (the longest prefix of the
caller's number) applies. A caller of the team's own phones is matched by extension
number (the SIP user without its ``<team>-`` prefix). The ACD serves higher priorities
first, then the longest waiting (``WaitingCall.sort_key``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CallPriorities:
    dids: dict[str, int] = field(default_factory=dict)  # DID number -> priority
    # team -> (prefix, priority), longest prefix first
    callers: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)

    @classmethod
    def of_rows(cls, dids: dict[str, int], callers: list[tuple[str, str, int]]) -> CallPriorities:
        """``callers``: (team, prefix, priority) rows in any order."""
        by_team: dict[str, list[tuple[str, int]]] = {}
        for team, prefix, priority in callers:
            by_team.setdefault(team, []).append((prefix, priority))
        ordered = {
            team: tuple(sorted(rows, key=lambda r: (-len(r[0]), r[0])))
            for team, rows in by_team.items()
        }
        return cls({d: p for d, p in dids.items() if p}, ordered)

    def caller_priority(self, team: str, caller: str) -> int:
        number = caller.removeprefix(f"{team}-")
        for prefix, priority in self.callers.get(team, ()):
            if number.startswith(prefix):
                return priority
        return 0

    def priority(self, team: str, dialed: str, caller: str) -> int:
        return max(self.dids.get(dialed, 0), self.caller_priority(team, caller))

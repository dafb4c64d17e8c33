"""Lookups over a routing ``Snapshot``: the per-call questions a worker asks.

Two implementations share one interface: the native ``routing._native.Directory``
(Rust, built by maturin) and ``PyDirectory`` below, the reference. ``build()``
returns the native one when it is built, so the proxy path runs in Rust while
everything here stays importable without a compiler.

Dialed strings are classified the same way by both:

* ``1``-``6`` digits: a short number inside the caller's team -> the team's
  dial plan (``extension`` / ``agent_group`` / ``ring_group``) or ``not_found``;
* ``*`` followed by 1-4 digits: a feature code -> ``("feature", "*64")``;
* ``+`` and 7-15 digits, or 7-15 digits: an external number, returned
  normalised to ``+<digits>`` -> ``("external", "+15550101")``;
* anything else (letters, ``demo-5002``, empty) -> ``("invalid", "")``.

Beyond dialing: ``outbound(owner)`` is the trunk route of an extension's SIP username
(its user group's) or of a team slug (the team's default) -> ``(key, policy, trunks)``;
``ring_group(team, number)`` -> ``(strategy, ring timeout s, member SIP usernames)``;
``fixed_agent(username)`` -> ``(agent id, working way)`` of the agent fixed to it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Protocol

from routing.model import Snapshot

Account = tuple[str, str, str]  # (team, number, ha1)
Destination = tuple[str, str, str]  # (team, kind, target)
# (name, host, port, caller id, strip digits, add prefix, max calls)
TrunkRow = tuple[str, str, int, str, int, str, int]
Outbound = tuple[str, str, list[TrunkRow]]  # (key, policy, trunks in order)
RingGroupRow = tuple[str, int, list[str]]  # (strategy, ring timeout s, members)


class Directory(Protocol):
    @property
    def version(self) -> int: ...

    def account(self, username: str) -> Account | None: ...

    def dial(self, team: str, dialed: str) -> tuple[str, str]: ...

    def did(self, number: str) -> Destination | None: ...

    def trunk_by_address(self, address: str) -> tuple[str, str] | None: ...

    def outbound(self, owner: str) -> Outbound | None: ...

    def ring_group(self, team: str, number: str) -> RingGroupRow | None: ...

    def fixed_agent(self, username: str) -> tuple[str, str] | None: ...


def normalize_e164(number: str) -> str | None:
    """``+15550101`` or ``15550101`` -> ``+15550101``; anything else -> None."""
    digits = number.removeprefix("+")
    if 7 <= len(digits) <= 15 and digits.isascii() and digits.isdigit():
        return "+" + digits
    return None


class PyDirectory:
    """Reference implementation of ``Directory`` in plain Python."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._version = snapshot.version
        self._accounts = {a.username: (a.team, a.number, a.ha1) for a in snapshot.accounts}
        self._dial = {(t.team, t.number): (t.kind, t.target) for t in snapshot.dial_targets}
        self._dids = {d.number: (d.team, d.kind, d.target) for d in snapshot.dids}
        self._trunks = {t.address: (t.team, t.name) for t in snapshot.trunks}
        self._outbound = {
            r.owner: (r.key, r.policy, tuple(t.row() for t in r.trunks)) for r in snapshot.outbound
        }
        self._ring_groups = {
            (g.team, g.number): (g.strategy, g.ring_timeout_s, g.members)
            for g in snapshot.ring_groups
        }
        self._fixed_agents = {
            a.username: (a.agent_id, a.working_way) for a in snapshot.fixed_agents
        }

    @property
    def version(self) -> int:
        return self._version

    def account(self, username: str) -> Account | None:
        return self._accounts.get(username)

    def dial(self, team: str, dialed: str) -> tuple[str, str]:
        if not dialed.isascii():
            return ("invalid", "")
        if dialed.isdigit() and 1 <= len(dialed) <= 6:
            return self._dial.get((team, dialed), ("not_found", ""))
        if dialed.startswith("*") and 2 <= len(dialed) <= 5 and dialed[1:].isdigit():
            return ("feature", dialed)
        external = normalize_e164(dialed)
        if external is not None:
            return ("external", external)
        return ("invalid", "")

    def did(self, number: str) -> Destination | None:
        normalized = normalize_e164(number)
        return None if normalized is None else self._dids.get(normalized)

    def trunk_by_address(self, address: str) -> tuple[str, str] | None:
        return self._trunks.get(address)

    # Fresh lists per answer, as the native twin returns: callers may not share them.
    def outbound(self, owner: str) -> Outbound | None:
        route = self._outbound.get(owner)
        return None if route is None else (route[0], route[1], list(route[2]))

    def ring_group(self, team: str, number: str) -> RingGroupRow | None:
        group = self._ring_groups.get((team, number))
        return None if group is None else (group[0], group[1], list(group[2]))

    def fixed_agent(self, username: str) -> tuple[str, str] | None:
        return self._fixed_agents.get(username)


def build(snapshot: Snapshot, *, prefer_native: bool = True) -> Directory:
    """The native directory when the extension is built, else the reference."""
    if prefer_native:
        native = native_module()
        if native is not None:
            directory: Directory = native.Directory(
                snapshot.version,
                [(a.team, a.number, a.ha1) for a in snapshot.accounts],
                [(t.team, t.number, t.kind, t.target) for t in snapshot.dial_targets],
                [(d.number, d.team, d.kind, d.target) for d in snapshot.dids],
                [(t.address, t.team, t.name) for t in snapshot.trunks],
                [
                    (r.owner, r.key, r.policy, [t.row() for t in r.trunks])
                    for r in snapshot.outbound
                ],
                [
                    (g.team, g.number, g.strategy, g.ring_timeout_s, list(g.members))
                    for g in snapshot.ring_groups
                ],
                [(a.username, a.agent_id, a.working_way) for a in snapshot.fixed_agents],
            )
            return directory
    return PyDirectory(snapshot)


def native_module() -> ModuleType | None:
    """``routing._native`` if maturin built it, else None."""
    try:
        from routing import _native
    except ImportError:
        return None
    return _native

"""Stub for the compiled ``routing._native`` (built from native/src/py.rs).

Hand-written and checked against the built module by
``python -m mypy.stubtest routing._native``. Behaviour is exactly that of
``routing.directory.PyDirectory`` and ``routing.directory.normalize_e164``; only
the constructor differs, taking plain rows instead of a ``Snapshot``.
"""

from typing import Any, Self, final

__all__ = ["AcdIndex", "Directory", "normalize_e164"]

@final
class Directory:
    """Lookups over one routing snapshot; see ``routing.directory``."""

    def __new__(
        cls,
        version: int,
        accounts: list[tuple[str, str, str]],  # (team, number, ha1)
        dial_targets: list[tuple[str, str, str, str]],  # (team, number, kind, target)
        dids: list[tuple[str, str, str, str]],  # (number, team, kind, target)
        trunks: list[tuple[str, str, str]],  # (address, team, name)
        # (owner, key, policy,
        #  [(name, host, port, caller id, strip digits, add prefix, max calls)])
        outbound: list[tuple[str, str, str, list[tuple[str, str, int, str, int, str, int]]]] = ...,
        # (team, number, strategy, ring timeout s, member SIP usernames)
        ring_groups: list[tuple[str, str, str, int, list[str]]] = ...,
        fixed_agents: list[tuple[str, str, str]] = ...,  # (username, agent id, working way)
    ) -> Self: ...
    @property
    def version(self) -> int: ...
    def account(self, username: str) -> tuple[str, str, str] | None: ...
    def dial(self, team: str, dialed: str) -> tuple[str, str]: ...
    def did(self, number: str) -> tuple[str, str, str] | None: ...
    def trunk_by_address(self, address: str) -> tuple[str, str] | None: ...
    def outbound(
        self, owner: str
    ) -> tuple[str, str, list[tuple[str, str, int, str, int, str, int]]] | None: ...
    def ring_group(self, team: str, number: str) -> tuple[str, int, list[str]] | None: ...
    def fixed_agent(self, username: str) -> tuple[str, str] | None: ...

def normalize_e164(number: str) -> str | None: ...

# The ACD index (native/src/py/acd.rs): the twin of ``routing.acd.selector.PySelector``.
# Events, commands and answers are the dicts of ``routing.acd.events`` /
# ``routing.acd.machine.Command.to_wire``; ``routing.acd.NativeSelector`` wraps it.

@final
class AcdIndex:
    """Per-process index of agents, groups and waiting calls, kept current by ``apply``."""

    def __new__(cls) -> Self: ...
    def apply(self, event: dict[str, Any]) -> None: ...
    def transition(
        self, agent_id: str, command: dict[str, Any], now_ms: int
    ) -> str | list[dict[str, Any]]: ...  # a refusal code, or the events
    def select(self, call_id: str, now_ms: int, seed: int = 0, limit: int = 1) -> list[str]: ...
    def next_call(self, agent_id: str, now_ms: int) -> str | None: ...
    def explain_call(self, call_id: str, now_ms: int) -> dict[str, Any]: ...
    def explain_agent(
        self, call_id: str, agent_id: str, now_ms: int, seed: int = 0
    ) -> dict[str, Any]: ...
    def live(self, agent_id: str) -> dict[str, Any] | None: ...
    def waiting(self, group: str) -> list[str]: ...
    def __len__(self) -> int: ...

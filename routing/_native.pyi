"""Stub for the compiled ``routing._native`` (built from native/src/py.rs).

Hand-written and checked against the built module by
``python -m mypy.stubtest routing._native``. Behaviour is exactly that of
``routing.directory.PyDirectory`` and ``routing.directory.normalize_e164``; only
the constructor differs, taking plain rows instead of a ``Snapshot``.
"""

from typing import Self, final

__all__ = ["Directory", "normalize_e164"]

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
    ) -> Self: ...
    @property
    def version(self) -> int: ...
    def account(self, username: str) -> tuple[str, str, str] | None: ...
    def dial(self, team: str, dialed: str) -> tuple[str, str]: ...
    def did(self, number: str) -> tuple[str, str, str] | None: ...
    def trunk_by_address(self, address: str) -> tuple[str, str] | None: ...

def normalize_e164(number: str) -> str | None: ...

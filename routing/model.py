"""The routing data a Kamailio worker needs, as plain immutable values.

A ``Snapshot`` is read from the SQL store (``routing.adapters.snapshot``) and
turned into a ``Directory`` (``routing.directory``) for fast lookups.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SipAccount:
    """A SIP extension's credentials; its SIP username is ``<team>-<number>``."""

    team: str
    number: str
    ha1: str  # md5("<team>-<number>:<realm>:<secret>"), never the secret itself

    @property
    def username(self) -> str:
        return f"{self.team}-{self.number}"


@dataclass(frozen=True)
class DialTarget:
    """What a short number inside a team points at."""

    team: str
    number: str
    kind: str  # "extension" | "agent_group" | "ring_group"
    target: str  # for "extension": the SIP username of the extension


@dataclass(frozen=True)
class Did:
    """An inbound number from a carrier, routed to a destination of one team."""

    number: str  # E.164 with the leading "+"
    team: str
    kind: str  # "extension" | "agent_group" | "ring_group"
    target: str  # for "extension": the SIP username of the extension


@dataclass(frozen=True)
class Trunk:
    """A carrier recognised by the source address of its requests."""

    name: str
    team: str
    address: str


@dataclass(frozen=True)
class Snapshot:
    version: int
    accounts: tuple[SipAccount, ...] = field(default_factory=tuple)
    dial_targets: tuple[DialTarget, ...] = field(default_factory=tuple)
    dids: tuple[Did, ...] = field(default_factory=tuple)
    trunks: tuple[Trunk, ...] = field(default_factory=tuple)

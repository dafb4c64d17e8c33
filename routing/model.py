"""The routing data a Kamailio worker needs, as plain immutable values.

A ``Snapshot`` is read from the SQL store (``routing.adapters.snapshot``) and
turned into a ``Directory`` (``routing.directory``) for fast lookups.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routing.failover import Failovers


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
    target: str  # "extension": the SIP username; "ring_group": the ring group's number


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
class OutboundTrunk:
    """Where an outbound call leaves for a carrier, and how it is presented there."""

    name: str
    host: str  # the trunk's address
    port: int
    caller_id: str  # the number presented in From; "" keeps the caller's From
    strip_digits: int  # removed from the front of the dialed "+<digits>"
    add_prefix: str  # then put in front
    max_calls: int = 0  # concurrent outbound calls allowed; 0: no limit

    def row(self) -> tuple[str, str, int, str, int, str, int]:
        return (
            self.name, self.host, self.port, self.caller_id, self.strip_digits, self.add_prefix,
            self.max_calls,
        )  # fmt: skip


@dataclass(frozen=True)
class OutboundRoute:
    """The trunks outbound calls of ``owner`` use: a SIP username (an extension whose
    user's group has a trunk or trunk group) or a team slug (the team's default)."""

    owner: str
    key: str  # names the trunk or trunk group, e.g. "demo/trunk_group:carriers" (rotation)
    policy: str  # "failover" | "round_robin"
    trunks: tuple[OutboundTrunk, ...]


@dataclass(frozen=True)
class RingGroup:
    """A short number ringing extensions: ``ring_all``, ``sequential`` or ``round_robin``."""

    team: str
    number: str
    strategy: str
    ring_timeout_s: int
    members: tuple[str, ...]  # SIP usernames, in the group's order


@dataclass(frozen=True)
class FixedAgent:
    """An agent bound for good to one extension, with its working way from the store."""

    username: str  # the SIP username of its extension
    agent_id: str  # "<team>/<agent number>", as the ACD names it
    working_way: str  # "dial_in" | "dial_out" | "all" | "self_selection"


@dataclass(frozen=True)
class Snapshot:
    version: int
    accounts: tuple[SipAccount, ...] = field(default_factory=tuple)
    dial_targets: tuple[DialTarget, ...] = field(default_factory=tuple)
    dids: tuple[Did, ...] = field(default_factory=tuple)
    trunks: tuple[Trunk, ...] = field(default_factory=tuple)
    outbound: tuple[OutboundRoute, ...] = field(default_factory=tuple)
    ring_groups: tuple[RingGroup, ...] = field(default_factory=tuple)
    fixed_agents: tuple[FixedAgent, ...] = field(default_factory=tuple)
    # Each DID's and ring group's failover (routing.failover): Python only, not native.
    failovers: Failovers = field(default_factory=Failovers)

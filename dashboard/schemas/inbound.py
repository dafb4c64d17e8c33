"""Inbound routes: DIDs and ring groups."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dashboard.schemas.common import (
    E164,
    Destination,
    DestinationOut,
    Input,
    Output,
    ShortNumber,
    Text,
    Update,
)
from dashboard.schemas.names import ShortNumbers, hangup
from store.models import Did, RingGroup
from store.provisioning.skills import MAX_PRIORITY

PRIORITY_HELP = (
    "queue calls through this DID wait with this priority: a higher one is answered "
    "before calls waiting with a lower one (a caller priority, if higher, wins)"
)

FAILOVER_HELP = (
    "where the call goes when the destination is busy, does not answer or has nobody "
    "registered (any destination kind; hangup: the destination's own answer stands)"
)


class DidCreate(Input):
    number: E164 = Field(description="unique across all teams: a carrier delivers it to one team")
    destination: Destination
    failover: Destination = Field(default_factory=hangup, description=FAILOVER_HELP)
    priority: int = Field(0, ge=0, le=MAX_PRIORITY, description=PRIORITY_HELP)


class DidUpdate(Update):
    destination: Destination | None = None
    failover: Destination | None = None
    priority: int | None = Field(None, ge=0, le=MAX_PRIORITY, description=PRIORITY_HELP)


class DidOut(Output):
    number: str
    destination: DestinationOut
    failover: DestinationOut
    priority: int = 0

    @classmethod
    def of(cls, did: Did) -> DidOut:
        return cls(
            number=did.number,
            destination=DestinationOut(kind=did.dest_kind, ref=did.dest_ref),
            failover=DestinationOut(kind=did.failover_kind, ref=did.failover_ref),
            priority=did.priority or 0,
        )


RingStrategy = Literal["ring_all", "sequential", "round_robin"]


class RingGroupCreate(Input):
    number: ShortNumber = Field(description="shares the team's number plan with extensions")
    name: Text = Field("", max_length=64)
    strategy: RingStrategy = "ring_all"
    ring_timeout_s: int = Field(30, ge=1, le=600)
    members: ShortNumbers = Field(
        default_factory=list, description="extension numbers, in ring order"
    )
    failover: Destination = Field(default_factory=hangup, description=FAILOVER_HELP)


class RingGroupUpdate(Update):
    name: Text | None = Field(None, max_length=64)
    strategy: RingStrategy | None = None
    ring_timeout_s: int | None = Field(None, ge=1, le=600)
    members: ShortNumbers | None = None
    failover: Destination | None = None


class RingGroupOut(Output):
    number: str
    name: str
    strategy: str
    ring_timeout_s: int
    members: list[str]
    failover: DestinationOut

    @classmethod
    def of(cls, group: RingGroup) -> RingGroupOut:
        return cls(
            number=group.number,
            name=group.name,
            strategy=group.strategy,
            ring_timeout_s=group.ring_timeout_s,
            members=[m.extension.number for m in group.members],
            failover=DestinationOut(kind=group.failover_kind, ref=group.failover_ref),
        )

"""Inbound routes: DIDs and ring groups."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import Duplicate, InUse, Invalid, Unavailable
from store.models import Did, RingGroup, RingGroupMember, Team
from store.provisioning.common import apply, in_team, referenced_by
from store.provisioning.destinations import check_destination
from store.provisioning.extensions import E164, check_short_number, get_extension
from store.provisioning.skills import check_priority
from store.usage import ring_group_users

RING_STRATEGIES = ("ring_all", "sequential", "round_robin")


def get_did(session: Session, team: Team, number: str) -> Did:
    return in_team(session, Did, team.id, f"DID {number}", number=number)


def _route(session: Session, team: Team, did: Did, changes: dict[str, Any]) -> None:
    if "priority" in changes:
        did.priority = check_priority("priority", changes["priority"])
    for field in ("destination", "failover"):
        if field in changes:
            kind, ref = changes[field]["kind"], changes[field].get("ref", "")
            check_destination(session, team, kind, ref, field)
            if field == "destination":
                did.dest_kind, did.dest_ref = kind, ref
            else:
                did.failover_kind, did.failover_ref = kind, ref


def create_did(
    session: Session,
    team: Team,
    number: str,
    destination: dict[str, str],
    failover: dict[str, str] | None = None,
    priority: int = 0,
) -> Did:
    if not E164.match(number):
        raise Invalid("number", "an E.164 number such as +15550100")
    holder = session.scalar(select(Did.team_id).where(Did.number == number))
    if holder == team.id:
        raise Duplicate(f"DID {number} already exists", {"field": "number"})
    if holder is not None:
        # DIDs are global: a carrier delivers a number to exactly one team.
        raise Unavailable("number", f"DID {number}")
    did = Did(team_id=team.id, number=number)
    did.team = team
    _route(
        session,
        team,
        did,
        {
            "destination": destination,
            "failover": failover or {"kind": "hangup"},
            "priority": priority,
        },
    )
    session.add(did)
    session.flush()
    return did


def update_did(session: Session, team: Team, did: Did, changes: dict[str, Any]) -> Did:
    _route(session, team, did, changes)
    session.flush()
    return did


def delete_did(session: Session, did: Did) -> None:
    session.delete(did)
    session.flush()


def get_ring_group(session: Session, team: Team, number: str) -> RingGroup:
    return in_team(session, RingGroup, team.id, f"ring group {number}", number=number)


def _configure_ring_group(
    session: Session, team: Team, group: RingGroup, changes: dict[str, Any]
) -> None:
    if changes.get("strategy", group.strategy) not in RING_STRATEGIES:
        raise Invalid("strategy", f"one of {', '.join(RING_STRATEGIES)}")
    apply(group, changes, ("name", "strategy", "ring_timeout_s"))
    if "members" in changes:
        numbers = changes["members"]
        if len(set(numbers)) != len(numbers):
            raise Invalid("members", "an extension is listed twice")
        with referenced_by("members"):
            group.members = [
                RingGroupMember(extension=get_extension(session, team, n), position=i)
                for i, n in enumerate(numbers)
            ]
    if "failover" in changes:
        kind, ref = changes["failover"]["kind"], changes["failover"].get("ref", "")
        if (kind, ref) == ("ring_group", group.number):
            raise Invalid("failover.ref", "a ring group cannot fail over to itself")
        check_destination(session, team, kind, ref, "failover")
        group.failover_kind, group.failover_ref = kind, ref


def create_ring_group(session: Session, team: Team, number: str, **settings: Any) -> RingGroup:
    check_short_number(session, team, number)
    group = RingGroup(team_id=team.id, number=number)
    session.add(group)
    _configure_ring_group(session, team, group, settings)
    session.flush()
    return group


def update_ring_group(
    session: Session, team: Team, group: RingGroup, changes: dict[str, Any]
) -> RingGroup:
    _configure_ring_group(session, team, group, changes)
    session.flush()
    return group


def delete_ring_group(session: Session, group: RingGroup) -> None:
    used_by = ring_group_users(session, group)
    if used_by:
        raise InUse(
            f"ring group {group.number} is used by {', '.join(used_by)}", {"used_by": used_by}
        )
    session.delete(group)
    session.flush()

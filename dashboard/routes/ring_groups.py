"""/api/v1/teams/{team}/ring-groups: a short number ringing several extensions."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.inbound import RingGroupCreate, RingGroupOut, RingGroupUpdate
from dashboard.security import may_configure
from store import provisioning as p
from store.models import RingGroup

router = APIRouter(prefix="/teams/{team}/ring-groups", tags=["ring groups"])


@router.get("", summary="List the team's ring groups")
def list_ring_groups(
    team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> list[RingGroupOut]:
    may_configure(principal, write=False)
    rows = session.scalars(
        select(RingGroup).where(RingGroup.team_id == team.id).order_by(RingGroup.number)
    )
    return [RingGroupOut.of(g) for g in rows]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a ring group")
def create_ring_group(
    body: RingGroupCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> RingGroupOut:
    may_configure(principal, write=True)
    settings = body.model_dump(exclude={"number"}, exclude_unset=True)
    return RingGroupOut.of(p.create_ring_group(session, team, body.number, **settings))


@router.get("/{number}", summary="One ring group")
def get_ring_group(
    number: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> RingGroupOut:
    may_configure(principal, write=False)
    return RingGroupOut.of(p.get_ring_group(session, team, number))


@router.patch("/{number}", summary="Change a ring group (its number is its identity)")
def update_ring_group(
    number: str, body: RingGroupUpdate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> RingGroupOut:
    may_configure(principal, write=True)
    group = p.get_ring_group(session, team, number)
    return RingGroupOut.of(p.update_ring_group(session, team, group, body.changes()))


@router.delete(
    "/{number}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a ring group nothing routes to",
)
def delete_ring_group(
    number: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> None:
    may_configure(principal, write=True)
    p.delete_ring_group(session, p.get_ring_group(session, team, number))

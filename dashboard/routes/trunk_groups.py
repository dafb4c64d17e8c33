"""/api/v1/teams/{team}/trunk-groups: ordered trunks, in failover order or round robin."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.trunks import TrunkGroupCreate, TrunkGroupOut, TrunkGroupUpdate
from dashboard.security import may_configure
from store import provisioning as p
from store.models import TrunkGroup

router = APIRouter(prefix="/teams/{team}/trunk-groups", tags=["trunk groups"])


@router.get("", summary="List the team's trunk groups")
def list_trunk_groups(
    team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> list[TrunkGroupOut]:
    may_configure(principal, write=False)
    rows = session.scalars(
        select(TrunkGroup).where(TrunkGroup.team_id == team.id).order_by(TrunkGroup.name)
    )
    return [TrunkGroupOut.of(g) for g in rows]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a trunk group")
def create_trunk_group(
    body: TrunkGroupCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> TrunkGroupOut:
    may_configure(principal, write=True)
    settings = body.model_dump(exclude={"name"}, exclude_unset=True)
    return TrunkGroupOut.of(p.create_trunk_group(session, team, body.name, **settings))


@router.get("/{name}", summary="One trunk group")
def get_trunk_group(
    name: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> TrunkGroupOut:
    may_configure(principal, write=False)
    return TrunkGroupOut.of(p.get_trunk_group(session, team, name))


@router.patch("/{name}", summary="Change a trunk group's policy or trunks")
def update_trunk_group(
    name: str, body: TrunkGroupUpdate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> TrunkGroupOut:
    may_configure(principal, write=True)
    group = p.get_trunk_group(session, team, name)
    return TrunkGroupOut.of(p.update_trunk_group(session, team, group, body.changes()))


@router.delete(
    "/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a trunk group nothing uses"
)
def delete_trunk_group(
    name: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> None:
    may_configure(principal, write=True)
    p.delete_trunk_group(session, p.get_trunk_group(session, team, name))

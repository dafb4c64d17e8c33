"""/api/v1/teams/{team}/user-groups: sets of users and the outbound trunk their extensions use."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.people import UserGroupCreate, UserGroupOut, UserGroupUpdate
from dashboard.security import may_manage_people
from store import provisioning as p
from store.models import Trunk, TrunkGroup, UserGroup

router = APIRouter(prefix="/teams/{team}/user-groups", tags=["user groups"])


def group_out(session: Session, group: UserGroup) -> UserGroupOut:
    trunk = session.get(Trunk, group.trunk_id) if group.trunk_id else None
    trunk_group = session.get(TrunkGroup, group.trunk_group_id) if group.trunk_group_id else None
    return UserGroupOut.of(
        group, trunk.name if trunk else None, trunk_group.name if trunk_group else None
    )


@router.get("", summary="List the team's user groups")
def list_user_groups(
    team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> list[UserGroupOut]:
    may_manage_people(principal)
    rows = session.scalars(
        select(UserGroup).where(UserGroup.team_id == team.id).order_by(UserGroup.name)
    )
    return [group_out(session, g) for g in rows]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a user group")
def create_user_group(
    body: UserGroupCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> UserGroupOut:
    may_manage_people(principal)
    group = p.create_user_group(
        session, team, body.name, **body.model_dump(exclude={"name"}, exclude_unset=True)
    )
    return group_out(session, group)


@router.get("/{name}", summary="One user group")
def get_user_group(
    name: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> UserGroupOut:
    may_manage_people(principal)
    return group_out(session, p.get_user_group(session, team, name))


@router.patch("/{name}", summary="Change a user group's members or outbound trunk (group)")
def update_user_group(
    name: str, body: UserGroupUpdate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> UserGroupOut:
    may_manage_people(principal)
    group = p.update_user_group(
        session, team, p.get_user_group(session, team, name), body.changes()
    )
    return group_out(session, group)


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a user group (its users stay)",
)
def delete_user_group(
    name: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> None:
    may_manage_people(principal)
    p.delete_user_group(session, p.get_user_group(session, team, name))

"""/api/v1/teams/{team}/agent-groups: the working units, their queue settings and administrators.

A group administrator reads the groups they administer; granting or removing an
administrator is people management (team admins).
"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.acd import (
    AgentGroupCreate,
    AgentGroupOut,
    AgentGroupUpdate,
    GroupAdminOut,
    GroupAdminRights,
)
from dashboard.security import GROUP_ADMIN, may_configure, may_manage_people, may_read_group
from store import provisioning as p
from store.models import AgentGroup

router = APIRouter(prefix="/teams/{team}/agent-groups", tags=["agent groups"])


@router.get("", summary="List agent groups (a group admin: the groups they administer)")
def list_agent_groups(
    team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> list[AgentGroupOut]:
    query = select(AgentGroup).where(AgentGroup.team_id == team.id).order_by(AgentGroup.name)
    if principal.role == GROUP_ADMIN:
        query = query.where(AgentGroup.id.in_(list(principal.admin_of)))
    else:
        may_configure(principal, write=False)
    return [AgentGroupOut.of(g) for g in session.scalars(query)]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Create an agent group with its queue settings"
)
def create_agent_group(
    body: AgentGroupCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> AgentGroupOut:
    may_configure(principal, write=True)
    settings = body.model_dump(exclude={"name"}, exclude_unset=True)
    return AgentGroupOut.of(p.create_agent_group(session, team, body.name, **settings))


@router.get("/{name}", summary="One agent group")
def get_agent_group(
    name: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> AgentGroupOut:
    if principal.role != GROUP_ADMIN:
        may_configure(principal, write=False)
    group = p.get_agent_group(session, team, name)
    may_read_group(principal, group.id)
    return AgentGroupOut.of(group)


@router.patch(
    "/{name}", summary="Change an agent group's queue settings (its name is its identity)"
)
def update_agent_group(
    name: str, body: AgentGroupUpdate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> AgentGroupOut:
    may_configure(principal, write=True)
    group = p.get_agent_group(session, team, name)
    return AgentGroupOut.of(p.update_agent_group(session, team, group, body.changes()))


@router.delete(
    "/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an agent group nothing uses"
)
def delete_agent_group(
    name: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> None:
    may_configure(principal, write=True)
    p.delete_agent_group(session, p.get_agent_group(session, team, name))


@router.put(
    "/{name}/admins/{login}", summary="Make a user an administrator of the group, with these rights"
)
def set_group_admin(
    name: str,
    login: str,
    body: GroupAdminRights,
    team: TeamDep,
    principal: PrincipalDep,
    session: SessionDep,
) -> GroupAdminOut:
    may_manage_people(principal)
    group = p.get_agent_group(session, team, name)
    return GroupAdminOut.of(p.set_group_admin(session, team, group, login, **body.rights()))


@router.delete(
    "/{name}/admins/{login}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a group administrator",
)
def remove_group_admin(
    name: str, login: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> None:
    may_manage_people(principal)
    p.remove_group_admin(session, team, p.get_agent_group(session, team, name), login)

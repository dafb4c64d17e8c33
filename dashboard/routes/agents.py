"""/api/v1/teams/{team}/agents

Configured by admins (and API keys). A group administrator reads the agents of the groups
they administer; an agent reads its own record. The agent password is never returned.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.acd import AgentCreate, AgentOut, AgentUpdate
from dashboard.security import AGENT, GROUP_ADMIN, Principal, forbidden, may_configure
from store import provisioning as p
from store.models import Agent
from store.models.acd import agent_group_members

router = APIRouter(prefix="/teams/{team}/agents", tags=["agents"])


def may_read_agent(principal: Principal, agent: Agent) -> None:
    if principal.role == AGENT:
        if principal.agent_id == agent.id:
            return
        raise forbidden("an agent reads only its own record")
    if principal.role == GROUP_ADMIN and any(g.id in principal.admin_of for g in agent.groups):
        return
    may_configure(principal, write=False)


@router.get("", summary="List agents (a group admin: of their groups; an agent: itself)")
def list_agents(team: TeamDep, principal: PrincipalDep, session: SessionDep) -> list[AgentOut]:
    query = select(Agent).where(Agent.team_id == team.id).order_by(Agent.number)
    if principal.role == AGENT:
        query = query.where(Agent.id == principal.agent_id)
    elif principal.role == GROUP_ADMIN:
        query = query.where(
            Agent.id.in_(
                select(agent_group_members.c.agent_id).where(
                    agent_group_members.c.group_id.in_(list(principal.admin_of))
                )
            )
        )
    else:
        may_configure(principal, write=False)
    return [AgentOut.of(a) for a in session.scalars(query)]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Create an agent in one or more agent groups"
)
def create_agent(
    body: AgentCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> AgentOut:
    may_configure(principal, write=True)
    values = body.model_dump(exclude={"number", "password"})
    agent = p.create_agent(session, team, body.number, body.password, **values)
    return AgentOut.of(agent)


@router.get("/{number}", summary="One agent")
def get_agent(number: str, team: TeamDep, principal: PrincipalDep, session: SessionDep) -> AgentOut:
    if principal.role not in (AGENT, GROUP_ADMIN):
        may_configure(principal, write=False)
    agent = p.get_agent(session, team, number)
    may_read_agent(principal, agent)
    return AgentOut.of(agent)


@router.patch("/{number}", summary="Change an agent (its number is its identity)")
def update_agent(
    number: str, body: AgentUpdate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> AgentOut:
    may_configure(principal, write=True)
    agent = p.update_agent(session, team, p.get_agent(session, team, number), body.changes())
    return AgentOut.of(agent)


@router.delete(
    "/{number}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an agent (its extension stays)",
)
def delete_agent(number: str, team: TeamDep, principal: PrincipalDep, session: SessionDep) -> None:
    may_configure(principal, write=True)
    p.delete_agent(session, p.get_agent(session, team, number))

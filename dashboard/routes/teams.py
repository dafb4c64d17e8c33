"""/api/v1/teams: tenants. Created and deleted by system admins; team admins edit their own."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.teams import TeamCreate, TeamOut, TeamUpdate
from dashboard.security import SYSTEM_ADMIN, forbidden, may_configure, may_manage_people
from store import provisioning as p
from store.models import Team, Trunk, TrunkGroup

router = APIRouter(prefix="/teams", tags=["teams"])


def team_out(session: SessionDep, team: Team) -> TeamOut:
    trunk = session.get(Trunk, team.default_trunk_id) if team.default_trunk_id else None
    group = (
        session.get(TrunkGroup, team.default_trunk_group_id)
        if team.default_trunk_group_id
        else None
    )
    allowed = p.allowed_trunk_addresses(session, team)
    return TeamOut.of(team, trunk.name if trunk else None, group.name if group else None, allowed)


@router.get("", summary="Teams visible to the caller (all of them for a system admin)")
def list_teams(principal: PrincipalDep, session: SessionDep) -> list[TeamOut]:
    query = select(Team).order_by(Team.slug)
    if principal.role != SYSTEM_ADMIN:
        query = query.where(Team.id == principal.team_id)
    return [team_out(session, t) for t in session.scalars(query)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a team (system admin)")
def create_team(body: TeamCreate, principal: PrincipalDep, session: SessionDep) -> TeamOut:
    if principal.role != SYSTEM_ADMIN:
        raise forbidden("only a system admin creates teams")
    return team_out(session, p.create_team(session, body.slug, body.name))


@router.get("/{team}", summary="One team")
def get_team(team: TeamDep, principal: PrincipalDep, session: SessionDep) -> TeamOut:
    may_configure(principal, write=False)
    return team_out(session, team)


@router.patch("/{team}", summary="Rename a team or set its default outbound trunk (group)")
def update_team(
    body: TeamUpdate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> TeamOut:
    may_manage_people(principal)
    changes = body.changes()
    if "allowed_trunk_addresses" in changes:
        if principal.role != SYSTEM_ADMIN:
            raise forbidden("only a system admin sets a team's allowed_trunk_addresses")
        p.set_allowed_trunk_addresses(session, team, changes.pop("allowed_trunk_addresses"))
    return team_out(session, p.update_team(session, team, changes))


@router.delete(
    "/{team}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a team and all its data (system admin)",
)
def delete_team(team: TeamDep, principal: PrincipalDep, session: SessionDep) -> None:
    if principal.role != SYSTEM_ADMIN:
        raise forbidden("only a system admin deletes teams")
    p.delete_team(session, team)

"""/api/v1/teams/{team}/users: the team's web logins. People management: administrators only."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.people import UserCreate, UserOut, UserUpdate
from dashboard.security import may_manage_people
from store import provisioning as p
from store.models import AgentGroup, AgentGroupAdmin, User

router = APIRouter(prefix="/teams/{team}/users", tags=["users"])


def user_out(session: Session, user: User) -> UserOut:
    administers = session.scalars(
        select(AgentGroup.name).join(AgentGroupAdmin).where(AgentGroupAdmin.user_id == user.id)
    )
    return UserOut.of(user, sorted(administers))


@router.get("", summary="List the team's users")
def list_users(team: TeamDep, principal: PrincipalDep, session: SessionDep) -> list[UserOut]:
    may_manage_people(principal)
    rows = session.scalars(select(User).where(User.team_id == team.id).order_by(User.login))
    return [user_out(session, u) for u in rows]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Create a user with a web password and a role"
)
def create_user(
    body: UserCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> UserOut:
    may_manage_people(principal)
    user = p.create_user(session, team, body.login, body.password, body.role, body.display_name)
    return user_out(session, user)


@router.get("/{login}", summary="One user")
def get_user(login: str, team: TeamDep, principal: PrincipalDep, session: SessionDep) -> UserOut:
    may_manage_people(principal)
    return user_out(session, p.get_user(session, team, login))


@router.patch(
    "/{login}", summary="Change a user's role, display name or password (the login is its identity)"
)
def update_user(
    login: str, body: UserUpdate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> UserOut:
    may_manage_people(principal)
    user = p.update_user(session, p.get_user(session, team, login), body.changes())
    return user_out(session, user)


@router.delete(
    "/{login}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a user who owns no extension or agent",
)
def delete_user(login: str, team: TeamDep, principal: PrincipalDep, session: SessionDep) -> None:
    may_manage_people(principal)
    p.delete_user(session, p.get_user(session, team, login))

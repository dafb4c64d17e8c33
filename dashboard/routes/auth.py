"""/api/v1/auth and /api/v1/me: log in (users and agents), log out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, SettingsDep
from dashboard.schemas.auth import AgentLogin, Login, MeOut, TokenOut
from dashboard.security import issue_token, unauthenticated
from store import provisioning as p
from store.errors import NotFound
from store.models import Agent, AgentGroup, ApiToken, Team, User
from store.secrets import verify_web_password

router = APIRouter(tags=["auth"])

# Verified against when the login is unknown, so both failures take the same time.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$zrGpTGdZGEpErSsJawk/Qw$F/oznYD3gLUhOVfF7ig/N3hpYpGai80uZSpkcED6C7s"


@router.post("/auth/login", summary="Log in with a web login and password")
def login(body: Login, session: SessionDep, settings: SettingsDep) -> TokenOut:
    user = session.scalar(select(User).where(User.login == body.login))
    if user is None:
        verify_web_password(_DUMMY_HASH, body.password)
        raise unauthenticated("wrong login or password")
    if not verify_web_password(user.password_hash, body.password):
        raise unauthenticated("wrong login or password")
    token, row = issue_token(
        session,
        f"login {user.login}",
        team_id=user.team_id,
        user_id=user.id,
        hours=settings.session_hours,
    )
    return TokenOut(token=token, expires_at=row.expires_at)


@router.post("/auth/agent-login", summary="Log in as an agent (agent number and agent password)")
def agent_login(body: AgentLogin, session: SessionDep, settings: SettingsDep) -> TokenOut:
    try:
        team = p.get_team(session, body.team)
        agent = p.get_agent(session, team, body.number)
    except NotFound:
        verify_web_password(_DUMMY_HASH, body.password)
        raise unauthenticated("wrong team, agent number or password") from None
    if not verify_web_password(agent.password_hash, body.password):
        raise unauthenticated("wrong team, agent number or password")
    token, row = issue_token(
        session,
        f"agent {agent.number}",
        team_id=team.id,
        agent_id=agent.id,
        hours=settings.session_hours,
    )
    return TokenOut(token=token, expires_at=row.expires_at)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, summary="End this token")
def logout(principal: PrincipalDep, session: SessionDep) -> None:
    row = session.get(ApiToken, principal.token_id)
    if row is not None:
        session.delete(row)


@router.get("/me", summary="Who this token is, and what it may administer")
def me(principal: PrincipalDep, session: SessionDep) -> MeOut:
    team = session.get(Team, principal.team_id) if principal.team_id is not None else None
    user = session.get(User, principal.user_id) if principal.user_id is not None else None
    agent = session.get(Agent, principal.agent_id) if principal.agent_id is not None else None
    groups = [session.get(AgentGroup, g) for g in principal.admin_of]
    return MeOut(
        role=principal.role,
        team=team.slug if team else None,
        login=user.login if user else None,
        agent=agent.number if agent else None,
        administers=sorted(g.name for g in groups if g is not None),
    )

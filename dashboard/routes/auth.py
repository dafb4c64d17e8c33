"""/api/v1/auth and /api/v1/me: log in (users and agents), log out, who am I.

A login checks its password with no database transaction open (argon2 takes tens of
milliseconds; SQLite's write lock must never wait on it): it reads the account in a
read transaction, verifies, and only a success opens a short write transaction to
issue the token (and prune expired ones). Unknown accounts are verified against a
dummy hash of the same parameters, so they cost what a known one does. Every attempt
passes the login throttle first (``dashboard.throttle``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeGuard

from fastapi import APIRouter, Request, status
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from dashboard.deps import PrincipalDep, SessionDep, SettingsDep
from dashboard.responses import errors
from dashboard.schemas.auth import AgentLogin, Login, MeOut, TokenOut
from dashboard.security import issue_token, source_ip, unauthenticated
from dashboard.throttle import LoginThrottle
from store import provisioning as p
from store.errors import NotFound
from store.models import Agent, AgentGroup, ApiToken, Team, User
from store.provisioning.people import find_login
from store.secrets import DUMMY_HASH, hash_web_password, needs_rehash, verify_web_password

router = APIRouter(tags=["auth"])

LOGIN_ERRORS = errors(401, 422, 429)


def prune_expired_tokens(session: Session) -> int:
    """Delete tokens past their expiry (sessions; API keys never expire)."""
    result = session.execute(delete(ApiToken).where(ApiToken.expires_at < datetime.now(UTC)))
    return int(getattr(result, "rowcount", 0) or 0)


def _check(password_hash: str | None, password: str) -> TypeGuard[str]:
    """One argon2 verification either way: against the account's hash or the dummy
    (True, and ``password_hash`` is a hash, only for the account's own password)."""
    ok = verify_web_password(password_hash or DUMMY_HASH, password)
    return ok and password_hash is not None


@router.post("/auth/login", summary="Log in with a web login and password", responses=LOGIN_ERRORS)
def login(body: Login, request: Request, settings: SettingsDep) -> TokenOut:
    throttle: LoginThrottle = request.app.state.throttle
    attempt = throttle.begin(source_ip(request), "user:" + body.login.casefold())
    reads: sessionmaker[Session] = request.app.state.read_sessions
    with reads() as session, session.begin():
        user = find_login(session, body.login)
        user_id, password_hash = (None, None) if user is None else (user.id, user.password_hash)
    if not _check(password_hash, body.password):
        raise unauthenticated("wrong login or password")
    attempt.succeeded()
    # argon2 again, if at all, before the write transaction: never while holding the lock.
    rehashed = hash_web_password(body.password) if needs_rehash(password_hash) else None
    with request.app.state.sessions() as session, session.begin():
        prune_expired_tokens(session)
        user = session.get(User, user_id)
        if user is None:  # deleted meanwhile
            raise unauthenticated("wrong login or password")
        if rehashed is not None and user.password_hash == password_hash:
            user.password_hash = rehashed
        token, row = issue_token(
            session,
            f"login {user.login}",
            team_id=user.team_id,
            user_id=user.id,
            hours=settings.session_hours,
        )
    return TokenOut(token=token, expires_at=row.expires_at)


@router.post(
    "/auth/agent-login",
    summary="Log in as an agent (agent number and agent password)",
    responses=LOGIN_ERRORS,
)
def agent_login(body: AgentLogin, request: Request, settings: SettingsDep) -> TokenOut:
    throttle: LoginThrottle = request.app.state.throttle
    attempt = throttle.begin(source_ip(request), f"agent:{body.team}:{body.number}")
    reads: sessionmaker[Session] = request.app.state.read_sessions
    with reads() as session, session.begin():
        try:
            team = p.get_team(session, body.team)
            agent = p.get_agent(session, team, body.number)
            found = (agent.id, team.id, agent.number, agent.password_hash)
        except NotFound:
            found = None
    if not _check(found[3] if found else None, body.password) or found is None:
        raise unauthenticated("wrong team, agent number or password")
    attempt.succeeded()
    agent_id, team_id, number, _ = found
    with request.app.state.sessions() as session, session.begin():
        prune_expired_tokens(session)
        if session.get(Agent, agent_id) is None:
            raise unauthenticated("wrong team, agent number or password")
        token, row = issue_token(
            session,
            f"agent {number}",
            team_id=team_id,
            agent_id=agent_id,
            hours=settings.session_hours,
        )
    return TokenOut(token=token, expires_at=row.expires_at)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End this token",
    responses=errors(401),
)
def logout(principal: PrincipalDep, session: SessionDep) -> None:
    row = session.get(ApiToken, principal.token_id)
    if row is not None:
        session.delete(row)


@router.get("/me", summary="Who this token is, and what it may administer", responses=errors(401))
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

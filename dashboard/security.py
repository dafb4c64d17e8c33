"""Who is calling, and what they may do.

Every request carries ``Authorization: Bearer <token>``. A token is a user's login
session, an agent's session, or a business system's key; only its SHA-256 is stored.
Roles are read from the user at each request, so a change of role applies at once.

Team isolation: a principal of team A asking for anything of team B gets 404, exactly
as if it did not exist — never its data, not even that it exists.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.db import as_utc
from store.models import AgentGroupAdmin, ApiToken, Team, User

SYSTEM_ADMIN, TEAM_ADMIN, GROUP_ADMIN, AGENT, USER, API = (
    "system_admin",
    "team_admin",
    "group_admin",
    "agent",
    "user",
    "api",
)


@dataclass(frozen=True)
class Principal:
    role: str
    team_id: int | None
    token_id: int
    user_id: int | None = None
    agent_id: int | None = None
    scope: str = "write"  # API keys: "read" or "write"
    admin_of: dict[int, AgentGroupAdmin] = field(default_factory=dict)  # group id -> rights


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session,
    name: str,
    *,
    team_id: int | None,
    user_id: int | None = None,
    agent_id: int | None = None,
    scope: str = "write",
    hours: int | None = None,
) -> tuple[str, ApiToken]:
    token = "sb_" + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    row = ApiToken(
        token_hash=hash_token(token),
        name=name,
        team_id=team_id,
        user_id=user_id,
        agent_id=agent_id,
        scope=scope,
        created_at=now,
        expires_at=None if hours is None else now + timedelta(hours=hours),
    )
    session.add(row)
    session.flush()
    return token, row


def source_ip(request: Request) -> str:
    """The peer address; a reverse proxy in front would need its own (trusted) header."""
    return request.client.host if request.client is not None else "unknown"


def unauthenticated(message: str = "a valid bearer token is required") -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


def authenticate(session: Session, authorization: str | None) -> Principal:
    if not authorization or not authorization.startswith("Bearer "):
        raise unauthenticated()
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(authorization[7:].strip()))
    )
    if row is None:
        raise unauthenticated()
    if row.expires_at is not None and as_utc(row.expires_at) < datetime.now(UTC):
        raise unauthenticated("the token has expired")
    if row.agent_id is not None:
        return Principal(AGENT, row.team_id, row.id, agent_id=row.agent_id)
    if row.user_id is None:
        return Principal(API, row.team_id, row.id, scope=row.scope)
    user = session.get(User, row.user_id)
    if user is None:
        raise unauthenticated()
    admin_of = {
        a.group_id: a
        for a in session.scalars(select(AgentGroupAdmin).where(AgentGroupAdmin.user_id == user.id))
    }
    return Principal(user.role, user.team_id, row.id, user_id=user.id, admin_of=admin_of)


# --- authorisation -------------------------------------------------------------------


def forbidden(message: str = "your role may not do this") -> HTTPException:
    return HTTPException(403, message)


def check_team(principal: Principal, team: Team) -> None:
    """Another team's objects do not exist for this principal (404, never 403)."""
    if principal.role != SYSTEM_ADMIN and principal.team_id != team.id:
        raise HTTPException(404, f"team {team.slug} not found")


def may_configure(principal: Principal, write: bool) -> None:
    """Team configuration (extensions, trunks, DIDs, ...): admins; API keys by scope."""
    if principal.role in (SYSTEM_ADMIN, TEAM_ADMIN):
        return
    if principal.role == API and (not write or principal.scope == "write"):
        return
    raise forbidden()


def may_manage_people(principal: Principal) -> None:
    """Users, user groups and API keys: administrators only, never an API key."""
    if principal.role not in (SYSTEM_ADMIN, TEAM_ADMIN):
        raise forbidden()


def may_read_group(principal: Principal, group_id: int) -> None:
    if principal.role == GROUP_ADMIN and group_id in principal.admin_of:
        return
    may_configure(principal, write=False)


def group_right(principal: Principal, group_ids: list[int], right: str) -> bool:
    """True when a group admin has ``right`` (e.g. "export") on one of ``group_ids``."""
    return any(
        getattr(principal.admin_of[g], f"can_{right}") for g in group_ids if g in principal.admin_of
    )

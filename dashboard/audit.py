"""The audit log: every change an administrator (or a business system's key) makes
through the API -- who, what, when, from where, and its status -- written by the request's
own write transaction, so a change and its entry commit (or vanish) together. A refused
change (4xx) leaves an entry of its own. Bodies are never logged: no password, secret or
token can reach the log; only method, path and the object the path names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy import insert
from sqlalchemy.orm import Session

from dashboard.security import (
    API,
    GROUP_ADMIN,
    SYSTEM_ADMIN,
    TEAM_ADMIN,
    Principal,
    source_ip,
)
from store.models import AuditEntry, Team, User

AUDITED_ROLES = frozenset({SYSTEM_ADMIN, TEAM_ADMIN, GROUP_ADMIN, API})
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def audited(request: Request) -> Principal | None:
    """The principal whose request is to be logged, or None."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if request.method not in MUTATING or principal is None:
        return None
    return principal if principal.role in AUDITED_ROLES else None


def _who(session: Session, principal: Principal) -> str:
    if principal.user_id is not None:
        user = session.get(User, principal.user_id)
        return f"user {user.login}" if user is not None else f"user #{principal.user_id}"
    return f"api key {principal.token_id}"


def _team(session: Session, request: Request, principal: Principal) -> str | None:
    slug = request.path_params.get("team")
    if slug is not None:
        return str(slug)
    if principal.team_id is not None:
        team = session.get(Team, principal.team_id)
        return team.slug if team is not None else None
    return None


def _object(request: Request) -> str:
    path = request.url.path
    team = request.path_params.get("team")
    marker = f"/teams/{team}/" if team is not None else "/api/v1/"
    return path.split(marker, 1)[1] if marker in path else path.removeprefix("/api/v1/")


def record(session: Session, request: Request, principal: Principal, status: int) -> None:
    """Add the entry to ``session``'s transaction (Core insert: no provisioning bump)."""
    session.execute(
        insert(AuditEntry.__table__).values(
            at=datetime.now(UTC),
            team=_team(session, request, principal),
            principal=_who(session, principal),
            role=principal.role,
            method=request.method,
            path=request.url.path[:500],
            object=_object(request)[:300],
            status=status,
            source_ip=source_ip(request),
        )
    )

"""FastAPI dependencies: one transaction per request, the caller, and the team in the path.

A GET (or HEAD) request runs in a read transaction, which never takes SQLite's single
write lock; only requests that change something take it, for as long as the handler
runs (call control's record writes wait behind it, so handlers keep it short).

Routes whose change another process makes while the handler waits for it (call
commands: ``dashboard.routes.agent_calls``) read in a read transaction whatever their
method (``ReadSessionDep``, ``ReadPrincipalDep``, ``ReadTeamDep``): a write transaction
would hold the write lock for all the wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from dashboard import audit
from dashboard.security import Principal, authenticate, check_team
from dashboard.settings import WebSettings
from store import provisioning as p
from store.errors import NotFound, StoreError
from store.models import Team

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """Commit when the handler returns; roll everything back when it raises. An
    administrator's change is logged in the same transaction (``dashboard.audit``)."""
    if request.method in READ_METHODS:
        with request.app.state.read_sessions() as session, session.begin():
            yield session
        return
    sessions = request.app.state.sessions
    try:
        with sessions() as session, session.begin():
            yield session
            principal = audit.audited(request)
            if principal is not None:
                route = request.scope.get("route")
                audit.record(session, request, principal, getattr(route, "status_code", 200) or 200)
    except (StoreError, HTTPException) as refused:
        principal = audit.audited(request)
        if principal is not None:
            with sessions() as session, session.begin():
                audit.record(session, request, principal, int(refused.status_code))
        raise


SessionDep = Annotated[Session, Depends(get_session)]


def get_read_session(request: Request) -> Iterator[Session]:
    """A read transaction whatever the method, for routes that change nothing in SQL but
    wait on call control (up to seconds). An administrator's request is still logged, in
    a short write transaction of its own once the handler is done."""
    status: int | None = None
    try:
        with request.app.state.read_sessions() as session, session.begin():
            yield session
        route = request.scope.get("route")
        status = getattr(route, "status_code", 200) or 200
    except (StoreError, HTTPException) as refused:
        status = int(refused.status_code)
        raise
    finally:
        principal = audit.audited(request)
        if status is not None and principal is not None:
            with request.app.state.sessions() as session, session.begin():
                audit.record(session, request, principal, status)


ReadSessionDep = Annotated[Session, Depends(get_read_session)]


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[WebSettings, Depends(get_settings)]


AuthorizationHeader = Annotated[str | None, Header(include_in_schema=False)]


def get_principal(
    request: Request, session: SessionDep, authorization: AuthorizationHeader = None
) -> Principal:
    return _principal(request, session, authorization)


def get_read_principal(
    request: Request, session: ReadSessionDep, authorization: AuthorizationHeader = None
) -> Principal:
    return _principal(request, session, authorization)


def _principal(request: Request, session: Session, authorization: str | None) -> Principal:
    principal = authenticate(session, authorization)
    request.state.principal = principal  # for the audit log
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
ReadPrincipalDep = Annotated[Principal, Depends(get_read_principal)]


def get_team(team: str, session: SessionDep, principal: PrincipalDep) -> Team:
    """The team named in the path, visible only to its own people and system admins."""
    return _team(team, session, principal)


def get_read_team(team: str, session: ReadSessionDep, principal: ReadPrincipalDep) -> Team:
    return _team(team, session, principal)


def _team(team: str, session: Session, principal: Principal) -> Team:
    try:
        found = p.get_team(session, team)
    except NotFound:
        raise HTTPException(404, f"team {team} not found") from None
    check_team(principal, found)
    return found


TeamDep = Annotated[Team, Depends(get_team)]
ReadTeamDep = Annotated[Team, Depends(get_read_team)]

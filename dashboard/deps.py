"""FastAPI dependencies: one transaction per request, the caller, and the team in the path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from dashboard.security import Principal, authenticate, check_team
from dashboard.settings import WebSettings
from store import provisioning as p
from store.errors import NotFound
from store.models import Team


def get_session(request: Request) -> Iterator[Session]:
    """Commit when the handler returns; roll everything back when it raises."""
    with request.app.state.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[WebSettings, Depends(get_settings)]


def get_principal(
    session: SessionDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    return authenticate(session, authorization)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_team(team: str, session: SessionDep, principal: PrincipalDep) -> Team:
    """The team named in the path, visible only to its own people and system admins."""
    try:
        found = p.get_team(session, team)
    except NotFound:
        raise HTTPException(404, f"team {team} not found") from None
    check_team(principal, found)
    return found


TeamDep = Annotated[Team, Depends(get_team)]

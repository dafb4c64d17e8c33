"""/api/v1/teams/{team}/extensions"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, SettingsDep, TeamDep
from dashboard.schemas.extensions import ExtensionCreate, ExtensionOut, ExtensionUpdate
from dashboard.security import may_configure
from store import provisioning as p
from store.models import Extension

router = APIRouter(prefix="/teams/{team}/extensions", tags=["extensions"])


@router.get("", summary="List the team's extensions")
def list_extensions(
    team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> list[ExtensionOut]:
    may_configure(principal, write=False)
    rows = session.scalars(
        select(Extension).where(Extension.team_id == team.id).order_by(Extension.number)
    )
    return [ExtensionOut.of(e) for e in rows]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create an extension")
def create_extension(
    body: ExtensionCreate,
    team: TeamDep,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ExtensionOut:
    may_configure(principal, write=True)
    extension = p.create_extension(
        session, team, body.number, settings.sip_realm, **body.model_dump(exclude={"number"})
    )
    return ExtensionOut.of(extension)


@router.get("/{number}", summary="One extension")
def get_extension(
    number: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> ExtensionOut:
    may_configure(principal, write=False)
    return ExtensionOut.of(p.get_extension(session, team, number))


@router.patch("/{number}", summary="Change an extension (its number is its identity)")
def update_extension(
    number: str,
    body: ExtensionUpdate,
    team: TeamDep,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> ExtensionOut:
    may_configure(principal, write=True)
    extension = p.get_extension(session, team, number)
    return ExtensionOut.of(
        p.update_extension(session, team, extension, body.changes(), settings.sip_realm)
    )


@router.delete(
    "/{number}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an unused extension"
)
def delete_extension(
    number: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> None:
    may_configure(principal, write=True)
    p.delete_extension(session, p.get_extension(session, team, number))

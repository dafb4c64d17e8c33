"""/api/v1/teams/{team}/dids: inbound numbers (E.164, e.g. ``/dids/+15550100``) and their routes."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.inbound import DidCreate, DidOut, DidUpdate
from dashboard.security import may_configure
from store import provisioning as p
from store.models import Did

router = APIRouter(prefix="/teams/{team}/dids", tags=["DIDs"])


@router.get("", summary="List the team's DIDs")
def list_dids(team: TeamDep, principal: PrincipalDep, session: SessionDep) -> list[DidOut]:
    may_configure(principal, write=False)
    rows = session.scalars(select(Did).where(Did.team_id == team.id).order_by(Did.number))
    return [DidOut.of(d) for d in rows]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Route a DID to a destination, with a failover"
)
def create_did(
    body: DidCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> DidOut:
    may_configure(principal, write=True)
    did = p.create_did(
        session,
        team,
        body.number,
        body.destination.model_dump(),
        body.failover.model_dump(),
        priority=body.priority,
    )
    return DidOut.of(did)


@router.get("/{number}", summary="One DID")
def get_did(number: str, team: TeamDep, principal: PrincipalDep, session: SessionDep) -> DidOut:
    may_configure(principal, write=False)
    return DidOut.of(p.get_did(session, team, number))


@router.patch("/{number}", summary="Change a DID's destination or failover")
def update_did(
    number: str, body: DidUpdate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> DidOut:
    may_configure(principal, write=True)
    return DidOut.of(p.update_did(session, team, p.get_did(session, team, number), body.changes()))


@router.delete("/{number}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a DID")
def delete_did(number: str, team: TeamDep, principal: PrincipalDep, session: SessionDep) -> None:
    may_configure(principal, write=True)
    p.delete_did(session, p.get_did(session, team, number))

"""/api/v1/teams/{team}/pause-reasons: why an agent may pause (lunch, training, ...)."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.acd import PauseReasonCreate, PauseReasonOut
from dashboard.security import may_configure
from store import provisioning as p
from store.models import PauseReason

router = APIRouter(prefix="/teams/{team}/pause-reasons", tags=["pause reasons"])


@router.get("", summary="List the team's pause reasons (by code)")
def list_pause_reasons(
    team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> list[PauseReasonOut]:
    may_configure(principal, write=False)
    rows = session.scalars(
        select(PauseReason).where(PauseReason.team_id == team.id).order_by(PauseReason.code)
    )
    return [PauseReasonOut.of(r) for r in rows]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a pause reason")
def create_pause_reason(
    body: PauseReasonCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> PauseReasonOut:
    may_configure(principal, write=True)
    return PauseReasonOut.of(p.create_pause_reason(session, team, body.name, body.code))


@router.get("/{name}", summary="One pause reason")
def get_pause_reason(
    name: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> PauseReasonOut:
    may_configure(principal, write=False)
    return PauseReasonOut.of(p.get_pause_reason(session, team, name))


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a pause reason (groups stop offering it)",
)
def delete_pause_reason(
    name: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> None:
    may_configure(principal, write=True)
    p.delete_pause_reason(session, p.get_pause_reason(session, team, name))

"""/api/v1/teams/{team}/caller-priorities: callers whose queue calls are served first.

A queue call's priority is the higher of its DID's (``/dids``) and its caller's: the
entry whose prefix is the longest start of the caller's number. Configured by admins
and write keys, read by admins and read keys.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.priorities import (
    CallerPriorityCreate,
    CallerPriorityOut,
    CallerPriorityUpdate,
)
from dashboard.security import may_configure
from store.models import CallerPriority
from store.provisioning import skills

router = APIRouter(prefix="/teams/{team}/caller-priorities", tags=["caller priorities"])


@router.get("", summary="List the team's caller priorities")
def list_caller_priorities(
    team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> list[CallerPriorityOut]:
    may_configure(principal, write=False)
    rows = session.scalars(
        select(CallerPriority)
        .where(CallerPriority.team_id == team.id)
        .order_by(CallerPriority.prefix)
    )
    return [CallerPriorityOut.of(r) for r in rows]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Give callers with this prefix a priority"
)
def create_caller_priority(
    body: CallerPriorityCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> CallerPriorityOut:
    may_configure(principal, write=True)
    row = skills.create_caller_priority(session, team, body.prefix, body.priority)
    return CallerPriorityOut.of(row)


@router.get("/{prefix}", summary="One caller priority")
def get_caller_priority(
    prefix: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> CallerPriorityOut:
    may_configure(principal, write=False)
    return CallerPriorityOut.of(skills.get_caller_priority(session, team, prefix))


@router.patch("/{prefix}", summary="Change a caller priority")
def update_caller_priority(
    prefix: str,
    body: CallerPriorityUpdate,
    team: TeamDep,
    principal: PrincipalDep,
    session: SessionDep,
) -> CallerPriorityOut:
    may_configure(principal, write=True)
    row = skills.get_caller_priority(session, team, prefix)
    return CallerPriorityOut.of(skills.update_caller_priority(session, row, body.priority))


@router.delete(
    "/{prefix}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a caller priority"
)
def delete_caller_priority(
    prefix: str, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> None:
    may_configure(principal, write=True)
    skills.delete_caller_priority(session, skills.get_caller_priority(session, team, prefix))

"""/api/v1/teams/{team}/audit and /api/v1/audit: the audit log, newest first, in pages.

A team's admins read their team's entries (a system admin any team's, and all of them at
/api/v1/audit); nobody ever sees another team's. Page on with ``before`` = the answer's
``next_before``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.common import Output, UtcDatetime
from dashboard.security import SYSTEM_ADMIN, TEAM_ADMIN, forbidden
from store.models import AuditEntry

router = APIRouter(tags=["audit"])


class AuditEntryOut(Output):
    id: int
    at: UtcDatetime
    team: str | None
    principal: str = Field(description="who: 'user <login>' or 'api key <id>'")
    role: str
    method: str
    path: str
    object: str
    status: int
    source_ip: str


class AuditPage(Output):
    entries: list[AuditEntryOut]
    next_before: int | None = Field(description="pass as ?before= for the next page; null: end")


Limit = Annotated[int, Query(ge=1, le=500)]
Before = Annotated[int | None, Query(ge=1, le=2**62, description="entries older than this id")]


def _page(session: SessionDep, team: str | None, limit: int, before: int | None) -> AuditPage:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if team is not None:
        query = query.where(AuditEntry.team == team)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        entries=[AuditEntryOut.model_validate(r) for r in rows],
        next_before=rows[-1].id if more and rows else None,
    )


@router.get("/teams/{team}/audit", summary="The team's audit log (team admins), newest first")
def team_audit(
    team: TeamDep,
    principal: PrincipalDep,
    session: SessionDep,
    limit: Limit = 100,
    before: Before = None,
) -> AuditPage:
    if principal.role not in (SYSTEM_ADMIN, TEAM_ADMIN):
        raise forbidden("only the team's admins read its audit log")
    return _page(session, team.slug, limit, before)


@router.get("/audit", summary="The whole audit log (system admins), newest first")
def all_audit(
    principal: PrincipalDep, session: SessionDep, limit: Limit = 100, before: Before = None
) -> AuditPage:
    if principal.role != SYSTEM_ADMIN:
        raise forbidden("only a system admin reads the whole audit log")
    return _page(session, None, limit, before)

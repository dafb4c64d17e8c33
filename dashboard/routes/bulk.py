"""/api/v1/teams/{team}/import/... and /export/...: CSV for extensions and agents.

Team admins (and API keys with write scope for imports) may do both; a group
administrator may export (``can_export``) or import (``can_import``) the agents of
the groups they administer, and nothing else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, SettingsDep, TeamDep
from dashboard.security import GROUP_ADMIN, Principal, forbidden, group_right, may_configure
from store import csv_io
from store.models import AgentGroup, Team

router = APIRouter(prefix="/teams/{team}", tags=["import and export"])

MAX_BYTES = 5 * 1024 * 1024
CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "a CSV file whose first line names its columns",
    }
}


async def read_csv_body(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_BYTES:
        raise HTTPException(413, f"a CSV file may have at most {MAX_BYTES} bytes")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(422, "the CSV file must be UTF-8") from None


CsvBody = Annotated[str, Depends(read_csv_body)]


def administered_groups(
    principal: Principal, session: SessionDep, team: Team, right: str
) -> set[str]:
    groups = session.scalars(select(AgentGroup).where(AgentGroup.team_id == team.id))
    return {g.name for g in groups if group_right(principal, [g.id], right)}


@router.get(
    "/export/extensions.csv",
    response_class=PlainTextResponse,
    summary="Extensions as CSV (no secrets)",
)
def export_extensions(
    team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> PlainTextResponse:
    may_configure(principal, write=False)
    return PlainTextResponse(csv_io.export_extensions(session, team), media_type="text/csv")


@router.post(
    "/import/extensions",
    openapi_extra=CSV_BODY,
    summary="Import extensions from CSV (all or nothing)",
)
def import_extensions(
    text: CsvBody,
    team: TeamDep,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, int]:
    may_configure(principal, write=True)
    return {"imported": csv_io.import_extensions(session, team, text, settings.sip_realm)}


@router.get(
    "/export/agents.csv", response_class=PlainTextResponse, summary="Agents as CSV (no passwords)"
)
def export_agents(team: TeamDep, principal: PrincipalDep, session: SessionDep) -> PlainTextResponse:
    if principal.role == GROUP_ADMIN:
        allowed = administered_groups(principal, session, team, "export")
        if not allowed:
            raise forbidden("you may not export statements of any group")
        text = csv_io.export_agents(
            session, team, lambda a: any(g.name in allowed for g in a.groups)
        )
    else:
        may_configure(principal, write=False)
        text = csv_io.export_agents(session, team)
    return PlainTextResponse(text, media_type="text/csv")


@router.post(
    "/import/agents", openapi_extra=CSV_BODY, summary="Import agents from CSV (all or nothing)"
)
def import_agents(
    text: CsvBody, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> dict[str, int]:
    if principal.role == GROUP_ADMIN:
        allowed = administered_groups(principal, session, team, "import")
        if not allowed:
            raise forbidden("you may not import data into any group")
        return {"imported": csv_io.import_agents(session, team, text, lambda g: g in allowed)}
    may_configure(principal, write=True)
    return {"imported": csv_io.import_agents(session, team, text)}

"""/api/v1/teams/{team}/recordings: the team's call recordings and their audio (WAV).

Who sees a recording: the team's administrators and its API keys (read scope is
enough); an administrator of an agent group holding the ``record`` right, for the
group's queue calls and the calls of its agents; an agent, for its own calls. Anyone
else sees none: the list is empty for them and a recording is 404, as if it did not
exist. Call control writes the rows and files (``callcontrol.recorder``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse
from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from dashboard.deps import ReadPrincipalDep, ReadSessionDep, ReadTeamDep, SettingsDep
from dashboard.schemas.recordings import RecordingOut, RecordingsOut
from dashboard.security import AGENT, API, GROUP_ADMIN, SYSTEM_ADMIN, TEAM_ADMIN, Principal
from store.models import Agent, AgentGroup, Recording, Team

router = APIRouter(prefix="/teams/{team}/recordings", tags=["recordings"])

LIST_LIMIT = 500


def visible(principal: Principal, session: Session, team: Team) -> ColumnElement[bool]:
    """The recordings of ``team`` this principal may see, as a SQL condition."""
    table = Recording.__table__.c
    if principal.role in (SYSTEM_ADMIN, TEAM_ADMIN, API):
        return table.team == team.slug
    if principal.role == AGENT and principal.agent_id is not None:
        agent = session.get(Agent, principal.agent_id)
        if agent is None:
            return false()
        return (table.team == team.slug) & (table.agent == agent.number)
    if principal.role == GROUP_ADMIN:
        ids = [g for g, rights in principal.admin_of.items() if rights.can_record]
        groups = session.scalars(select(AgentGroup).where(AgentGroup.id.in_(ids))).all()
        names = [g.name for g in groups if g.team_id == team.id]
        agents = {a.number for g in groups if g.team_id == team.id for a in g.agents}
        if not names:
            return false()
        return (table.team == team.slug) & or_(
            table.group_name.in_(names), table.agent.in_(sorted(agents))
        )
    return false()


@router.get("", summary="The team's recordings one may hear, newest first")
def list_recordings(
    team: ReadTeamDep,
    principal: ReadPrincipalDep,
    session: ReadSessionDep,
    agent: Annotated[str | None, Query(max_length=16, description="agent number")] = None,
    call: Annotated[str | None, Query(max_length=200, description="the call's id")] = None,
    from_: Annotated[datetime | None, Query(alias="from", description="started at or after")] = (
        None
    ),
    to: Annotated[datetime | None, Query(description="started before")] = None,
) -> RecordingsOut:
    table = Recording.__table__.c
    query = select(Recording).where(visible(principal, session, team))
    filters: list[Any] = []
    if agent:
        filters.append(table.agent == agent)
    if call:
        filters.append(table.call_id == call)
    if from_ is not None:
        filters.append(table.started_at >= from_)
    if to is not None:
        filters.append(table.started_at < to)
    rows = session.scalars(
        query.where(*filters).order_by(table.started_at.desc(), table.id.desc()).limit(LIST_LIMIT)
    ).all()
    return RecordingsOut(recordings=[RecordingOut.model_validate(r) for r in rows])


def _recording(principal: Principal, session: Session, team: Team, rid: int) -> Recording:
    found = session.scalars(
        select(Recording).where(Recording.id == rid, visible(principal, session, team))
    ).first()
    if found is None:
        raise HTTPException(404, f"recording {rid} not found")
    return found


@router.get("/{rid}", summary="One recording")
def get_recording(
    rid: int, team: ReadTeamDep, principal: ReadPrincipalDep, session: ReadSessionDep
) -> RecordingOut:
    return RecordingOut.model_validate(_recording(principal, session, team, rid))


@router.get(
    "/{rid}/audio",
    summary="The recording's audio (WAV, 8 kHz mono)",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}}, 409: {"description": "not ready yet"}},
)
def recording_audio(
    rid: int,
    team: ReadTeamDep,
    principal: ReadPrincipalDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> FileResponse:
    found = _recording(principal, session, team, rid)
    if found.state != "ready":
        raise HTTPException(409, f"recording {rid} is {found.state}, not ready")
    root = Path(settings.recordings_dir).resolve()
    path = (root / found.file).resolve()
    if root not in path.parents or not path.is_file():
        raise HTTPException(404, f"the audio of recording {rid} is missing")
    return FileResponse(
        path, media_type="audio/wav", filename=f"{found.call_id}-{found.number}.wav"
    )

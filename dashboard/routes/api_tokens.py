"""/api/v1/teams/{team}/api-tokens: keys for business systems, scoped to the team.

The secret is shown once, when the key is made; only its SHA-256 is stored.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import Select, select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.people import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from dashboard.security import issue_token, may_manage_people
from store.errors import NotFound
from store.models import ApiToken

router = APIRouter(prefix="/teams/{team}/api-tokens", tags=["API keys"])


def _keys_of(team_id: int) -> Select[tuple[ApiToken]]:
    """The team's business-system keys: no user, no agent (those are login sessions)."""
    return select(ApiToken).where(
        ApiToken.team_id == team_id, ApiToken.user_id.is_(None), ApiToken.agent_id.is_(None)
    )


@router.get("", summary="List the team's API keys (never their secrets)")
def list_api_keys(team: TeamDep, principal: PrincipalDep, session: SessionDep) -> list[ApiKeyOut]:
    may_manage_people(principal)
    return [ApiKeyOut.of(k) for k in session.scalars(_keys_of(team.id).order_by(ApiToken.id))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Make an API key; its secret is returned only now",
)
def create_api_key(
    body: ApiKeyCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> ApiKeyCreated:
    may_manage_people(principal)
    token, row = issue_token(session, body.name, team_id=team.id, scope=body.scope)
    return ApiKeyCreated(token=token, **ApiKeyOut.of(row).model_dump())


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke an API key")
def delete_api_key(id: int, team: TeamDep, principal: PrincipalDep, session: SessionDep) -> None:
    may_manage_people(principal)
    key = session.scalars(_keys_of(team.id).where(ApiToken.id == id)).one_or_none()
    if key is None:
        raise NotFound(f"API key {id} not found")
    session.delete(key)

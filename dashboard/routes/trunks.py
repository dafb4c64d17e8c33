"""/api/v1/teams/{team}/trunks: carriers. The password is write-only (``has_password``)."""

from __future__ import annotations

from typing import Any

import redis
from fastapi import APIRouter, Request, status
from sqlalchemy import select

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.schemas.trunks import TrunkCreate, TrunkOut, TrunkUpdate
from dashboard.security import may_configure
from routing.trunks import REGISTRATION_STATES, REGISTRATIONS_KEY
from store import provisioning as p
from store.models import Trunk

router = APIRouter(prefix="/teams/{team}/trunks", tags=["trunks"])


def registrations(request: Request) -> dict[str, str]:
    """The SIP edge's report of registering trunks' states (Redis); {} when unreadable."""
    client: Any = getattr(request.app.state, "trunk_registrations", None)
    if client is None:
        url = request.app.state.settings.redis_url
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        request.app.state.trunk_registrations = client
    try:
        raw = client.hgetall(REGISTRATIONS_KEY)
    except redis.RedisError:
        return {}
    states = {k.decode(): v.decode() for k, v in raw.items()}
    return {k: v for k, v in states.items() if v in REGISTRATION_STATES}


@router.get("", summary="List the team's trunks")
def list_trunks(
    team: TeamDep, principal: PrincipalDep, session: SessionDep, request: Request
) -> list[TrunkOut]:
    may_configure(principal, write=False)
    rows = session.scalars(select(Trunk).where(Trunk.team_id == team.id).order_by(Trunk.name))
    states = registrations(request)
    return [TrunkOut.of(t, states) for t in rows]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a trunk (by source address or registration login)",
)
def create_trunk(
    body: TrunkCreate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> TrunkOut:
    may_configure(principal, write=True)
    settings = body.settings()
    p.check_trunk_address_allowed(session, team, settings.get("address"))
    return TrunkOut.of(p.create_trunk(session, team, body.name, **settings))


@router.get("/{name}", summary="One trunk")
def get_trunk(
    name: str, team: TeamDep, principal: PrincipalDep, session: SessionDep, request: Request
) -> TrunkOut:
    may_configure(principal, write=False)
    return TrunkOut.of(p.get_trunk(session, team, name), registrations(request))


@router.patch("/{name}", summary="Change a trunk (its name is its identity)")
def update_trunk(
    name: str, body: TrunkUpdate, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> TrunkOut:
    may_configure(principal, write=True)
    trunk, changes = p.get_trunk(session, team, name), body.changes()
    if changes.get("address") is not None and changes["address"] != trunk.address:
        p.check_trunk_address_allowed(session, team, changes["address"])
    return TrunkOut.of(p.update_trunk(session, trunk, changes))


@router.delete(
    "/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a trunk nothing uses"
)
def delete_trunk(name: str, team: TeamDep, principal: PrincipalDep, session: SessionDep) -> None:
    may_configure(principal, write=True)
    p.delete_trunk(session, p.get_trunk(session, team, name))

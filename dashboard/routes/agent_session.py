"""/api/v1/agent/session: an agent signs in and out, pauses with a reason, ends its ACW.

Authenticated with the agent's own token (``POST /api/v1/auth/agent-login``). Every
change goes through the ACD state machine and is stored in Redis (where call control
reads it before each offer) with its event, and in the agent activity log. A refused
change answers 409 with the machine's reason as ``error_id`` (``not_idle_or_acw``,
``busy``, ``fixed_agent``, ...).

A *dynamic* agent signs in from the browser on its own computer: the API binds it to the
team's soft phone registered from the same IP address as the request (the edge records
each phone's registration source, ``RedisAcd.users_registered_from``) -- the first one no
other agent uses -- with the same binding ``*64`` makes for self-adapting agents (who
keep choosing their phone by dialling ``*64`` from it). Behind a reverse proxy the client
address must be the browser's (uvicorn's ``--proxy-headers``).
"""

from __future__ import annotations

from typing import Any, Literal

import redis
from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.deps import PrincipalDep, SessionDep
from dashboard.security import AGENT, forbidden
from routing.acd import machine, sqlstore
from routing.acd.config import agent_id
from routing.acd.model import AgentLive, State
from routing.acd.sqlstore import store_agent_event
from routing.acd.states import AgentStates, Changed
from store import pausing
from store.errors import Invalid, StoreError
from store.models import Agent, Extension, Team

router = APIRouter(prefix="/agent/session", tags=["agent session"])

LEASE_MS = 5000  # only used for offers, which the API never makes


class Refused(StoreError):
    """The state machine refused the change; ``error_id`` is its reason."""

    status_code = 409

    def __init__(self, code: str) -> None:
        super().__init__(f"refused: {code.replace('_', ' ')}", {"reason": code})
        self.error_id = code


class PauseIn(BaseModel):
    reason: str = Field(
        min_length=1,
        max_length=64,
        description="one of the team's pause reasons that every agent group of the agent "
        "with its own list allows",
    )


class NoFreePhone(StoreError):
    """A dynamic agent signed in where no free soft phone of its team is registered."""

    status_code = 409
    error_id = "no_free_phone"


class ExtensionTaken(StoreError):
    """A self-adapting agent chose a phone another agent holds."""

    status_code = 409
    error_id = "extension_in_use"


class SignedInElsewhere(StoreError):
    """A self-adapting agent still signed in at one phone asked for another."""

    status_code = 409
    error_id = "signed_in_elsewhere"


class SignInIn(BaseModel):
    extension: str = Field(
        "",
        max_length=16,
        description="self-adapting agents only (and required for them): the team's extension "
        "number to take calls at, e.g. 5007",
    )


class SessionOut(BaseModel):
    agent: str
    state: str
    extension: str = Field("", description="SIP user of the phone the agent takes calls at")
    pause_reason: str = ""
    pause_after_call: str = ""
    acw_until_ms: int = 0
    way: str = Field("", description="the working way in effect: dial_in, dial_out or all")
    version: int


def _states(request: Request) -> AgentStates:
    states: AgentStates | None = getattr(request.app.state, "agent_states", None)
    if states is None:
        client = redis.Redis.from_url(request.app.state.settings.redis_url, socket_timeout=2)
        states = AgentStates(client, LEASE_MS)
        request.app.state.agent_states = states
    return states


def _agent(principal: PrincipalDep, session: Session) -> tuple[str, Agent]:
    if principal.role != AGENT or principal.agent_id is None:
        raise forbidden("log in as an agent (POST /api/v1/auth/agent-login)")
    agent = session.get(Agent, principal.agent_id)
    team = session.get(Team, principal.team_id) if agent is not None else None
    if agent is None or team is None:
        raise HTTPException(404, "agent not found")
    return agent_id(team.slug, agent.number), agent


def _out(agent_id: str, live: AgentLive, extension: str = "") -> SessionOut:
    return SessionOut(
        agent=agent_id.partition("/")[2],
        state=str(live.state),
        extension=extension,
        pause_reason=live.pause_reason,
        pause_after_call=live.pause_after_call,
        acw_until_ms=live.acw_until_ms,
        way=str(live.way),
        version=live.version,
    )


def _change(
    request: Request, session: Session, principal: Any, command: machine.Command, already: str = ""
) -> SessionOut:
    agent_id, _agent_row = _agent(principal, session)
    config = sqlstore.read_config(session.connection())  # this request's transaction
    states = _states(request)
    result = states.apply(config, agent_id, command)
    if isinstance(result, Changed):
        # The change already happened in Redis; the log rides on this request's
        # transaction (committed as the handler returns). A second connection would wait
        # on this one's SQLite write lock.
        store_agent_event(session.connection(), result.event)
        return _out(agent_id, result.live, states.extension(config, agent_id))
    if result.code == already:  # e.g. signing in a fixed (always signed-in) agent
        live = states.live(config, agent_id)
        assert live is not None
        return _out(agent_id, live, states.extension(config, agent_id))
    raise Refused(result.code)


def phone_candidates(registered: list[str], team: str, fixed: set[str]) -> list[str]:
    """The phones a dynamic agent of ``team`` may take, in order: the team's SIP users
    registered from the browser's address, minus fixed agents' extensions."""
    return [user for user in registered if user.startswith(f"{team}-") and user not in fixed]


def _bind_dynamic(request: Request, session: Session, principal: Any) -> None:
    """Bind a dynamic agent to the first free phone registered from the client's IP."""
    agent_id, _agent_row = _agent(principal, session)
    states = _states(request)
    config = sqlstore.read_config(session.connection())
    if states.extension(config, agent_id):
        live = states.live(config, agent_id)
        if live is not None and live.state != State.SIGNED_OUT:
            return  # already signed in at a phone: it keeps that one
        states.unbind_extension(agent_id)  # a stale binding: from wherever it is now
    ip = request.client.host if request.client is not None else ""
    team = agent_id.partition("/")[0]
    fixed = {c.extension for c in config.agents.values() if c.fixed and c.extension}
    candidates = phone_candidates(states.acd.users_registered_from(ip), team, fixed)
    taken: dict[str, str] = {}
    for user in candidates:
        owner = states.bind_extension(agent_id, user)
        if not owner:
            return
        taken[user] = owner.partition("/")[2]
    raise NoFreePhone(
        f"no free soft phone of team {team} is registered from {ip}: register one on this "
        "computer, then sign in again",
        {"client_ip": ip, "registered": candidates, "used_by": taken},
    )


def _bind_chosen(request: Request, session: Session, principal: Any, number: str) -> None:
    """Bind a self-adapting agent to the team's extension ``number`` it chose: any
    extension of the team no other agent holds (a fixed agent's phone included)."""
    agent_id, agent_row = _agent(principal, session)
    team = agent_id.partition("/")[0]
    exists = session.scalar(
        select(Extension.id).where(
            Extension.team_id == agent_row.team_id, Extension.number == number
        )
    )
    if exists is None:
        raise Invalid("extension", f"team {team} has no extension {number}")
    user = f"{team}-{number}"
    states = _states(request)
    config = sqlstore.read_config(session.connection())
    current = states.extension(config, agent_id)
    if current and current != user:
        live = states.live(config, agent_id)
        if live is not None and live.state != State.SIGNED_OUT:
            raise SignedInElsewhere(
                f"agent {agent_row.number} is signed in at {current}: sign out first",
                {"extension": current},
            )
        states.unbind_extension(agent_id)  # a stale binding from an earlier session
    holder = states.take_extension(config, agent_id, user)
    if holder:
        raise ExtensionTaken(
            f"extension {number} is used by agent {holder.partition('/')[2]}",
            {"extension": number, "used_by": holder.partition("/")[2]},
        )


@router.get("", summary="This agent's live state")
def get_session(request: Request, principal: PrincipalDep, session: SessionDep) -> SessionOut:
    agent_id, _ = _agent(principal, session)
    config = sqlstore.read_config(session.connection())  # this request's transaction
    states = _states(request)
    live = states.live(config, agent_id)
    if live is None:
        raise HTTPException(404, "agent not found")
    return _out(agent_id, live, states.extension(config, agent_id))


@router.post(
    "/sign-in",
    summary="Sign in (a fixed agent is always signed in; a self-adapting agent names the "
    "extension it takes calls at; a dynamic agent takes the soft phone registered from this "
    "browser's computer)",
)
def sign_in(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    body: SignInIn | None = None,
) -> SessionOut:
    _, agent = _agent(principal, session)
    chosen = body.extension.strip() if body is not None else ""
    if agent.binding == "self_adapting":
        if not chosen:
            raise Invalid("extension", "a self-adapting agent names the extension it signs in at")
        _bind_chosen(request, session, principal, chosen)
    elif chosen:
        raise Invalid(
            "extension",
            f"only self-adapting agents choose their phone (this one is {agent.binding})",
        )
    elif agent.binding == "dynamic":
        _bind_dynamic(request, session, principal)
    try:
        return _change(
            request, session, principal, machine.Command("sign_in"), already="already_signed_in"
        )
    except Refused:
        if agent.binding != "fixed":
            _states(request).unbind_extension(_agent(principal, session)[0])
        raise


@router.post("/sign-out", summary="Sign out (not during a call; never for a fixed agent)")
def sign_out(request: Request, principal: PrincipalDep, session: SessionDep) -> SessionOut:
    out = _change(request, session, principal, machine.Command("sign_out"))
    _states(request).unbind_extension(_agent(principal, session)[0])  # its phone is free again
    return out


@router.post("/pause", summary="Pause with a reason (from idle or ACW only)")
def pause(
    body: PauseIn, request: Request, principal: PrincipalDep, session: SessionDep
) -> SessionOut:
    _, agent = _agent(principal, session)
    refused = pausing.refusal(session, agent, body.reason)
    if refused is not None:
        raise Invalid("reason", refused)
    return _change(request, session, principal, machine.Command("pause", reason=body.reason))


@router.post("/unpause", summary="Back to idle from a pause")
def unpause(request: Request, principal: PrincipalDep, session: SessionDep) -> SessionOut:
    return _change(request, session, principal, machine.Command("unpause"))


class WayIn(BaseModel):
    way: Literal["dial_in", "dial_out", "all"] = Field(
        description="dial_in: takes queue calls; dial_out: makes calls (click-to-dial, its "
        "phone); all: both"
    )


@router.post(
    "/working-way",
    summary="Choose the working way in effect (agents whose way is self-selection; 409 "
    "way_not_selectable for the others)",
)
def select_way(
    body: WayIn, request: Request, principal: PrincipalDep, session: SessionDep
) -> SessionOut:
    return _change(request, session, principal, machine.Command("select_way", way=body.way))


@router.post("/acw/submit", summary="End after-call work now")
def submit_acw(request: Request, principal: PrincipalDep, session: SessionDep) -> SessionOut:
    return _change(request, session, principal, machine.Command("acw_submit"))

"""Explain: "why is this call still waiting?" and "why is (not) this agent offered calls?"

``GET /teams/{team}/agent-groups/{name}/explain`` and ``GET /teams/{team}/agents/{number}/explain``
answer from the ACD core's explain functions (``routing.acd.explain``) over the live state
in Redis, loaded into a fresh reference index for each request (nothing is changed).
Team admins, API keys, and group administrators for their groups may ask.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from dashboard.deps import PrincipalDep, SessionDep, TeamDep
from dashboard.responses import ErrorOut
from dashboard.security import AGENT, GROUP_ADMIN, forbidden, may_configure, may_read_group
from routing.acd import explain
from routing.acd.config import agent_id
from routing.acd.redis_store import RedisAcd
from routing.acd.selector import PySelector
from routing.acd.states import now_ms
from store import provisioning as p
from store.errors import StoreError

log = logging.getLogger(__name__)

group_router = APIRouter(prefix="/teams/{team}/agent-groups", tags=["agent groups"])
agent_router = APIRouter(prefix="/teams/{team}/agents", tags=["agents"])

UNAVAILABLE = {503: {"model": ErrorOut, "description": "the live state (Redis) is unreachable"}}
REASONS = (
    "why an agent is not offered the call, the first that applies: not_member; its state "
    "(signed_out, offered, on_call, acw, paused: detail is the pause reason); "
    "unregistered (its phone); dial_out_only (working way); missing_skill (detail: the "
    'skill) or skill_too_low ("french 2<3"); penalty_too_high ("2>0": its penalty '
    "above what the call's wait allows so far); unknown_agent (not loaded by call control)"
)


class AcdUnavailable(StoreError):
    status_code = 503
    error_id = "acd_unavailable"


class AgentReason(BaseModel):
    agent: str
    eligible: bool
    reason: str = Field(description=REASONS)
    detail: str
    rank: int | None = Field(description="0: offered first (among eligible agents)")


class CallExplained(BaseModel):
    call: str | None = Field(description="the waiting call's id; null: a call arriving now")
    status: str = Field(description="offered, agents_available or no_eligible_agent")
    priority: int
    waited_ms: int
    allowed_penalty: int = Field(description="the highest member penalty its wait allows")
    offered_to: list[str]
    agents: list[AgentReason]


class GroupExplained(BaseModel):
    group: str
    strategy: str
    waiting: list[CallExplained] = Field(description="waiting calls, in service order")
    new_call: CallExplained = Field(description="what a call arriving now would meet")


class GroupReason(BaseModel):
    group: str
    waiting: int = Field(description="calls waiting in the group")
    call: str | None = Field(
        description="the call the agent would take next there; null: none waits, "
        "the answer is for a call arriving now"
    )
    eligible: bool
    reason: str = Field(description=REASONS)
    detail: str
    rank: int | None
    offered_to: list[str] = Field(description="agents that call is being offered to")


class AgentExplained(BaseModel):
    agent: str
    state: str = Field(description="live state; unknown: not loaded by call control")
    registered: bool
    way: str
    pause_reason: str
    groups: list[GroupReason]


def _live_index(request: Request) -> PySelector:
    """The live ACD state, loaded into a reference index of this request's own."""
    acd: RedisAcd | None = getattr(request.app.state, "explain_acd", None)
    if acd is None:
        client = redis.Redis.from_url(request.app.state.settings.redis_url, socket_timeout=2)
        acd = request.app.state.explain_acd = RedisAcd(client)
    selector = PySelector()
    try:
        acd.bootstrap(selector)
    except redis.RedisError as exc:
        log.warning("explain: the ACD state in Redis is unreachable: %s", exc)
        raise AcdUnavailable("the live state is unreachable; try again") from None
    return selector


@group_router.get(
    "/{name}/explain",
    summary="Why its calls are still waiting: per waiting call, each member's reason",
    responses=UNAVAILABLE,  # type: ignore[arg-type]
)
def explain_group(
    name: str, request: Request, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> GroupExplained:
    if principal.role != GROUP_ADMIN:
        may_configure(principal, write=False)
    group = p.get_agent_group(session, team, name)
    may_read_group(principal, group.id)
    answer: dict[str, Any] = explain.explain_group(
        _live_index(request), f"{team.slug}/{group.name}", now_ms()
    )
    return GroupExplained(group=group.name, strategy=group.strategy, **answer)


@agent_router.get(
    "/{number}/explain",
    summary="Why the agent is (not) offered calls: per group it serves, the reason",
    responses=UNAVAILABLE,  # type: ignore[arg-type]
)
def explain_agent(
    number: str, request: Request, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> AgentExplained:
    if principal.role == AGENT:
        raise forbidden("administrators and API keys ask why an agent is offered calls")
    if principal.role != GROUP_ADMIN:
        may_configure(principal, write=False)
    agent = p.get_agent(session, team, number)
    groups = agent.groups
    if principal.role == GROUP_ADMIN:  # only the groups they administer
        groups = [g for g in groups if g.id in principal.admin_of]
        if not groups:
            raise forbidden("you administer none of this agent's groups")
    selector = _live_index(request)
    aid = agent_id(team.slug, agent.number)
    live = selector.live(aid)
    names = sorted(f"{team.slug}/{g.name}" for g in groups)
    return AgentExplained(
        agent=agent.number,
        state=str(live.state) if live else "unknown",
        registered=live.registered if live else False,
        way=str(live.way) if live else "",
        pause_reason=live.pause_reason if live else "",
        groups=[
            GroupReason(**row) for row in explain.explain_agent(selector, aid, names, now_ms())
        ],
    )

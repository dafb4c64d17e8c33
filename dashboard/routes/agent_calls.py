"""/api/v1/agent/calls and /api/v1/teams/{team}/agents/{number}/calls: an agent's live calls.

An agent (with its own token, ``POST /api/v1/auth/agent-login``) or a business system (a
team API key; team admins too, as on every team route: write scope to command, read
scope to look) calls a target from the agent's phone (click-to-dial), lists the agent's
calls, holds, resumes, transfers and hangs up. Call control holds each live call in one
node's memory and runs every command (``calls.channel``): the API reads the call views it
publishes and refuses, before sending anything, what it can already tell:

* another agent's call, or none: 404 ``call_not_found`` (as if it did not exist);
* a click-to-dial for an agent whose working way in effect is not dial-out (call
  control's rule: the ACD's ``outbound_start``): 403 ``outbound_not_allowed``; for a
  signed-out agent: 409 ``not_signed_in``. Call control checks again when it dials.

Call control's refusals keep its status and ``error_id``; no reply in time (or Redis
unreachable) is 503 ``call_control_unavailable``. Handlers wait for the reply (up to
``WebSettings.call_control_timeout_s``) in a read transaction (``ReadSessionDep``): a write
transaction would hold SQLite's one write lock, which every other writer needs, as long.
"""

# No ``from __future__ import annotations``: the routes made in ``_add_routes`` annotate a
# dependency passed to it, which FastAPI could not find again from a string annotation.

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import redis
from fastapi import APIRouter, Depends, HTTPException, Path, Request, status

from calls.channel import CallChannel, Command, Reply
from dashboard.deps import READ_METHODS, ReadPrincipalDep, ReadSessionDep, ReadTeamDep
from dashboard.responses import ErrorOut
from dashboard.schemas.calls import CallOut, CallsOut, ConferenceIn, ConsultIn, DialIn, TransferIn
from dashboard.schemas.recordings import RecordingIn
from dashboard.security import AGENT, forbidden, may_configure
from routing.acd.config import agent_id
from routing.acd.model import AgentLive, State
from routing.acd.redis_store import RedisAcd
from routing.policy import DIAL_IN_ONLY
from store import provisioning as p
from store.errors import StoreError
from store.models import Agent, Team

log = logging.getLogger("switchboard.api")

UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "call control did not answer in time"}
}
router = APIRouter(prefix="/agent", tags=["agent calls"], responses=UNAVAILABLE)
team_router = APIRouter(
    prefix="/teams/{team}/agents/{number}", tags=["agent calls"], responses=UNAVAILABLE
)

SOCKET_MARGIN_S = 5.0  # the Redis socket must outlast the reply's BLPOP, or it times out first

CallId = Annotated[str, Path(min_length=1, max_length=128)]
PartyId = Annotated[str, Path(min_length=1, max_length=64)]


class CallNotFound(StoreError):
    status_code = 404
    error_id = "call_not_found"


class OutboundNotAllowed(StoreError):
    status_code = 403
    error_id = "outbound_not_allowed"


class NotSignedIn(StoreError):
    status_code = 409
    error_id = "not_signed_in"


class CallControlUnavailable(StoreError):
    status_code = 503
    error_id = "call_control_unavailable"


class CallControlRefused(StoreError):
    """Call control's refusal, passed on: its status, ``error_id`` and message."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(
            reply.message or reply.error_id, {"call": reply.call} if reply.call else {}
        )
        self.status_code = reply.status if 400 <= reply.status < 600 else 502
        self.error_id = reply.error_id or "call_control_refused"


@dataclass(frozen=True)
class Owner:
    """The agent whose calls a request is about."""

    agent_id: str
    working_way: str  # the store's: dial_in | dial_out | all | self_selection


@dataclass(frozen=True)
class CallControl:
    channel: CallChannel
    acd: RedisAcd  # agents' live states, for the click-to-dial checks
    timeout_s: float


def call_control(request: Request) -> CallControl:
    """One Redis client for the app (its pool serves every handler thread), made lazily."""
    found: CallControl | None = getattr(request.app.state, "call_control", None)
    if found is None:
        timeout_s = float(request.app.state.settings.call_control_timeout_s)
        client = redis.Redis.from_url(
            request.app.state.settings.redis_url,
            socket_timeout=timeout_s + SOCKET_MARGIN_S,
            socket_connect_timeout=2,
        )
        found = CallControl(CallChannel(client), RedisAcd(client), timeout_s)
        request.app.state.call_control = found
    return found


# --- whose calls -------------------------------------------------------------------------


def agent_token_owner(principal: ReadPrincipalDep, session: ReadSessionDep) -> Owner:
    """The signed-in agent itself."""
    if principal.role != AGENT or principal.agent_id is None:
        raise forbidden("log in as an agent (POST /api/v1/auth/agent-login)")
    agent = session.get(Agent, principal.agent_id)
    team = session.get(Team, principal.team_id) if agent is not None else None
    if agent is None or team is None:
        raise HTTPException(404, "agent not found")
    return Owner(agent_id(team.slug, agent.number), agent.working_way)


def team_agent_owner(
    number: str,
    request: Request,
    team: ReadTeamDep,
    principal: ReadPrincipalDep,
    session: ReadSessionDep,
) -> Owner:
    """Agent ``number`` of the path's team, for its admins and keys."""
    may_configure(principal, write=request.method not in READ_METHODS)
    agent = p.get_agent(session, team, number)
    return Owner(agent_id(team.slug, agent.number), agent.working_way)


# --- the operations ------------------------------------------------------------------------


@contextmanager
def reachable() -> Iterator[None]:
    try:
        yield
    except redis.RedisError as exc:
        log.warning("call control's Redis not reachable: %s", exc)
        raise CallControlUnavailable("call control is not reachable") from exc


def dial(request: Request, owner: Owner, to: str) -> CallOut:
    control = call_control(request)
    with reachable():
        _check_may_dial(owner, control.acd.live(owner.agent_id))
        view = send_command(control, Command("dial", owner.agent_id, args={"to": to}))
    if view is None:
        raise CallControlRefused(Reply(False, 502, "", "call control answered without the call"))
    return CallOut.model_validate(view)


def _check_may_dial(owner: Owner, live: AgentLive | None) -> None:
    """Call control's rule: only in a way that calls out (dial-out or all; never for a
    dial-in agent; a self-selecting one once it selected dial-out or all). Then signed in."""
    if owner.working_way == DIAL_IN_ONLY or (live is not None and not live.way.calls_out):
        why = (
            "works dial-in (queue calls only)"
            if owner.working_way == DIAL_IN_ONLY
            else "is in its dial-in way (select dial_out or all first)"
        )
        raise OutboundNotAllowed(
            f"agent {owner.agent_id} {why}: it may not call out",
            {"working_way": owner.working_way, "way": str(live.way) if live else ""},
        )
    if live is None or live.state == State.SIGNED_OUT:
        raise NotSignedIn(f"agent {owner.agent_id} is not signed in", {"agent": owner.agent_id})


def calls_of(request: Request, owner: Owner) -> CallsOut:
    with reachable():
        views = call_control(request).channel.agent_views(owner.agent_id)
    return CallsOut(calls=[CallOut.model_validate(v) for v in views])


def call_of(request: Request, owner: Owner, call: str) -> CallOut:
    with reachable():
        return CallOut.model_validate(_owned_view(call_control(request), owner, call))


def command(
    request: Request, owner: Owner, call: str, op: str, args: dict[str, Any] | None = None
) -> CallOut | None:
    """``op`` on the owner's ``call``, sent to the node holding it (nothing is sent for a
    call that is not the owner's)."""
    control = call_control(request)
    with reachable():
        view = _owned_view(control, owner, call)
        sent = Command(op, owner.agent_id, call, args or {})
        after = send_command(control, sent, node=str(view.get("node", "")))
    return None if after is None else CallOut.model_validate(after)


def _owned_view(control: CallControl, owner: Owner, call: str) -> dict[str, Any]:
    view = control.channel.view(call)
    if view is None or view.get("agent") != owner.agent_id:
        raise CallNotFound(f"call {call} not found", {"call": call})
    return view


def send_command(control: CallControl, sent: Command, node: str = "") -> dict[str, Any] | None:
    reply = control.channel.request(sent, node=node, timeout_s=control.timeout_s)
    if not reply.ok:
        if reply.status == 503:
            log.warning("call control did not answer %s for %s", sent.op, sent.agent)
        raise CallControlRefused(reply)
    return reply.call


# --- the routes, once per way of naming the agent ----------------------------------------


def _add_routes(into: APIRouter, owner_of: Callable[..., Owner]) -> None:
    """The same routes for the agent's own token and for its team's admins and keys:
    only how the agent is found differs (``owner_of``)."""
    OwnerOf = Annotated[Owner, Depends(owner_of)]

    @into.post(
        "/calls",
        status_code=status.HTTP_201_CREATED,
        summary="Call a target from the agent's phone (click-to-dial)",
    )
    def dial_call(body: DialIn, request: Request, owner: OwnerOf) -> CallOut:
        return dial(request, owner, body.to)

    @into.get("/calls", summary="The agent's live calls")
    def list_calls(request: Request, owner: OwnerOf) -> CallsOut:
        return calls_of(request, owner)

    @into.get("/calls/{call}", summary="One live call of the agent")
    def get_call(call: CallId, request: Request, owner: OwnerOf) -> CallOut:
        return call_of(request, owner, call)

    @into.post("/calls/{call}/hold", summary="Put the other party on hold")
    def hold_call(call: CallId, request: Request, owner: OwnerOf) -> CallOut | None:
        return command(request, owner, call, "hold")

    @into.post("/calls/{call}/resume", summary="Take the other party off hold")
    def resume_call(call: CallId, request: Request, owner: OwnerOf) -> CallOut | None:
        return command(request, owner, call, "resume")

    @into.post(
        "/calls/{call}/transfer",
        summary='Transfer: {"to"} blind; {} completes the consultation (attended)',
    )
    def transfer_call(
        call: CallId, body: TransferIn, request: Request, owner: OwnerOf
    ) -> CallOut | None:
        return command(request, owner, call, "transfer", {"to": body.to} if body.to else {})

    @into.post("/calls/{call}/consult", summary="Consult a target; the customer hears music")
    def consult_call(
        call: CallId, body: ConsultIn, request: Request, owner: OwnerOf
    ) -> CallOut | None:
        return command(request, owner, call, "consult", {"to": body.to})

    @into.post(
        "/calls/{call}/consult/cancel", summary="Hang up the consultee: back to the customer"
    )
    def cancel_consult(call: CallId, request: Request, owner: OwnerOf) -> CallOut | None:
        return command(request, owner, call, "consult_cancel")

    @into.post(
        "/calls/{call}/conference",
        summary='Conference: {} joins the consultee (three-way); {"to"} adds a party (up to 30)',
    )
    def conference_call(
        call: CallId, body: ConferenceIn, request: Request, owner: OwnerOf
    ) -> CallOut | None:
        return command(request, owner, call, "conference", {"to": body.to} if body.to else {})

    @into.post("/calls/{call}/parties/{party}/mute", summary="Nobody hears this party")
    def mute_party(
        call: CallId, party: PartyId, request: Request, owner: OwnerOf
    ) -> CallOut | None:
        return command(request, owner, call, "mute", {"party": party})

    @into.post("/calls/{call}/parties/{party}/unmute", summary="The party is heard again")
    def unmute_party(
        call: CallId, party: PartyId, request: Request, owner: OwnerOf
    ) -> CallOut | None:
        return command(request, owner, call, "unmute", {"party": party})

    @into.delete("/calls/{call}/parties/{party}", summary="Hang up one party of the call")
    def hang_up_party(
        call: CallId, party: PartyId, request: Request, owner: OwnerOf
    ) -> CallOut | None:
        return command(request, owner, call, "hangup_party", {"party": party})

    @into.post(
        "/calls/{call}/recording",
        summary="Record the call: start, pause (card numbers), resume, stop",
    )
    def record_call(
        call: CallId, body: RecordingIn, request: Request, owner: OwnerOf
    ) -> CallOut | None:
        return command(request, owner, call, "record", {"action": body.action})

    @into.delete("/calls/{call}", summary="Hang up the whole call")
    def hang_up_call(call: CallId, request: Request, owner: OwnerOf) -> CallOut | None:
        return command(request, owner, call, "hangup")


_add_routes(router, agent_token_owner)
_add_routes(team_router, team_agent_owner)

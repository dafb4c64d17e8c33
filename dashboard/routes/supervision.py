"""/api/v1/teams/{team}/agents/{number}/supervision: an administrator of the agent's group
monitors or barges into the agent's live call, and switches modes live.

Only a group administrator holding the mode's right (``monitor`` / ``whisper`` /
``barge`` of ``/agent-groups/{name}/admins/{login}``) on one of the agent's groups may;
anyone else gets 403 and nothing is sent. The supervisor's phone (an extension of the
team) is dialled into the call's room by call control (``calls.supervision``).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from calls.channel import Command
from dashboard.deps import ReadPrincipalDep, ReadSessionDep, ReadTeamDep
from dashboard.routes.agent_calls import (
    UNAVAILABLE,
    CallControl,
    call_control,
    reachable,
    send_command,
)
from dashboard.schemas.calls import CallOut
from dashboard.schemas.common import Input
from dashboard.security import GROUP_ADMIN, Principal, group_right
from routing.acd.config import agent_id
from store import provisioning as p
from store.errors import StoreError

router = APIRouter(
    prefix="/teams/{team}/agents/{number}/supervision", tags=["supervision"], responses=UNAVAILABLE
)

Mode = Literal["monitor", "whisper", "barge"]
SUPERVISED_STATES = ("connected", "held", "conference")


class SuperviseIn(Input):
    mode: Mode
    phone: str = Field(
        pattern=r"^[0-9]{2,6}$", description="the supervisor's extension, dialled into the call"
    )


class ModeIn(Input):
    mode: Mode


class NotASupervisor(StoreError):
    status_code = 403
    error_id = "not_a_supervisor"


class NoLiveCall(StoreError):
    status_code = 409
    error_id = "no_live_call"


def _supervised_agent(principal: Principal, session: Any, team: Any, number: str, mode: str) -> str:
    agent = p.get_agent(session, team, number)  # 404 for another team's or none
    groups = [g.id for g in agent.groups]
    if principal.role != GROUP_ADMIN or not group_right(principal, groups, mode):
        raise NotASupervisor(
            f"only an administrator of agent {number}'s group with the {mode} right may",
            {"mode": mode},
        )
    return agent_id(team.slug, agent.number)


def _live_call(control: CallControl, agent: str, supervised: bool) -> dict[str, Any]:
    for view in control.channel.agent_views(agent):
        if view.get("state") in SUPERVISED_STATES and bool(view.get("supervision")) == supervised:
            return view
    what = "a supervised call" if supervised else "a call to supervise"
    raise NoLiveCall(f"agent {agent} has no {what} in progress", {"agent": agent})


def _command(
    request: Request, agent: str, op: str, args: dict[str, Any], supervised: bool
) -> CallOut | None:
    control = call_control(request)
    with reachable():
        view = _live_call(control, agent, supervised)
        sent = Command(op, agent, str(view["id"]), args)
        after = send_command(control, sent, node=str(view.get("node", "")))
    return None if after is None else CallOut.model_validate(after)


@router.post("", summary="Monitor, whisper or barge into the agent's live call")
def start_supervision(
    number: str,
    body: SuperviseIn,
    request: Request,
    team: ReadTeamDep,
    principal: ReadPrincipalDep,
    session: ReadSessionDep,
) -> CallOut | None:
    agent = _supervised_agent(principal, session, team, number, body.mode)
    args = {"mode": body.mode, "phone": body.phone}
    return _command(request, agent, "supervise", args, supervised=False)


@router.patch("", summary="Switch the supervision's mode live")
def switch_supervision(
    number: str,
    body: ModeIn,
    request: Request,
    team: ReadTeamDep,
    principal: ReadPrincipalDep,
    session: ReadSessionDep,
) -> CallOut | None:
    agent = _supervised_agent(principal, session, team, number, body.mode)
    return _command(request, agent, "supervise_mode", {"mode": body.mode}, supervised=True)


@router.delete("", summary="End the supervision (the call goes on)")
def end_supervision(
    number: str,
    request: Request,
    team: ReadTeamDep,
    principal: ReadPrincipalDep,
    session: ReadSessionDep,
) -> CallOut | None:
    agent = _supervised_agent(principal, session, team, number, "monitor")
    return _command(request, agent, "supervise_end", {}, supervised=True)

"""Live calls commanded through the API (``dashboard.routes.agent_calls``).

The output models document call control's call view (``calls.channel``): call control
owns its shape, so every field has a default and unknown fields pass through.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dashboard.schemas.common import Input

# Only its characters are checked here (no spaces, quotes or "@", which could change a SIP
# URI); call control decides what the target names (extension, number, agent, group).
Target = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9+*#a-zA-Z:/_.\-]+$"),
    Field(
        description="whom to call: an extension, a number (+15557770000), ... "
        "(1-64 of 0-9 a-z A-Z + * # : / _ . -)",
        examples=["+15557770000", "5002"],
    ),
]


class DialIn(Input):
    to: Target


class TransferIn(Input):
    to: Target | None = Field(
        None, description="blind transfer to this target; none: complete the consultation"
    )


class ConsultIn(Input):
    to: Target


class ConferenceIn(Input):
    to: Target | None = Field(
        None, description="add this target; none: the consultee joins (three-way)"
    )


class PartyOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field("", description='"customer", "agent", ...: the party in the call\'s path')
    role: str = Field("", description="customer | agent | ...")
    target: str = ""
    state: str = Field("", description="dialing | ringing | up | ended")
    held: bool = False
    in_room: bool = Field(False, description="in the call's conference room")
    muted: bool = Field(False, description="in the room, and nobody hears it")
    end_reason: str = ""


class CallOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = ""
    team: str = ""
    agent: str = Field("", description="the agent's id: <team>/<number>")
    node: str = Field("", description="the call-control node holding the call")
    kind: str = Field("", description="queue | click_to_dial")
    state: str = Field(
        "",
        description="dialing_agent | dialing | connected | held | transferring | consulting"
        " | conference | finished",
    )
    started_ms: int = 0
    recording: str = Field("", description='"" (none), on, paused')
    parties: list[PartyOut] = Field(default_factory=list)


class CallsOut(BaseModel):
    calls: list[CallOut]

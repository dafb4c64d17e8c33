"""Agents, agent groups (queue settings and administrators) and pause reasons."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import object_session

from dashboard.schemas.common import (
    Destination,
    DestinationOut,
    Input,
    Name,
    Output,
    ShortNumber,
    Update,
)
from dashboard.schemas.names import Login, Names, distinct, hangup
from store.models import Agent, AgentGroup, AgentGroupAdmin, PauseReason
from store.provisioning.agents import NEW_PIN_DIGITS
from store.provisioning.skills import (
    MAX_LEVEL,
    MAX_PENALTY,
    MAX_SKILLS,
    MAX_STEP_AFTER_S,
    MAX_STEPS,
    MIN_LEVEL,
    agent_penalties,
)

AgentNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,8}$")]
# New PINs (the store checks the CSV import's; older, shorter PINs stay valid there).
Pin = Annotated[str, StringConstraints(pattern=rf"^[0-9]{{{NEW_PIN_DIGITS},12}}$")]
Binding = Literal["fixed", "self_adapting", "dynamic"]
WorkingWay = Literal["dial_out", "dial_in", "all", "self_selection"]
WorkingWays = Annotated[list[WorkingWay], AfterValidator(distinct), Field(min_length=1)]
Strategy = Literal[
    "ring_all",
    "longest_idle",
    "fewest_calls",
    "least_talk_time",
    "round_robin",
    "linear",
    "random",
    "weighted_random",
]
AcwMode = Literal["after_ring", "after_answered", "disabled"]
Sound = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]
PopupUrl = Annotated[
    str,
    StringConstraints(max_length=500, pattern=r"^(https?://\S+)?$"),
    Field(
        description="the business module: an http(s) URL template opened for the agent on a call"
    ),
]
# Skills routing (routing.acd.policy; the store checks the same rules).
SkillName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Level = Annotated[int, Field(ge=MIN_LEVEL, le=MAX_LEVEL)]
Skills = Annotated[
    dict[SkillName, Level],
    Field(
        max_length=MAX_SKILLS,
        description=f"skill name (lowercase) -> level {MIN_LEVEL}-{MAX_LEVEL}",
        examples=[{"french": 5, "billing": 3}],
    ),
]
Penalty = Annotated[int, Field(ge=0, le=MAX_PENALTY)]
Penalties = Annotated[
    dict[str, Penalty],
    Field(
        description="agent group name -> the agent's penalty there (0, the default, is "
        "offered first; a higher one once a call has waited long enough: the group's "
        "penalty_steps)",
        examples=[{"support": 0, "sales": 2}],
    ),
]
REQUIRED_SKILLS_HELP = (
    "skill -> minimum level: only agents having each skill at that level or above are "
    "offered the group's calls"
)
MAX_PENALTY_HELP = "the highest member penalty offered a call at once"


class PenaltyStepIn(Input):
    after_s: int = Field(ge=1, le=MAX_STEP_AFTER_S, description="seconds the call has waited")
    max_penalty: Penalty = Field(description="members up to this penalty are offered it from then")


class PenaltyStepOut(BaseModel):
    after_s: int
    max_penalty: int


PenaltySteps = Annotated[
    list[PenaltyStepIn],
    Field(
        max_length=MAX_STEPS,
        description="relaxation: each step later and allowing a higher penalty than the last",
    ),
]

PIN_HELP = (
    "6-12 digits: keyed in on a phone, and used for agent functions "
    "(agents made before this rule may keep 4-digit PINs until changed)"
)

# --- pause reasons -------------------------------------------------------------------


class PauseReasonCreate(Input):
    name: Name
    code: int | None = Field(
        None,
        ge=1,
        le=9999,
        description="what agents key after *65 (then #); default: the team's next free code. "
        "Never renumbered when other reasons are added or removed",
    )


class PauseReasonOut(Output):
    name: str
    code: int

    @classmethod
    def of(cls, reason: PauseReason) -> PauseReasonOut:
        return cls(name=reason.name, code=reason.code)


# --- agents --------------------------------------------------------------------------


class AgentCreate(Input):
    number: AgentNumber = Field(description="announced, and used to sign in by phone")
    password: Pin = Field(description=PIN_HELP)
    binding: Binding = "fixed"
    extension: ShortNumber | None = Field(
        None, description="the bound extension; fixed agents only"
    )
    working_way: WorkingWay = "all"
    groups: Names = Field(min_length=1, description="agent group names; at least one")
    owner: Login | None = Field(None, description="login of the owning user")
    skills: Skills = Field(default_factory=dict)
    penalties: Penalties = Field(default_factory=dict)


class AgentUpdate(Update):
    nullable = frozenset({"extension", "owner"})
    password: Pin | None = Field(None, description=PIN_HELP)
    binding: Binding | None = None
    extension: ShortNumber | None = None
    working_way: WorkingWay | None = None
    groups: Names | None = Field(None, min_length=1)
    owner: Login | None = None
    skills: Skills | None = Field(None, description="replaces the agent's skills")
    penalties: Penalties | None = Field(
        None, description="changes the penalties named (others are kept)"
    )


class AgentOut(Output):
    number: str
    binding: str
    extension: str | None
    working_way: str
    groups: list[str]
    owner: str | None
    skills: dict[str, int] = Field(default_factory=dict)
    penalties: dict[str, int] = Field(default_factory=dict, description="per group")

    @classmethod
    def of(cls, agent: Agent) -> AgentOut:
        session = object_session(agent)
        return cls(
            skills=dict(agent.skills or {}),
            penalties=agent_penalties(session, agent) if session is not None else {},
            number=agent.number,
            binding=agent.binding,
            working_way=agent.working_way,
            extension=agent.extension.number if agent.extension is not None else None,
            groups=sorted(g.name for g in agent.groups),
            owner=agent.owner.login if agent.owner is not None else None,
        )


# --- agent groups --------------------------------------------------------------------


class AgentGroupCreate(Input):
    name: Name
    strategy: Strategy = "longest_idle"
    ring_timeout_s: int = Field(20, ge=1, le=600)
    max_wait_s: int = Field(300, ge=0, le=86_400)
    overflow: Destination = Field(
        default_factory=hangup, description="where a caller goes after max_wait_s"
    )
    acw_mode: AcwMode = "after_answered"
    acw_seconds: int = Field(10, ge=0, le=3600, description="after-call work")
    allowed_working_ways: WorkingWays = Field(
        default_factory=lambda: ["dial_out", "dial_in", "all", "self_selection"]
    )
    music_on_hold: Sound = "default"
    popup_url_template: PopupUrl = ""
    pause_reasons: Names = Field(
        default_factory=list, description="names of the team's pause reasons"
    )
    announce_position: bool = Field(
        False, description="tell waiting callers their place in the queue"
    )
    announce_wait: bool = Field(False, description="tell waiting callers the expected wait")
    announce_every_s: int = Field(
        30, ge=10, le=600, description="seconds between announcements to a waiting caller"
    )
    record_calls: bool = Field(
        False, description="record every queue call of the group from its answer on"
    )
    announce_agent: bool = Field(
        False,
        description='tell the caller, as the agent answers, "you are speaking with agent '
        'one zero zero one" (the agent number, digit by digit)',
    )
    confirm_answer: bool = Field(
        False,
        description="the agent presses 1 to take the call, after a prompt; hanging up or "
        "no key within the ring timeout is a missed offer (a remote agent's voicemail or a "
        "phone that answers by itself never takes a queue call)",
    )
    required_skills: Skills = Field(default_factory=dict, description=REQUIRED_SKILLS_HELP)
    max_penalty: Penalty = Field(0, description=MAX_PENALTY_HELP)
    penalty_steps: PenaltySteps = Field(default_factory=list)


class AgentGroupUpdate(Update):
    strategy: Strategy | None = None
    ring_timeout_s: int | None = Field(None, ge=1, le=600)
    max_wait_s: int | None = Field(None, ge=0, le=86_400)
    overflow: Destination | None = None
    acw_mode: AcwMode | None = None
    acw_seconds: int | None = Field(None, ge=0, le=3600)
    allowed_working_ways: WorkingWays | None = None
    music_on_hold: Sound | None = None
    popup_url_template: PopupUrl | None = None
    pause_reasons: Names | None = None
    announce_position: bool | None = None
    announce_wait: bool | None = None
    announce_every_s: int | None = Field(None, ge=10, le=600)
    record_calls: bool | None = None
    announce_agent: bool | None = None
    confirm_answer: bool | None = None
    required_skills: Skills | None = Field(None, description=REQUIRED_SKILLS_HELP)
    max_penalty: Penalty | None = Field(None, description=MAX_PENALTY_HELP)
    penalty_steps: PenaltySteps | None = None


RIGHTS = ("monitor", "barge", "whisper", "record", "import", "export")


class GroupAdminRights(Input):
    """What an administrator may do in this one group."""

    monitor: bool = True
    barge: bool = False
    whisper: bool = False
    record: bool = False
    import_: bool = Field(
        False, alias="import", description="import data (CSV) of the group's agents"
    )
    export: bool = Field(False, description="export statements of the group")

    def rights(self) -> dict[str, bool]:
        return self.model_dump(by_alias=True)


class GroupAdminOut(Output):
    model_config = ConfigDict(populate_by_name=True)

    login: str
    monitor: bool
    barge: bool
    whisper: bool
    record: bool
    import_: bool = Field(alias="import")
    export: bool

    @classmethod
    def of(cls, admin: AgentGroupAdmin) -> GroupAdminOut:
        return cls.model_validate(
            {"login": admin.user.login, **{r: getattr(admin, f"can_{r}") for r in RIGHTS}}
        )


class AgentGroupOut(Output):
    name: str
    strategy: str
    ring_timeout_s: int
    max_wait_s: int
    overflow: DestinationOut
    acw_mode: str
    acw_seconds: int
    allowed_working_ways: list[str]
    music_on_hold: str
    popup_url_template: str
    pause_reasons: list[str]
    announce_position: bool
    announce_wait: bool
    announce_every_s: int
    record_calls: bool
    announce_agent: bool = False
    confirm_answer: bool = False
    required_skills: dict[str, int] = Field(default_factory=dict)
    max_penalty: int = 0
    penalty_steps: list[PenaltyStepOut] = Field(default_factory=list)
    agents: list[str] = Field(description="numbers of the group's agents")
    admins: list[GroupAdminOut]

    @classmethod
    def of(cls, group: AgentGroup) -> AgentGroupOut:
        return cls(
            name=group.name,
            strategy=group.strategy,
            ring_timeout_s=group.ring_timeout_s,
            max_wait_s=group.max_wait_s,
            overflow=DestinationOut(kind=group.overflow_kind, ref=group.overflow_ref),
            acw_mode=group.acw_mode,
            acw_seconds=group.acw_seconds,
            allowed_working_ways=group.allowed_working_ways.split(","),
            music_on_hold=group.music_on_hold,
            popup_url_template=group.popup_url_template,
            pause_reasons=sorted(r.name for r in group.pause_reasons),
            announce_position=group.announce_position,
            announce_wait=group.announce_wait,
            announce_every_s=group.announce_every_s,
            record_calls=group.record_calls,
            announce_agent=group.announce_agent,
            confirm_answer=group.confirm_answer,
            required_skills=dict(group.required_skills or {}),
            max_penalty=group.max_penalty or 0,
            penalty_steps=[PenaltyStepOut(**step) for step in group.penalty_steps or []],
            agents=sorted((a.number for a in group.agents), key=lambda n: (len(n), n)),
            admins=sorted((GroupAdminOut.of(a) for a in group.admins), key=lambda a: a.login),
        )

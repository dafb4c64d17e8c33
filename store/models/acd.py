"""The call-center side: agents, agent groups (queues), their administrators, pause reasons."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.models.people import Team, User
from store.models.telephony import Extension

BINDINGS = ("fixed", "self_adapting", "dynamic")
WORKING_WAYS = ("dial_out", "dial_in", "all", "self_selection")
STRATEGIES = (
    "ring_all",
    "longest_idle",
    "fewest_calls",
    "least_talk_time",
    "round_robin",
    "linear",
    "random",
    "weighted_random",
)
ACW_MODES = ("after_ring", "after_answered", "disabled")

agent_group_members = Table(
    "agent_group_members",
    Base.metadata,
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("agent_groups.id", ondelete="CASCADE"), primary_key=True),
    # Skills routing: a member with a higher penalty is offered a call only once the
    # call's wait reached a relaxation step allowing it (``AgentGroup.penalty_steps``).
    Column("penalty", Integer, nullable=False, default=0, server_default="0"),
)

agent_group_pause_reasons = Table(
    "agent_group_pause_reasons",
    Base.metadata,
    Column("group_id", ForeignKey("agent_groups.id", ondelete="CASCADE"), primary_key=True),
    Column("pause_reason_id", ForeignKey("pause_reasons.id", ondelete="CASCADE"), primary_key=True),
)


class PauseReason(Base):
    __tablename__ = "pause_reasons"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    # what an agent keys after *65; stable: adding or removing a reason moves no other code
    code: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("team_id", "name"), UniqueConstraint("team_id", "code"))


class AgentGroup(Base):
    """The working unit and its queue settings."""

    __tablename__ = "agent_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    strategy: Mapped[str] = mapped_column(String(32), default="longest_idle")
    ring_timeout_s: Mapped[int] = mapped_column(Integer, default=20)
    max_wait_s: Mapped[int] = mapped_column(Integer, default=300)
    overflow_kind: Mapped[str] = mapped_column(String(16), default="hangup")
    overflow_ref: Mapped[str] = mapped_column(String(64), default="")
    acw_mode: Mapped[str] = mapped_column(String(16), default="after_answered")
    acw_seconds: Mapped[int] = mapped_column(Integer, default=10)
    allowed_working_ways: Mapped[str] = mapped_column(
        String(64), default="dial_out,dial_in,all,self_selection"
    )
    music_on_hold: Mapped[str] = mapped_column(String(128), default="default")
    popup_url_template: Mapped[str] = mapped_column(String(500), default="")
    # The business module of the group's popups (queue calls, and its agents' outbound
    # calls); replaces popup_url_template.
    business_module_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_modules.id", ondelete="RESTRICT")
    )
    # Spoken announcements to waiting callers (call control): their place in the queue
    # and/or the expected wait, first shortly after answering, then every N seconds.
    announce_position: Mapped[bool] = mapped_column(Boolean, default=False)
    announce_wait: Mapped[bool] = mapped_column(Boolean, default=False)
    announce_every_s: Mapped[int] = mapped_column(Integer, default=30)
    # Every queue call the group's agents answer is recorded from the answer on.
    record_calls: Mapped[bool] = mapped_column(Boolean, default=False)
    # "you are speaking with agent one zero zero one" to the caller when an agent answers
    announce_agent: Mapped[bool] = mapped_column(Boolean, default=False)
    # the agent presses 1 to take the call (a remote agent's voicemail cannot answer it)
    confirm_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Skills routing (routing.acd.policy): skill -> minimum level an agent needs; the
    # highest member penalty offered at once, and [{"after_s", "max_penalty"}, ...] steps
    # widening it for a call that has waited that long.
    required_skills: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    max_penalty: Mapped[int] = mapped_column(Integer, default=0)
    penalty_steps: Mapped[list[dict[str, int]]] = mapped_column(JSON, default=list)
    team: Mapped[Team] = relationship()
    agents: Mapped[list[Agent]] = relationship(
        secondary=agent_group_members, back_populates="groups"
    )
    pause_reasons: Mapped[list[PauseReason]] = relationship(secondary=agent_group_pause_reasons)
    admins: Mapped[list[AgentGroupAdmin]] = relationship(cascade="all, delete-orphan")
    __table_args__ = (UniqueConstraint("team_id", "name"),)


class AgentGroupAdmin(Base):
    """A user administering one agent group, with the seed's per-group permissions."""

    __tablename__ = "agent_group_admins"
    group_id: Mapped[int] = mapped_column(
        ForeignKey("agent_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    can_monitor: Mapped[bool] = mapped_column(Boolean, default=True)
    can_barge: Mapped[bool] = mapped_column(Boolean, default=False)
    can_whisper: Mapped[bool] = mapped_column(Boolean, default=False)
    can_record: Mapped[bool] = mapped_column(Boolean, default=False)
    can_import: Mapped[bool] = mapped_column(Boolean, default=False)
    can_export: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship()


class Agent(Base):
    __tablename__ = "agents"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2 of the agent password
    binding: Mapped[str] = mapped_column(String(16), default="fixed")
    working_way: Mapped[str] = mapped_column(String(16), default="all")
    # The bound extension of a "fixed" agent (never changes); empty for the other bindings.
    extension_id: Mapped[int | None] = mapped_column(
        ForeignKey("extensions.id", ondelete="RESTRICT"), unique=True
    )
    extension: Mapped[Extension | None] = relationship()
    owner: Mapped[User | None] = relationship(viewonly=True)
    groups: Mapped[list[AgentGroup]] = relationship(
        secondary=agent_group_members, back_populates="agents"
    )
    skills: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # skill -> level
    __table_args__ = (UniqueConstraint("team_id", "number"),)


class AgentGroupMember(Base):
    """One row of ``agent_group_members`` as an object, for its ``penalty`` (membership
    itself is ``Agent.groups``); written after the groups are flushed."""

    __table__ = agent_group_members
    agent_id: Mapped[int]
    group_id: Mapped[int]
    penalty: Mapped[int]


class CallerPriority(Base):
    """A caller number or prefix whose queue calls are served before others: the most
    specific (longest) matching prefix of the team gives the call its priority."""

    __tablename__ = "caller_priorities"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    prefix: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (UniqueConstraint("team_id", "prefix"),)

"""Agent and queue configuration read from the SQL store, in the ACD core's vocabulary.

Ids are team-qualified so several teams share one Redis: agent ``demo/1001``, group
``demo/support`` (the same string Kamailio puts in ``X-Switchboard-Queue``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session, joinedload, selectinload

from routing.acd.model import (
    AcwMode,
    AgentConfig,
    GroupConfig,
    Membership,
    Strategy,
    WorkingWay,
)
from store.models import Agent, AgentGroup, ProvisioningState

_WAYS = {
    "dial_in": WorkingWay.DIAL_IN,
    "dial_out": WorkingWay.DIAL_OUT,
    "self_selection": WorkingWay.SELF_SELECTION,
    "all": WorkingWay.SELF_SELECTION,  # both ways; starts taking queue calls
}


@dataclass(frozen=True)
class QueueSettings:
    """What call control needs beyond selection: timers and where overflow goes."""

    group: str
    ring_timeout_s: int = 20
    max_wait_s: int = 300
    overflow_kind: str = "hangup"  # extension | agent_group | ring_group | external | hangup
    overflow_ref: str = ""
    overflow_when_no_agent: bool = True  # at once when no member is signed in
    announce_position: bool = False  # "you are caller number N"
    announce_wait: bool = False  # "your expected wait is about N minutes"
    announce_every_s: int = 30

    @property
    def announces(self) -> bool:
        return self.announce_position or self.announce_wait


@dataclass(frozen=True)
class AcdConfig:
    version: int
    groups: dict[str, GroupConfig]
    queues: dict[str, QueueSettings]
    agents: dict[str, AgentConfig]
    agent_numbers: dict[str, str]  # agent id -> agent number (for records)

    def members(self, group: str) -> list[str]:
        return sorted(
            agent_id for agent_id, config in self.agents.items() if config.membership(group)
        )

    def group_of(self, name: str) -> GroupConfig | None:
        return self.groups.get(name)


def agent_id(team: str, number: str) -> str:
    return f"{team}/{number}"


def read_version(engine: Engine) -> int:
    with Session(engine) as session:
        version = session.scalar(select(ProvisioningState.version).where(ProvisioningState.id == 1))
    return int(version or 0)


def read_config(bind: Engine | Connection) -> AcdConfig:
    """Read in one transaction; ``bind`` may be a caller's connection, whose open
    transaction is then joined (SQLite allows one writer: never open a second one)."""
    with Session(bind) as session, session.begin():
        version = int(
            session.scalar(select(ProvisioningState.version).where(ProvisioningState.id == 1)) or 0
        )
        groups: dict[str, GroupConfig] = {}
        queues: dict[str, QueueSettings] = {}
        for row in session.scalars(select(AgentGroup).options(joinedload(AgentGroup.team))):
            name = f"{row.team.slug}/{row.name}"
            groups[name] = GroupConfig(
                name=name,
                strategy=Strategy(row.strategy),
                acw_mode=AcwMode(row.acw_mode),
                acw_seconds=int(row.acw_seconds),
            )
            queues[name] = QueueSettings(
                group=name,
                ring_timeout_s=int(row.ring_timeout_s),
                max_wait_s=int(row.max_wait_s),
                overflow_kind=row.overflow_kind,
                overflow_ref=row.overflow_ref,
                announce_position=bool(row.announce_position),
                announce_wait=bool(row.announce_wait),
                announce_every_s=int(row.announce_every_s),
            )
        agents: dict[str, AgentConfig] = {}
        numbers: dict[str, str] = {}
        rows = session.scalars(
            select(Agent).options(
                joinedload(Agent.extension), selectinload(Agent.groups), joinedload(Agent.owner)
            )
        ).unique()
        team_slugs = {g.team_id: g.team.slug for g in session.scalars(select(AgentGroup))}
        for row in rows:
            team = _team_slug(session, row.team_id, team_slugs)
            aid = agent_id(team, row.number)
            extension = f"{team}-{row.extension.number}" if row.extension is not None else ""
            agents[aid] = AgentConfig(
                agent_id=aid,
                extension=extension,
                fixed=row.binding == "fixed",
                working_way=_WAYS.get(row.working_way, WorkingWay.DIAL_IN),
                memberships=tuple(
                    # Linear and round robin go in agent-number order.
                    Membership(f"{team}/{g.name}", position=_position(row.number))
                    for g in sorted(row.groups, key=lambda g: g.id)
                ),
            )
            numbers[aid] = row.number
    return AcdConfig(version, groups, queues, agents, numbers)


def _position(number: str) -> int:
    return int(number) if number.isdigit() else 0


def _team_slug(session: Session, team_id: int, cache: dict[int, str]) -> str:
    if team_id not in cache:
        from store.models import Team

        team = session.get(Team, team_id)
        cache[team_id] = team.slug if team is not None else str(team_id)
    return cache[team_id]

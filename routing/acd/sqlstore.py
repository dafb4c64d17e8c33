"""The ACD's side of the SQL store: the configuration read (``routing.acd.config``'s
types) and agents' activity written (``store.models.history.AgentActivity``). The only ACD
module that imports SQLAlchemy and ``store``, so Kamailio, which imports the Redis side,
never loads them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.orm import Session, joinedload, selectinload

from routing.acd.config import AcdConfig, QueueSettings, agent_id
from routing.acd.model import (
    AcwMode,
    AgentConfig,
    GroupConfig,
    Membership,
    PenaltyStep,
    Strategy,
    WorkingWay,
)
from routing.acd.priority import CallPriorities
from store.models import (
    Agent,
    AgentGroup,
    AgentGroupMember,
    CallerPriority,
    Did,
    Extension,
    MusicFile,
    ProvisioningState,
    Team,
)
from store.models.history import AgentActivity

_WAYS = {
    "dial_in": WorkingWay.DIAL_IN,
    "dial_out": WorkingWay.DIAL_OUT,
    "self_selection": WorkingWay.SELF_SELECTION,
    "all": WorkingWay.ALL,  # both ways at once
}


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
        music = {(m.team_id, m.name): m.file for m in session.scalars(select(MusicFile))}
        for row in session.scalars(select(AgentGroup).options(joinedload(AgentGroup.team))):
            name = f"{row.team.slug}/{row.name}"
            groups[name] = GroupConfig(
                name=name,
                strategy=Strategy(row.strategy),
                acw_mode=AcwMode(row.acw_mode),
                acw_seconds=int(row.acw_seconds),
                **_skills_routing(row),
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
                record_calls=bool(row.record_calls),
                announce_agent=bool(row.announce_agent),
                confirm_answer=bool(row.confirm_answer),
                music=music.get((row.team_id, row.music_on_hold), ""),
            )
        agents: dict[str, AgentConfig] = {}
        numbers: dict[str, str] = {}
        rows = session.scalars(
            select(Agent).options(
                joinedload(Agent.extension), selectinload(Agent.groups), joinedload(Agent.owner)
            )
        ).unique()
        team_slugs = {g.team_id: g.team.slug for g in session.scalars(select(AgentGroup))}
        penalties = {
            (m.agent_id, m.group_id): int(m.penalty or 0)
            for m in session.scalars(select(AgentGroupMember))
        }
        for agent in rows:
            team = _team_slug(session, agent.team_id, team_slugs)
            aid = agent_id(team, agent.number)
            extension = f"{team}-{agent.extension.number}" if agent.extension is not None else ""
            agents[aid] = AgentConfig(
                agent_id=aid,
                extension=extension,
                fixed=agent.binding == "fixed",
                working_way=_WAYS.get(agent.working_way, WorkingWay.DIAL_IN),
                skills={str(k): int(v) for k, v in (agent.skills or {}).items()},
                memberships=tuple(
                    # Linear and round robin go in agent-number order.
                    Membership(
                        f"{team}/{g.name}",
                        penalty=penalties.get((agent.id, g.id), 0),
                        position=_position(agent.number),
                    )
                    for g in sorted(agent.groups, key=lambda g: g.id)
                ),
            )
            numbers[aid] = agent.number
        priorities = _priorities(session)
        phone_lines = frozenset(
            f"{slug}-{number}"
            for slug, number in session.execute(
                select(Team.slug, Extension.number)
                .join(Team, Team.id == Extension.team_id)
                .where(Extension.kind == "phone")
            )
        )
    return AcdConfig(
        version, groups, queues, agents, numbers, priorities=priorities, phone_lines=phone_lines
    )


def _skills_routing(row: AgentGroup) -> dict[str, Any]:
    """The group's required skills, max penalty and relaxation steps (``GroupConfig``)."""
    return {
        "skills": {str(k): int(v) for k, v in (row.required_skills or {}).items()},
        "max_penalty": int(row.max_penalty or 0),
        "penalty_steps": tuple(
            PenaltyStep(int(s["after_s"]), int(s["max_penalty"])) for s in row.penalty_steps or []
        ),
    }


def _priorities(session: Session) -> CallPriorities:
    """DIDs' priorities and the teams' caller priorities (``routing.acd.priority``)."""
    dids = {number: int(p) for number, p in session.execute(select(Did.number, Did.priority))}
    callers = [
        (slug, prefix, int(p))
        for slug, prefix, p in session.execute(
            select(Team.slug, CallerPriority.prefix, CallerPriority.priority).join(
                Team, Team.id == CallerPriority.team_id
            )
        )
    ]
    return CallPriorities.of_rows(dids, callers)


def store_agent_event(conn: Connection, event: dict[str, Any]) -> None:
    """One ``agent_state`` event (``routing.acd.events`` wire form) as an activity row."""
    team, number = _team_and_number(event["agent"])
    at = datetime.fromtimestamp(int(event["at_ms"]) / 1000, UTC)
    previous = conn.execute(
        select(AgentActivity.at)
        .where(AgentActivity.team == team, AgentActivity.agent == number)
        .order_by(AgentActivity.id.desc())
        .limit(1)
    ).scalar()
    duration = None
    if previous is not None:
        previous = previous if previous.tzinfo else previous.replace(tzinfo=UTC)
        duration = max(0, int((at - previous).total_seconds() * 1000))
    live = event.get("live", {})
    conn.execute(
        insert(AgentActivity).values(
            team=team,
            agent=number,
            at=at,
            from_state=event["from"],
            to_state=event["to"],
            reason=event["reason"],
            pause_reason=live.get("pause_reason", ""),
            call_id=event.get("call_id", ""),
            duration_ms=duration,
        )
    )


def _team_and_number(agent: str) -> tuple[str, str]:
    team, _, number = agent.partition("/")
    return team, number


def _position(number: str) -> int:
    return int(number) if number.isdigit() else 0


def _team_slug(session: Session, team_id: int, cache: dict[int, str]) -> str:
    if team_id not in cache:
        team = session.get(Team, team_id)
        cache[team_id] = team.slug if team is not None else str(team_id)
    return cache[team_id]

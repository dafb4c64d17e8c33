"""Who still uses an object: the answer to "may I delete it?".

Each function returns human-readable names of the users (``"DID +15550100"``,
``"agent 1001 (fixed binding)"``); an empty list means the object is free.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.models import (
    Agent,
    AgentGroup,
    Did,
    Extension,
    MusicFile,
    RingGroup,
    RingGroupMember,
    Team,
    Trunk,
    TrunkGroup,
    TrunkGroupMember,
    UserGroup,
)


def destination_users(session: Session, team_id: int, kind: str, ref: str) -> list[str]:
    """Everything whose destination, failover or overflow is ``(kind, ref)``."""
    users = [
        f"DID {d.number}"
        for d in session.scalars(
            select(Did).where(
                Did.team_id == team_id,
                or_(
                    (Did.dest_kind == kind) & (Did.dest_ref == ref),
                    (Did.failover_kind == kind) & (Did.failover_ref == ref),
                ),
            )
        )
    ]
    users += [
        f"ring group {r.number} (failover)"
        for r in session.scalars(
            select(RingGroup).where(
                RingGroup.team_id == team_id,
                RingGroup.failover_kind == kind,
                RingGroup.failover_ref == ref,
            )
        )
    ]
    users += [
        f"agent group {g.name} (overflow)"
        for g in session.scalars(
            select(AgentGroup).where(
                AgentGroup.team_id == team_id,
                AgentGroup.overflow_kind == kind,
                AgentGroup.overflow_ref == ref,
            )
        )
    ]
    return users


def extension_users(session: Session, extension: Extension) -> list[str]:
    users = destination_users(session, extension.team_id, "extension", extension.number)
    users += [
        f"agent {a.number} (fixed binding)"
        for a in session.scalars(select(Agent).where(Agent.extension_id == extension.id))
    ]
    users += [
        f"ring group {r.number} (member)"
        for r in session.scalars(
            select(RingGroup)
            .join(RingGroupMember)
            .where(RingGroupMember.extension_id == extension.id)
        )
    ]
    return users


def agent_group_users(session: Session, group: AgentGroup) -> list[str]:
    users = destination_users(session, group.team_id, "agent_group", group.name)
    users += [f"agent {a.number} (its only group)" for a in group.agents if len(a.groups) == 1]
    return [u for u in users if u != f"agent group {group.name} (overflow)"]


def ring_group_users(session: Session, ring_group: RingGroup) -> list[str]:
    users = destination_users(session, ring_group.team_id, "ring_group", ring_group.number)
    return [u for u in users if u != f"ring group {ring_group.number} (failover)"]


def trunk_users(session: Session, trunk: Trunk) -> list[str]:
    users = [
        f"trunk group {g.name}"
        for g in session.scalars(
            select(TrunkGroup).join(TrunkGroupMember).where(TrunkGroupMember.trunk_id == trunk.id)
        )
    ]
    users += [
        f"user group {g.name}"
        for g in session.scalars(select(UserGroup).where(UserGroup.trunk_id == trunk.id))
    ]
    users += [
        f"team {t.slug} (default trunk)"
        for t in session.scalars(select(Team).where(Team.default_trunk_id == trunk.id))
    ]
    return users


def trunk_group_users(session: Session, group: TrunkGroup) -> list[str]:
    users = [
        f"user group {g.name}"
        for g in session.scalars(select(UserGroup).where(UserGroup.trunk_group_id == group.id))
    ]
    users += [
        f"team {t.slug} (default trunk group)"
        for t in session.scalars(select(Team).where(Team.default_trunk_group_id == group.id))
    ]
    return users


def user_users(session: Session, user_id: int) -> list[str]:
    users = [
        f"extension {e.number}"
        for e in session.scalars(select(Extension).where(Extension.user_id == user_id))
    ]
    users += [
        f"agent {a.number}" for a in session.scalars(select(Agent).where(Agent.user_id == user_id))
    ]
    return users


def music_users(session: Session, music: MusicFile) -> list[str]:
    """The agent groups whose callers hear ``music``."""
    return [
        f"agent group {g.name}"
        for g in session.scalars(
            select(AgentGroup)
            .where(AgentGroup.team_id == music.team_id, AgentGroup.music_on_hold == music.name)
            .order_by(AgentGroup.name)
        )
    ]

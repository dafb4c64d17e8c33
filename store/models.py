"""SQLAlchemy models of the provisioning data the foundation needs.

The call-center model grows here (user groups, ring groups, pause reasons, ...);
what exists now is what SIP routing reads: teams, extensions with their HA1,
agents and agent groups, trunks and DIDs.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    event,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class ProvisioningState(Base):
    """One row whose version moves on every provisioning commit (see bump below)."""

    __tablename__ = "provisioning_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The prefix of SIP usernames ("demo" in "demo-5001"): lowercase letters and digits.
    slug: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    __table_args__ = (CheckConstraint("slug NOT LIKE '%-%'", name="team_slug_has_no_dash"),)


class User(Base):
    """A web login; belongs to a team or, with no team, to the system."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    login: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    team: Mapped[Team | None] = relationship()


class Extension(Base):
    __tablename__ = "extensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # MD5(username:realm:secret); the secret itself is never stored.
    sip_ha1: Mapped[str] = mapped_column(String(32), nullable=False)
    agent_mode: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    team: Mapped[Team] = relationship()
    __table_args__ = (UniqueConstraint("team_id", "number", name="extension_number_per_team"),)


agent_group_members = Table(
    "agent_group_members",
    Base.metadata,
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("agent_groups.id", ondelete="CASCADE"), primary_key=True),
)


class AgentGroup(Base):
    __tablename__ = "agent_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    strategy: Mapped[str] = mapped_column(String(32), default="longest_idle", nullable=False)
    ring_timeout_s: Mapped[int] = mapped_column(Integer, default=20, nullable=False)
    team: Mapped[Team] = relationship()
    agents: Mapped[list[Agent]] = relationship(
        secondary=agent_group_members, back_populates="groups"
    )
    __table_args__ = (UniqueConstraint("team_id", "name", name="agent_group_name_per_team"),)


class Agent(Base):
    __tablename__ = "agents"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    binding: Mapped[str] = mapped_column(String(16), default="fixed", nullable=False)
    extension_id: Mapped[int | None] = mapped_column(ForeignKey("extensions.id"))
    extension: Mapped[Extension | None] = relationship()
    groups: Mapped[list[AgentGroup]] = relationship(
        secondary=agent_group_members, back_populates="agents"
    )
    __table_args__ = (UniqueConstraint("team_id", "number", name="agent_number_per_team"),)


class Trunk(Base):
    """A carrier; inbound requests are recognised by their source address."""

    __tablename__ = "trunks"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    address: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    team: Mapped[Team] = relationship()
    __table_args__ = (UniqueConstraint("team_id", "name", name="trunk_name_per_team"),)


class Did(Base):
    """An inbound number; exactly one destination column is set."""

    __tablename__ = "dids"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    extension_id: Mapped[int | None] = mapped_column(ForeignKey("extensions.id"))
    agent_group_id: Mapped[int | None] = mapped_column(ForeignKey("agent_groups.id"))
    team: Mapped[Team] = relationship()
    extension: Mapped[Extension | None] = relationship()
    agent_group: Mapped[AgentGroup | None] = relationship()
    __table_args__ = (
        CheckConstraint(
            "(extension_id IS NULL) != (agent_group_id IS NULL)", name="did_has_one_destination"
        ),
    )


@event.listens_for(Session, "before_flush")
def _bump_provisioning_version(session: Session, _context: object, _instances: object) -> None:
    """Any provisioning change moves the version in the same transaction, so a
    reader never sees new data with an old version (or the other way round)."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(not isinstance(obj, ProvisioningState) for obj in changed):
        session.execute(
            update(ProvisioningState)
            .where(ProvisioningState.id == 1)
            .values(version=ProvisioningState.version + 1)
        )

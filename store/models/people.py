"""Tenants and the people and systems that log in: teams, users, user groups, API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base

ROLES = ("system_admin", "team_admin", "group_admin", "agent", "user")


class Team(Base):
    """An isolated tenant. Its slug is the prefix of SIP usernames ("demo" in "demo-5001")."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Outbound calls use the user group's trunk (or trunk group), else these defaults.
    default_trunk_id: Mapped[int | None] = mapped_column(
        ForeignKey("trunks.id", use_alter=True, ondelete="SET NULL")
    )
    default_trunk_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("trunk_groups.id", use_alter=True, ondelete="SET NULL")
    )


user_group_members = Table(
    "user_group_members",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("user_group_id", ForeignKey("user_groups.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A web login and billing unit; ``team_id`` None means a system user."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    login: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2
    role: Mapped[str] = mapped_column(String(32))
    team: Mapped[Team | None] = relationship()
    groups: Mapped[list[UserGroup]] = relationship(
        secondary=user_group_members, back_populates="members"
    )


class UserGroup(Base):
    """A set of users; its trunk (or trunk group) overrides the team's for their outbound calls."""

    __tablename__ = "user_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    trunk_id: Mapped[int | None] = mapped_column(ForeignKey("trunks.id", ondelete="RESTRICT"))
    trunk_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("trunk_groups.id", ondelete="RESTRICT")
    )
    members: Mapped[list[User]] = relationship(
        secondary=user_group_members, back_populates="groups"
    )
    __table_args__ = (UniqueConstraint("team_id", "name"),)


class ApiToken(Base):
    """A bearer token: a login session of a user, or a business system's key.

    Only a SHA-256 of the token is stored. ``scope`` limits a business system's key
    to reading ("read") or also changing ("write") its team's data.
    """

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(16), default="write")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

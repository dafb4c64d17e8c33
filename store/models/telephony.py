"""What SIP routing reads: extensions, trunks and trunk groups, ring groups, DIDs.

Destinations (a DID's target, a ring group's failover, an agent group's overflow)
are stored as ``(kind, ref)`` where ``ref`` is the target's natural key inside the
team: an extension or ring-group number, an agent-group name, an external number.
Natural keys never change (they are not editable), and the store refuses to
delete anything a destination still names (``store.usage``).
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.models.people import Team, User

DESTINATION_KINDS = ("extension", "ring_group", "agent_group", "external", "hangup")


class Extension(Base):
    """A SIP phone with its own secret, or a plain phone number reached through a trunk."""

    __tablename__ = "extensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8), default="sip")  # "sip" | "phone"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # MD5(username:realm:secret) for "sip"; the secret itself is never stored.
    sip_ha1: Mapped[str | None] = mapped_column(String(32))
    phone_number: Mapped[str | None] = mapped_column(String(32))  # for "phone"
    agent_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    team: Mapped[Team] = relationship()
    owner: Mapped[User | None] = relationship(viewonly=True)
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        CheckConstraint(
            "(kind = 'sip' AND sip_ha1 IS NOT NULL) OR (kind = 'phone' AND phone_number IS NOT NULL)",
            name="sip_has_secret_phone_has_number",
        ),
    )


class Trunk(Base):
    """A carrier: recognised inbound by source address, or registering with credentials."""

    __tablename__ = "trunks"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The carrier's SIP server (a name or IP) for outbound calls and registration; None:
    # ``address``. A trunk without an address (credentials only) must name it.
    host: Mapped[str | None] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=5060)
    username: Mapped[str | None] = mapped_column(String(64))
    # The carrier checks the password itself (digest), so no hash will do: a Fernet token
    # (store.encryption), decrypted only for Kamailio's routing snapshot.
    password_encrypted: Mapped[str | None] = mapped_column(String(512))
    # The user of the Contact our registration puts at the carrier (random, unguessable):
    # a request for it is this trunk's inbound call. Set while the trunk registers.
    contact_user: Mapped[str | None] = mapped_column(String(40), unique=True)
    codecs: Mapped[str] = mapped_column(String(128), default="PCMU,PCMA")
    caller_id: Mapped[str | None] = mapped_column(String(32))  # presented number, if fixed
    strip_digits: Mapped[int] = mapped_column(Integer, default=0)  # from the dialed number
    add_prefix: Mapped[str] = mapped_column(String(16), default="")
    max_calls: Mapped[int] = mapped_column(Integer, default=0)  # 0: no limit
    # Explicit: teams.default_trunk_id is a second path between the two tables.
    team: Mapped[Team] = relationship(foreign_keys=[team_id])
    __table_args__ = (
        UniqueConstraint("team_id", "name"),
        CheckConstraint(
            "address IS NOT NULL OR username IS NOT NULL", name="identified_by_address_or_login"
        ),
    )


class TeamTrunkAddress(Base):
    """A source address (or network, CIDR) a system admin allowed a team's trunks to use:
    a team admin cannot claim another tenant's address (and so its phones) as a trunk."""

    __tablename__ = "team_trunk_addresses"
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    network: Mapped[str] = mapped_column(String(64), primary_key=True)


class TrunkGroupMember(Base):
    __tablename__ = "trunk_group_members"
    trunk_group_id: Mapped[int] = mapped_column(
        ForeignKey("trunk_groups.id", ondelete="CASCADE"), primary_key=True
    )
    trunk_id: Mapped[int] = mapped_column(
        ForeignKey("trunks.id", ondelete="RESTRICT"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)
    trunk: Mapped[Trunk] = relationship()


class TrunkGroup(Base):
    """Ordered trunks used in ``failover`` order or in ``round_robin``."""

    __tablename__ = "trunk_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    policy: Mapped[str] = mapped_column(String(16), default="failover")
    members: Mapped[list[TrunkGroupMember]] = relationship(
        order_by=TrunkGroupMember.position, cascade="all, delete-orphan"
    )
    __table_args__ = (UniqueConstraint("team_id", "name"),)


class RingGroupMember(Base):
    __tablename__ = "ring_group_members"
    ring_group_id: Mapped[int] = mapped_column(
        ForeignKey("ring_groups.id", ondelete="CASCADE"), primary_key=True
    )
    extension_id: Mapped[int] = mapped_column(
        ForeignKey("extensions.id", ondelete="RESTRICT"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)
    extension: Mapped[Extension] = relationship()


class RingGroup(Base):
    """A short number ringing several extensions (all at once, in order, or in turn)."""

    __tablename__ = "ring_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), default="")
    strategy: Mapped[str] = mapped_column(String(16), default="ring_all")
    ring_timeout_s: Mapped[int] = mapped_column(Integer, default=30)
    failover_kind: Mapped[str] = mapped_column(String(16), default="hangup")
    failover_ref: Mapped[str] = mapped_column(String(64), default="")
    # The business module calls of this ring group carry to the agents they reach (popups).
    business_module_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_modules.id", ondelete="RESTRICT")
    )
    members: Mapped[list[RingGroupMember]] = relationship(
        order_by=RingGroupMember.position, cascade="all, delete-orphan"
    )
    __table_args__ = (UniqueConstraint("team_id", "number"),)


class Did(Base):
    """An inbound number (E.164 with "+"), routed to a destination with a failover."""

    __tablename__ = "dids"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(32), unique=True)
    dest_kind: Mapped[str] = mapped_column(String(16))
    dest_ref: Mapped[str] = mapped_column(String(64), default="")
    failover_kind: Mapped[str] = mapped_column(String(16), default="hangup")
    failover_ref: Mapped[str] = mapped_column(String(64), default="")
    # Queue calls through this DID wait with this priority (higher is served first).
    # The business module calls of this DID carry to the agents they reach (popups).
    business_module_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_modules.id", ondelete="RESTRICT")
    )
    priority: Mapped[int] = mapped_column(Integer, default=0)
    team: Mapped[Team] = relationship()

"""History: call records (one per queued call and one per agent leg) and agent activity.

Written by call control with Core inserts/updates (never ORM objects), so a record never
moves the provisioning version. Names are stored as text (team slug, group name, agent
number) so a record outlives the configuration it describes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base

CALL_OUTCOMES = ("in_progress", "answered", "abandoned", "overflowed", "failed")


class CallRecord(Base):
    """A queued call from entry to hang-up; ``in_progress`` until it ends (or is closed
    by another call-control process when the one holding it died)."""

    __tablename__ = "call_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(200), unique=True)
    node: Mapped[str] = mapped_column(String(64))  # the call-control process holding it
    team: Mapped[str] = mapped_column(String(32))
    group_name: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(64), default="")
    dialed: Mapped[str] = mapped_column(String(64), default="")
    agent: Mapped[str] = mapped_column(String(16), default="")  # agent number, if answered
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    wait_ms: Mapped[int] = mapped_column(Integer, default=0)
    ring_ms: Mapped[int] = mapped_column(Integer, default=0)
    talk_ms: Mapped[int] = mapped_column(Integer, default=0)
    offers: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(16), default="in_progress")
    end_reason: Mapped[str] = mapped_column(String(32), default="")
    __table_args__ = (Index("ix_call_records_team_started", "team", "started_at"),)


RECORDING_STATES = ("recording", "ready", "failed")


class Recording(Base):
    """One recording of a live call (the customer's side: ``calls.recording``), a WAV
    file under the recordings directory once the call's media is closed."""

    __tablename__ = "recordings"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(200))  # the call (queue or click-to-dial)
    number: Mapped[int] = mapped_column(Integer, default=1)  # the call's 1st, 2nd, ...
    node: Mapped[str] = mapped_column(String(64))  # the call-control process recording it
    team: Mapped[str] = mapped_column(String(32))
    group_name: Mapped[str] = mapped_column(String(64), default="")  # a queue call's group
    agent: Mapped[str] = mapped_column(String(16), default="")  # agent number
    customer: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)  # audio in the file
    paused_ms: Mapped[int] = mapped_column(Integer, default=0)  # left out while paused
    state: Mapped[str] = mapped_column(String(16), default="recording")
    file: Mapped[str] = mapped_column(String(300), default="")  # under the recordings dir
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (
        UniqueConstraint("call_id", "number"),
        Index("ix_recordings_team_started", "team", "started_at"),
        # call control's orphan sweep looks for recordings still running every 2 s
        Index("ix_recordings_state", "state"),
    )


class CallLegRecord(Base):
    """One offer of a queued call to an agent (or its overflow extension)."""

    __tablename__ = "call_leg_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(200), index=True)  # the queued call
    leg_call_id: Mapped[str] = mapped_column(String(200), default="")
    team: Mapped[str] = mapped_column(String(32))
    agent: Mapped[str] = mapped_column(String(16), default="")
    target: Mapped[str] = mapped_column(String(64), default="")  # the SIP user dialed
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ring_ms: Mapped[int] = mapped_column(Integer, default=0)
    # answered | no_answer | busy | rejected | unavailable | caller_abandoned | failed
    outcome: Mapped[str] = mapped_column(String(24), default="")


class AgentActivity(Base):
    """Every agent state change with its reason; ``duration_ms`` is how long the state it
    left lasted (a pause's length, an ACW's length)."""

    __tablename__ = "agent_activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    team: Mapped[str] = mapped_column(String(32))
    agent: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64), default="")
    pause_reason: Mapped[str] = mapped_column(String(64), default="")
    call_id: Mapped[str] = mapped_column(String(200), default="")
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (Index("ix_agent_activity_team_agent_at", "team", "agent", "at"),)


class AuditEntry(Base):
    """One change made through the API by an administrator (or a business system's key):
    who, what, when, from where, and how it ended. Written in the same transaction as the
    change; refusals in their own. Never holds a request body (so never a secret)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    team: Mapped[str | None] = mapped_column(String(32))  # slug; None: system-wide
    principal: Mapped[str] = mapped_column(String(200))  # "user admin@demo", "api key 7"
    role: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    object: Mapped[str] = mapped_column(String(300), default="")  # e.g. "users/ann@demo"
    status: Mapped[int] = mapped_column(Integer)
    source_ip: Mapped[str] = mapped_column(String(64), default="")
    __table_args__ = (Index("ix_audit_log_team_id", "team", "id"),)

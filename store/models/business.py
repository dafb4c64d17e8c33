"""Business modules (the seed's "inbound/outbound application"): how a call reaches the
business system an agent works in -- a popup URL for the agent's browser and an optional
signed webhook to the system itself -- and the webhook outbox.

An agent group names the module its agents' popups use; a DID and a ring group may bind
one for calls that reach agents directly (``agent_groups``/``dids``/``ring_groups``
``business_module_id``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base
from store.models.people import Team


class BusinessModule(Base):
    __tablename__ = "business_modules"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    # A URL template filled with the call's variables ({caller}, {dialed}, ...), each
    # URL-encoded, when a popup is delivered to an agent.
    popup_url: Mapped[str] = mapped_column(String(500), default="")
    open_in: Mapped[str] = mapped_column(String(8), default="frame")  # "frame" | "tab"
    webhook_url: Mapped[str] = mapped_column(String(500), default="")  # "": no webhook
    # The HMAC key the receiver verifies signatures with: the receiver needs the same
    # secret, so no hash will do -- a Fernet token (store.encryption), never returned.
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(String(512))
    team: Mapped[Team] = relationship()
    __table_args__ = (
        UniqueConstraint("team_id", "name"),
        CheckConstraint("open_in IN ('frame', 'tab')", name="open_in_frame_or_tab"),
    )


class WebhookDelivery(Base):
    """The outbox: one row per (module, event) to POST, kept across restarts of the web
    process; ``event_id`` (the ACD stream id) is the receiver's idempotency key."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_modules.id", ondelete="SET NULL")
    )
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)  # the exact JSON that is signed and sent
    status: Mapped[str] = mapped_column(String(12), default="pending")  # delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)  # the receiver's HTTP status
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("module_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_team_created", "team_id", "created_at"),
    )

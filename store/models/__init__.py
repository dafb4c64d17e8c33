"""The call-center model (SQLAlchemy 2). One module per area; everything re-exported here."""

from store.models.acd import (
    Agent,
    AgentGroup,
    AgentGroupAdmin,
    AgentGroupMember,
    CallerPriority,
    PauseReason,
)
from store.models.base import Base, ProvisioningState
from store.models.business import BusinessModule, WebhookDelivery
from store.models.history import (
    AgentActivity,
    AuditEntry,
    CallLegRecord,
    CallRecord,
    Recording,
)
from store.models.media import MusicFile
from store.models.people import ApiToken, Team, User, UserGroup
from store.models.telephony import (
    Did,
    Extension,
    RingGroup,
    RingGroupMember,
    TeamTrunkAddress,
    Trunk,
    TrunkGroup,
    TrunkGroupMember,
)

__all__ = [
    "Agent",
    "AgentActivity",
    "AgentGroup",
    "AgentGroupAdmin",
    "AgentGroupMember",
    "ApiToken",
    "AuditEntry",
    "Base",
    "BusinessModule",
    "CallLegRecord",
    "CallRecord",
    "CallerPriority",
    "Did",
    "Extension",
    "MusicFile",
    "PauseReason",
    "ProvisioningState",
    "Recording",
    "RingGroup",
    "RingGroupMember",
    "Team",
    "TeamTrunkAddress",
    "Trunk",
    "TrunkGroup",
    "TrunkGroupMember",
    "User",
    "UserGroup",
    "WebhookDelivery",
]

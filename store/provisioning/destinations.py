"""Checking a ``(kind, ref)`` destination against the team's objects."""

from __future__ import annotations

from sqlalchemy.orm import Session

from store.errors import Invalid, NotFound
from store.models import AgentGroup, Extension, RingGroup, Team
from store.models.telephony import DESTINATION_KINDS
from store.provisioning.common import in_team
from store.provisioning.extensions import E164


def check_destination(session: Session, team: Team, kind: str, ref: str, field: str) -> None:
    """Raise ``Invalid`` naming ``field`` unless ``(kind, ref)`` exists in ``team``."""
    if kind not in DESTINATION_KINDS:
        raise Invalid(f"{field}.kind", f"one of {', '.join(DESTINATION_KINDS)}")
    try:
        if kind == "extension":
            in_team(session, Extension, team.id, "", number=ref)
        elif kind == "ring_group":
            in_team(session, RingGroup, team.id, "", number=ref)
        elif kind == "agent_group":
            in_team(session, AgentGroup, team.id, "", name=ref)
    except NotFound:
        raise Invalid(
            f"{field}.ref", f"team {team.slug} has no {kind.replace('_', ' ')} {ref!r}"
        ) from None
    if kind == "external" and not E164.match(ref):
        raise Invalid(f"{field}.ref", "an E.164 number such as +15551234567")
    if kind == "hangup" and ref:
        raise Invalid(f"{field}.ref", "must be empty for hangup")

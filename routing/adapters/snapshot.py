"""Reads the routing ``Snapshot`` out of the SQL store.

Called by Kamailio workers when the provisioning version moved, never per call.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, joinedload

from routing.model import DialTarget, Did, SipAccount, Snapshot, Trunk
from store.models import Did as DidRow
from store.models import Extension, ProvisioningState
from store.models import Trunk as TrunkRow


def read_version(engine: Engine) -> int:
    with Session(engine) as session:
        version = session.scalar(select(ProvisioningState.version).where(ProvisioningState.id == 1))
    return int(version or 0)


def read_snapshot(engine: Engine) -> Snapshot:
    """Everything routing needs, read in one transaction so it is consistent."""
    with Session(engine) as session, session.begin():
        version = session.scalar(select(ProvisioningState.version).where(ProvisioningState.id == 1))
        extensions = session.scalars(
            select(Extension).where(Extension.kind == "sip").options(joinedload(Extension.team))
        ).all()
        accounts = tuple(
            SipAccount(e.team.slug, e.number, e.sip_ha1) for e in extensions if e.sip_ha1
        )
        dial_targets = tuple(
            DialTarget(e.team.slug, e.number, "extension", f"{e.team.slug}-{e.number}")
            for e in extensions
        )
        dids = tuple(
            _did(row)
            for row in session.scalars(select(DidRow).options(joinedload(DidRow.team))).all()
        )
        trunks = tuple(
            Trunk(t.name, t.team.slug, t.address)
            for t in session.scalars(select(TrunkRow).options(joinedload(TrunkRow.team))).all()
            if t.address
        )
    return Snapshot(int(version or 0), accounts, dial_targets, dids, trunks)


def _did(row: DidRow) -> Did:
    """Extension targets are named by SIP username, which is what the edge looks up."""
    team = row.team.slug
    target = f"{team}-{row.dest_ref}" if row.dest_kind == "extension" else row.dest_ref
    return Did(row.number, team, row.dest_kind, target)

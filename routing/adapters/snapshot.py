"""Reads the routing ``Snapshot`` out of the SQL store.

Called by Kamailio workers when the provisioning version moved, never per call: every
per-call question (an extension's outbound trunks, a ring group's members, the agent
fixed to an extension) is answered here once, so the call path only looks it up.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, joinedload, selectinload

from routing.failover import Failovers
from routing.model import (
    DialTarget,
    Did,
    FixedAgent,
    OutboundRoute,
    OutboundTrunk,
    RingGroup,
    SipAccount,
    Snapshot,
    Trunk,
)
from store.models import Agent, Extension, ProvisioningState, Team, TrunkGroup, User
from store.models import Did as DidRow
from store.models import RingGroup as RingGroupRow
from store.models import Trunk as TrunkRow


def read_version(engine: Engine) -> int:
    with Session(engine) as session:
        version = session.scalar(select(ProvisioningState.version).where(ProvisioningState.id == 1))
    return int(version or 0)


def read_snapshot(engine: Engine) -> Snapshot:
    """Everything routing needs, read in one transaction so it is consistent."""
    with Session(engine) as session, session.begin():
        version = session.scalar(select(ProvisioningState.version).where(ProvisioningState.id == 1))
        slugs = {t.id: t.slug for t in session.scalars(select(Team)).all()}
        extensions = session.scalars(
            select(Extension).where(Extension.kind == "sip").options(joinedload(Extension.team))
        ).all()
        accounts = tuple(
            SipAccount(e.team.slug, e.number, e.sip_ha1) for e in extensions if e.sip_ha1
        )
        ring_groups = _ring_groups(session, slugs)
        # A phone-number extension (a mobile, a landline) is dialed out through its owner's
        # trunk rules; its target is the number itself (``routing.policy``).
        phone_lines = session.scalars(
            select(Extension).where(Extension.kind == "phone").options(joinedload(Extension.team))
        ).all()
        dial_targets = (
            tuple(
                DialTarget(e.team.slug, e.number, "extension", f"{e.team.slug}-{e.number}")
                for e in extensions
            )
            + tuple(
                DialTarget(e.team.slug, e.number, "phone", e.phone_number or "")
                for e in phone_lines
                if e.phone_number
            )
            + tuple(DialTarget(g.team, g.number, "ring_group", g.number) for g in ring_groups)
        )
        did_rows = session.scalars(select(DidRow).options(joinedload(DidRow.team))).all()
        dids = tuple(_did(row) for row in did_rows)
        failovers = Failovers.of(
            {d.number: (d.failover_kind, d.failover_ref or "") for d in did_rows},
            {
                (slugs[team_id], number): (kind, ref or "")
                for team_id, number, kind, ref in session.execute(
                    select(
                        RingGroupRow.team_id,
                        RingGroupRow.number,
                        RingGroupRow.failover_kind,
                        RingGroupRow.failover_ref,
                    )
                )
            },
        )
        trunk_rows = session.scalars(select(TrunkRow)).all()
        trunks = tuple(Trunk(t.name, slugs[t.team_id], t.address) for t in trunk_rows if t.address)
        outbound = _outbound(session, slugs, trunk_rows, [*extensions, *phone_lines])
        fixed_agents = tuple(
            FixedAgent(
                f"{slugs[a.team_id]}-{a.extension.number}",
                f"{slugs[a.team_id]}/{a.number}",
                a.working_way,
            )
            for a in session.scalars(
                select(Agent).where(Agent.binding == "fixed").options(joinedload(Agent.extension))
            ).all()
            if a.extension is not None
        )
    return Snapshot(
        int(version or 0),
        accounts,
        dial_targets,
        dids,
        trunks,
        outbound,
        ring_groups,
        fixed_agents,
        failovers,
    )


def _did(row: DidRow) -> Did:
    """Extension targets are named by SIP username, which is what the edge looks up."""
    team = row.team.slug
    target = f"{team}-{row.dest_ref}" if row.dest_kind == "extension" else row.dest_ref
    return Did(row.number, team, row.dest_kind, target)


def _ring_groups(session: Session, slugs: dict[int, str]) -> tuple[RingGroup, ...]:
    """Members are SIP extensions only: a plain phone number cannot register."""
    rows = session.scalars(select(RingGroupRow).options(selectinload(RingGroupRow.members))).all()
    return tuple(
        RingGroup(
            slugs[g.team_id],
            g.number,
            g.strategy,
            int(g.ring_timeout_s),
            tuple(
                f"{slugs[g.team_id]}-{m.extension.number}"
                for m in g.members
                if m.extension.kind == "sip"
            ),
        )
        for g in rows
    )


def _outbound(
    session: Session,
    slugs: dict[int, str],
    trunk_rows: Sequence[TrunkRow],
    extensions: Sequence[Extension],
) -> tuple[OutboundRoute, ...]:
    """The team's default route per team slug; a user group's route per SIP username of
    its users' extensions (a user in several groups: the first group, by id, with one).
    Calls go to a trunk's host, else its address (a trunk with neither cannot be relayed
    to); a route left with no trunk is no route."""
    usable = {
        t.id: OutboundTrunk(
            t.name,
            t.host or t.address or "",
            int(t.port),
            t.caller_id or "",
            int(t.strip_digits),
            t.add_prefix or "",
            int(t.max_calls or 0),
        )
        for t in trunk_rows
        if t.host or t.address
    }
    names = {t.id: t.name for t in trunk_rows}
    groups = {
        g.id: g
        for g in session.scalars(select(TrunkGroup).options(selectinload(TrunkGroup.members)))
    }

    def route(
        owner: str, team: str, trunk_id: int | None, group_id: int | None
    ) -> OutboundRoute | None:
        # A trunk group wins over a single trunk when a team names both.
        if group_id is not None and group_id in groups:
            group = groups[group_id]
            members = tuple(usable[m.trunk_id] for m in group.members if m.trunk_id in usable)
            key, policy = f"{team}/trunk_group:{group.name}", group.policy
        elif trunk_id is not None and trunk_id in usable:
            members = (usable[trunk_id],)
            key, policy = f"{team}/trunk:{names[trunk_id]}", "failover"
        else:
            return None
        return OutboundRoute(owner, key, policy, members) if members else None

    routes: list[OutboundRoute] = []
    for row in session.scalars(select(Team)).all():
        default = route(row.slug, row.slug, row.default_trunk_id, row.default_trunk_group_id)
        if default is not None:
            routes.append(default)
    users = {
        u.id: u
        for u in session.scalars(select(User).options(selectinload(User.groups))).all()
        if u.groups
    }
    for extension in extensions:
        user = users.get(extension.user_id) if extension.user_id is not None else None
        if user is None:
            continue
        slug = slugs[extension.team_id]
        username = f"{slug}-{extension.number}"
        for group in sorted(user.groups, key=lambda g: g.id):
            if group.trunk_id is None and group.trunk_group_id is None:
                continue
            found = route(username, slug, group.trunk_id, group.trunk_group_id)
            if found is not None:
                routes.append(found)
            break
    return tuple(routes)

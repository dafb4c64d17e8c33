"""Trunks (carriers) and trunk groups."""

from __future__ import annotations

import ipaddress
import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import encryption
from store.errors import Duplicate, InUse, Invalid, TrunkAddressNotAllowed, Unavailable
from store.models import Team, TeamTrunkAddress, Trunk, TrunkGroup, TrunkGroupMember
from store.provisioning.common import apply, in_team, referenced_by, refuse_duplicate
from store.usage import trunk_group_users, trunk_users

TRUNK_FIELDS = (
    "host",
    "port",
    "username",
    "codecs",
    "caller_id",
    "strip_digits",
    "add_prefix",
    "max_calls",
)
TRUNK_GROUP_POLICIES = ("failover", "round_robin")


# --- the addresses a system admin allowed a team's trunks ------------------------------


def _network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError:
        raise Invalid(
            "allowed_trunk_addresses", f"{entry!r} is not an IP address or network (CIDR)"
        ) from None


def _as_text(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """A single address as itself ("127.0.0.2"), a wider network as CIDR."""
    return str(network.network_address) if network.num_addresses == 1 else str(network)


def allowed_trunk_addresses(session: Session, team: Team) -> list[str]:
    rows = session.scalars(
        select(TeamTrunkAddress.network).where(TeamTrunkAddress.team_id == team.id)
    )
    return sorted(rows)


def _allows(networks: list[str], address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def set_allowed_trunk_addresses(session: Session, team: Team, entries: list[str]) -> list[str]:
    """Replace the team's list (system admins only: the API checks the role). A trunk of
    the team whose address the new list leaves out is named in a refusal (409)."""
    networks = sorted({_as_text(_network(e)) for e in entries})
    outside = [
        f"trunk {t.name} ({t.address})"
        for t in session.scalars(select(Trunk).where(Trunk.team_id == team.id))
        if t.address is not None and not _allows(networks, t.address)
    ]
    if outside:
        raise InUse(
            f"the list would leave out addresses in use: {', '.join(outside)}",
            {"used_by": outside, "field": "allowed_trunk_addresses"},
        )
    session.query(TeamTrunkAddress).filter(TeamTrunkAddress.team_id == team.id).delete()
    session.add_all(TeamTrunkAddress(team_id=team.id, network=n) for n in networks)
    session.flush()
    return networks


def check_trunk_address_allowed(session: Session, team: Team, address: str | None) -> None:
    """Refuse a trunk address outside what a system admin allowed the team."""
    if address is None:
        return
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise Invalid("address", "an IP address, the carrier's source of requests") from None
    if not _allows(allowed_trunk_addresses(session, team), address):
        raise TrunkAddressNotAllowed(
            f"address {address} is not among the trunk addresses allowed to team {team.slug}; "
            "a system admin allows them (allowed_trunk_addresses of the team)",
            {"field": "address"},
        )


# --- trunks ------------------------------------------------------------------------------


def get_trunk(session: Session, team: Team, name: str) -> Trunk:
    return in_team(session, Trunk, team.id, f"trunk {name}", name=name)


def _configure_trunk(session: Session, trunk: Trunk, changes: dict[str, Any]) -> None:
    if "address" in changes and changes["address"] is not None:
        address = changes["address"]
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise Invalid("address", "an IP address, the carrier's source of requests") from None
        other = session.scalar(select(Trunk).where(Trunk.address == address))
        if other is not None and other is not trunk:
            # An address identifies one carrier: two trunks on it would be ambiguous.
            if other.team_id != trunk.team_id:
                raise Unavailable("address", f"address {address}")
            raise Duplicate(
                f"address {address} already identifies trunk {other.name}", {"field": "address"}
            )
    if changes.get("host") is not None and not _HOST.fullmatch(changes["host"]):
        raise Invalid("host", "the carrier's SIP server: a host name or an IP address, no port")
    apply(trunk, changes, ("address", *TRUNK_FIELDS))
    if "password" in changes:
        password = changes["password"]
        trunk.password_encrypted = None if password is None else encryption.encrypt(password)
    if trunk.address is None and trunk.username is None:
        raise Invalid("address", "a trunk is recognised by its address or by its username")
    if trunk.address is None and (trunk.host is None or trunk.password_encrypted is None):
        field = "host" if trunk.host is None else "password"
        raise Invalid(field, "a trunk without an address registers: it needs host, username "
                      "and password")  # fmt: skip
    _registration(trunk)
    if trunk.max_calls < 0 or trunk.strip_digits < 0:
        raise Invalid(
            "max_calls" if trunk.max_calls < 0 else "strip_digits", "must not be negative"
        )


# A DNS name (labels of letters, digits, "-") or an IPv4/IPv6 address; never a port.
_HOST = re.compile(r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+|[0-9A-Fa-f:.]+")


def registers(trunk: Trunk) -> bool:
    """A trunk with a username and a password registers to its carrier."""
    return trunk.username is not None and trunk.password_encrypted is not None


def _registration(trunk: Trunk) -> None:
    """A registering trunk keeps one random Contact user (the carrier calls it); a trunk
    that stops registering gives it up."""
    if not registers(trunk):
        trunk.contact_user = None
    elif trunk.contact_user is None:
        trunk.contact_user = "sbt" + secrets.token_hex(12)


def create_trunk(session: Session, team: Team, name: str, **settings: Any) -> Trunk:
    refuse_duplicate(session, Trunk, team.id, f"trunk {name}", name=name)
    trunk = Trunk(
        team_id=team.id,
        name=name,
        port=5060,
        codecs="PCMU,PCMA",
        strip_digits=0,
        add_prefix="",
        max_calls=0,
    )
    trunk.team = team
    _configure_trunk(session, trunk, settings)
    session.add(trunk)
    session.flush()
    return trunk


def update_trunk(session: Session, trunk: Trunk, changes: dict[str, Any]) -> Trunk:
    _configure_trunk(session, trunk, changes)
    session.flush()
    return trunk


def delete_trunk(session: Session, trunk: Trunk) -> None:
    used_by = trunk_users(session, trunk)
    if used_by:
        raise InUse(f"trunk {trunk.name} is used by {', '.join(used_by)}", {"used_by": used_by})
    session.delete(trunk)
    session.flush()


def get_trunk_group(session: Session, team: Team, name: str) -> TrunkGroup:
    return in_team(session, TrunkGroup, team.id, f"trunk group {name}", name=name)


def _configure_trunk_group(
    session: Session, team: Team, group: TrunkGroup, changes: dict[str, Any]
) -> None:
    if changes.get("policy", group.policy) not in TRUNK_GROUP_POLICIES:
        raise Invalid("policy", f"one of {', '.join(TRUNK_GROUP_POLICIES)}")
    apply(group, changes, ("policy",))
    if "trunks" in changes:
        names = changes["trunks"]
        if not names or len(set(names)) != len(names):
            raise Invalid("trunks", "a non-empty list of distinct trunk names")
        with referenced_by("trunks"):
            group.members = [
                TrunkGroupMember(trunk=get_trunk(session, team, n), position=i)
                for i, n in enumerate(names)
            ]


def create_trunk_group(session: Session, team: Team, name: str, **settings: Any) -> TrunkGroup:
    refuse_duplicate(session, TrunkGroup, team.id, f"trunk group {name}", name=name)
    group = TrunkGroup(team_id=team.id, name=name, policy="failover")
    session.add(group)
    _configure_trunk_group(session, team, group, settings)
    session.flush()
    return group


def update_trunk_group(
    session: Session, team: Team, group: TrunkGroup, changes: dict[str, Any]
) -> TrunkGroup:
    _configure_trunk_group(session, team, group, changes)
    session.flush()
    return group


def delete_trunk_group(session: Session, group: TrunkGroup) -> None:
    used_by = trunk_group_users(session, group)
    if used_by:
        raise InUse(
            f"trunk group {group.name} is used by {', '.join(used_by)}", {"used_by": used_by}
        )
    session.delete(group)
    session.flush()

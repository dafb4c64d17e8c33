"""Extensions: SIP phones (with a secret kept as HA1) or plain phone numbers."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import Duplicate, InUse, Invalid
from store.models import Extension, RingGroup, Team, User
from store.provisioning.common import apply, in_team, referenced_by
from store.provisioning.people import get_user
from store.secrets import sip_ha1, verify_web_password
from store.usage import extension_users

SHORT_NUMBER = re.compile(r"^[0-9]{1,6}$")
E164 = re.compile(r"^\+[0-9]{7,15}$")


def check_short_number(session: Session, team: Team, number: str, field: str = "number") -> None:
    """Extensions and ring groups share the team's short-number plan."""
    if not SHORT_NUMBER.match(number):
        raise Invalid(field, "1-6 digits")
    taken = session.scalar(
        select(Extension.id).where(Extension.team_id == team.id, Extension.number == number)
    ) or session.scalar(
        select(RingGroup.id).where(RingGroup.team_id == team.id, RingGroup.number == number)
    )
    if taken is not None:
        raise Duplicate(f"number {number} is already used in team {team.slug}", {"field": field})


def check_sip_secret(secret: str, owner: User | None) -> None:
    if len(secret) < 8:
        raise Invalid("sip_secret", "at least 8 characters")
    if owner is not None and verify_web_password(owner.password_hash, secret):
        raise Invalid("sip_secret", "must differ from the owner's web password")


def get_extension(session: Session, team: Team, number: str) -> Extension:
    return in_team(session, Extension, team.id, f"extension {number}", number=number)


def create_extension(
    session: Session,
    team: Team,
    number: str,
    realm: str,
    *,
    kind: str = "sip",
    sip_secret: str | None = None,
    phone_number: str | None = None,
    owner: str | None = None,
    agent_mode: bool = False,
) -> Extension:
    check_short_number(session, team, number)
    with referenced_by("owner"):
        user = None if owner is None else get_user(session, team, owner)
    extension = Extension(team_id=team.id, number=number, kind=kind, agent_mode=agent_mode)
    extension.team = team
    extension.user_id = None if user is None else user.id
    _set_reachability(extension, team, realm, kind, sip_secret, phone_number, user)
    session.add(extension)
    session.flush()
    return extension


def _set_reachability(
    extension: Extension,
    team: Team,
    realm: str,
    kind: str,
    sip_secret: str | None,
    phone_number: str | None,
    owner: User | None,
) -> None:
    if kind == "sip":
        if sip_secret is None:
            if extension.sip_ha1 is None:
                raise Invalid("sip_secret", "required for a SIP extension")
        else:
            check_sip_secret(sip_secret, owner)
            extension.sip_ha1 = sip_ha1(f"{team.slug}-{extension.number}", realm, sip_secret)
        extension.phone_number = None
    elif kind == "phone":
        if phone_number is None or not E164.match(phone_number):
            raise Invalid("phone_number", "an E.164 number such as +15551234567")
        extension.phone_number, extension.sip_ha1 = phone_number, None
    else:
        raise Invalid("kind", "sip or phone")
    extension.kind = kind


def update_extension(
    session: Session, team: Team, extension: Extension, changes: dict[str, Any], realm: str
) -> Extension:
    if "owner" in changes:
        owner = changes["owner"]
        with referenced_by("owner"):
            extension.user_id = None if owner is None else get_user(session, team, owner).id
    owner_user = None if extension.user_id is None else session.get(User, extension.user_id)
    if {"kind", "sip_secret", "phone_number"} & changes.keys():
        _set_reachability(
            extension,
            team,
            realm,
            changes.get("kind", extension.kind),
            changes.get("sip_secret"),
            changes.get("phone_number", extension.phone_number),
            owner_user,
        )
    apply(extension, changes, ("agent_mode",))
    session.flush()
    return extension


def delete_extension(session: Session, extension: Extension) -> None:
    used_by = extension_users(session, extension)
    if used_by:
        raise InUse(
            f"extension {extension.number} is used by {', '.join(used_by)}", {"used_by": used_by}
        )
    session.delete(extension)
    session.flush()

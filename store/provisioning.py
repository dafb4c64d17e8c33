"""Provisioning operations used by the seed, the API and tests.

Each function works inside the caller's transaction; committing it bumps the
provisioning version (see ``store.models``), which Kamailio picks up.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Agent, AgentGroup, Did, Extension, Team, Trunk, User
from store.secrets import hash_web_password, sip_ha1, verify_web_password


class ProvisioningError(ValueError):
    """A request that would break a rule of the model; the message says which."""


def team_by_slug(session: Session, slug: str) -> Team:
    team = session.scalars(select(Team).where(Team.slug == slug)).one_or_none()
    if team is None:
        raise ProvisioningError(f"unknown team {slug!r}")
    return team


def create_team(session: Session, slug: str, name: str) -> Team:
    if not slug.isascii() or not slug.isalnum() or slug != slug.lower():
        raise ProvisioningError(f"team id {slug!r} must be lowercase letters and digits")
    team = Team(slug=slug, name=name)
    session.add(team)
    session.flush()
    return team


def create_user(
    session: Session, team: Team | None, login: str, password: str, role: str
) -> User:
    user = User(team=team, login=login, password_hash=hash_web_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def add_extension(
    session: Session,
    team: Team,
    number: str,
    sip_secret: str,
    realm: str,
    owner: User | None = None,
) -> Extension:
    if not (number.isascii() and number.isdigit() and 1 <= len(number) <= 6):
        raise ProvisioningError(f"extension number {number!r} must be 1-6 digits")
    if owner is not None and verify_web_password(owner.password_hash, sip_secret):
        raise ProvisioningError("the SIP secret must differ from the owner's web password")
    extension = Extension(
        team=team,
        number=number,
        user_id=owner.id if owner is not None else None,
        sip_ha1=sip_ha1(f"{team.slug}-{number}", realm, sip_secret),
    )
    session.add(extension)
    session.flush()
    return extension


def extension_by_number(session: Session, team: Team, number: str) -> Extension:
    extension = session.scalars(
        select(Extension).where(Extension.team_id == team.id, Extension.number == number)
    ).one_or_none()
    if extension is None:
        raise ProvisioningError(f"team {team.slug!r} has no extension {number!r}")
    return extension


def add_agent_group(session: Session, team: Team, name: str) -> AgentGroup:
    group = AgentGroup(team=team, name=name)
    session.add(group)
    session.flush()
    return group


def add_agent(
    session: Session,
    team: Team,
    number: str,
    password: str,
    extension: Extension,
    groups: list[AgentGroup],
) -> Agent:
    agent = Agent(
        team_id=team.id,
        number=number,
        password_hash=hash_web_password(password),
        binding="fixed",
        extension=extension,
        groups=groups,
    )
    extension.agent_mode = True
    session.add(agent)
    session.flush()
    return agent


def add_trunk(session: Session, team: Team, name: str, address: str) -> Trunk:
    trunk = Trunk(team=team, name=name, address=address)
    session.add(trunk)
    session.flush()
    return trunk


def route_did(
    session: Session,
    team: Team,
    number: str,
    *,
    extension: Extension | None = None,
    agent_group: AgentGroup | None = None,
) -> Did:
    """Create or re-point a DID (E.164 with "+") to one destination of ``team``."""
    if (extension is None) == (agent_group is None):
        raise ProvisioningError("a DID routes to exactly one destination")
    for destination in (extension, agent_group):
        if destination is not None and destination.team_id != team.id:
            raise ProvisioningError("a DID can only route to its own team's destinations")
    did = session.scalars(select(Did).where(Did.number == number)).one_or_none()
    if did is None:
        did = Did(team=team, number=number)
        session.add(did)
    elif did.team_id != team.id:
        raise ProvisioningError(f"DID {number} belongs to another team")
    did.extension = extension
    did.agent_group = agent_group
    session.flush()
    return did

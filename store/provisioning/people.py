"""Teams, users and user groups."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.errors import Duplicate, InUse, Invalid
from store.models import ApiToken, Team, Trunk, TrunkGroup, User, UserGroup
from store.models.people import ROLES
from store.provisioning.common import apply, in_team, one, referenced_by, refuse_duplicate
from store.secrets import hash_web_password
from store.usage import user_users

_SLUG = re.compile(r"^[a-z][a-z0-9]{0,31}$")


def get_team(session: Session, slug: str) -> Team:
    return one(session, select(Team).where(Team.slug == slug), f"team {slug}")


def create_team(session: Session, slug: str, name: str) -> Team:
    if not _SLUG.match(slug):
        raise Invalid("slug", "1-32 lowercase letters and digits, starting with a letter")
    if session.scalar(select(Team.id).where(Team.slug == slug)) is not None:
        raise Duplicate(f"team {slug} already exists", {"field": "slug"})
    system_login = session.scalar(
        select(User.login).where(User.team_id.is_(None), User.login.endswith(f"@{slug}"))
    )
    if system_login is not None:  # its logins would read as the system user's
        raise Duplicate(f"system login {system_login} ends with @{slug}", {"field": "slug"})
    team = Team(slug=slug, name=name)
    session.add(team)
    session.flush()
    return team


def _trunk_id(session: Session, team: Team, field: str, name: str | None) -> int | None:
    """The id of the team's trunk (or trunk group, for ``*trunk_group`` fields) named in
    ``field``; None clears it; an unknown name is Invalid on that field."""
    if name is None:
        return None
    model, what = (TrunkGroup, "trunk group") if field.endswith("trunk_group") else (Trunk, "trunk")
    with referenced_by(field):
        return int(in_team(session, model, team.id, f"{what} {name}", name=name).id)


def update_team(session: Session, team: Team, changes: dict[str, Any]) -> Team:
    apply(team, changes, ("name",))
    if "default_trunk" in changes:
        team.default_trunk_id = _trunk_id(session, team, "default_trunk", changes["default_trunk"])
    if "default_trunk_group" in changes:
        team.default_trunk_group_id = _trunk_id(
            session, team, "default_trunk_group", changes["default_trunk_group"]
        )
    session.flush()
    return team


def delete_team(session: Session, team: Team) -> None:
    session.delete(team)
    session.flush()


def team_login(team: Team, login: str) -> str:
    """A team's logins read ``name@team``: ``name`` alone gets ``@team`` added; a login
    ending in anything else is refused (it says nothing about other teams' logins)."""
    if "@" not in login:
        login = f"{login}@{team.slug}"
    name, _, suffix = login.rpartition("@")
    if suffix != team.slug or not name:
        raise Invalid("login", f"a login of team {team.slug} reads name@{team.slug}")
    return login


def get_user(session: Session, team: Team | None, login: str) -> User:
    if team is not None and "@" not in login:
        login = f"{login}@{team.slug}"
    owner = User.team_id.is_(None) if team is None else User.team_id == team.id
    return one(session, select(User).where(User.login == login, owner), f"user {login}")


def _check_role(team: Team | None, role: str) -> None:
    if role not in ROLES:
        raise Invalid("role", f"one of {', '.join(ROLES)}")
    if (role == "system_admin") != (team is None):
        raise Invalid("role", "system admins belong to no team; team users are never system admins")


def create_user(
    session: Session,
    team: Team | None,
    login: str,
    password: str,
    role: str,
    display_name: str = "",
) -> User:
    _check_role(team, role)
    if len(password) < 8:
        raise Invalid("password", "at least 8 characters")
    if team is not None:
        login = team_login(team, login)
    else:
        suffix = login.rpartition("@")[2]
        if "@" in login and session.scalar(select(Team.id).where(Team.slug == suffix)):
            raise Invalid("login", f"a system login must not read as a login of team {suffix}")
    # Unique system-wide: a team's logins end with its (unique) slug, so this finds only
    # the caller's own team's users, or system users.
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise Duplicate(f"login {login} already exists", {"field": "login"})
    user = User(
        team=team,
        login=login,
        password_hash=hash_web_password(password),
        role=role,
        display_name=display_name,
    )
    session.add(user)
    session.flush()
    return user


def _is_last_team_admin(session: Session, user: User) -> bool:
    """A team keeps at least one team admin: without one, only a system admin could help.

    The team's row is locked first (PostgreSQL: FOR UPDATE; SQLite's write transaction
    is exclusive anyway), so two admins removing each other at once cannot both pass."""
    if user.team_id is None or user.role != "team_admin":
        return False
    session.execute(select(Team.id).where(Team.id == user.team_id).with_for_update())
    others = session.scalar(
        select(func.count(User.id)).where(
            User.team_id == user.team_id, User.role == "team_admin", User.id != user.id
        )
    )
    return not others


def _slug(user: User) -> str:
    return user.team.slug if user.team is not None else ""


def update_user(session: Session, user: User, changes: dict[str, Any]) -> User:
    if "role" in changes:
        _check_role(user.team, changes["role"])
        if changes["role"] != "team_admin" and _is_last_team_admin(session, user):
            last = f"team {_slug(user)} as its last team admin"
            raise InUse(
                f"{user.login} is the last team admin of team {_slug(user)}: make another "
                "user team admin first",
                {"field": "role", "used_by": [last]},
            )
    if "password" in changes:
        if len(changes["password"]) < 8:
            raise Invalid("password", "at least 8 characters")
        user.password_hash = hash_web_password(changes["password"])
        # A new password ends every session opened with the old one.
        session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    apply(user, changes, ("role", "display_name"))
    session.flush()
    return user


def delete_user(session: Session, user: User) -> None:
    used_by = user_users(session, user.id)
    if _is_last_team_admin(session, user):
        used_by.append(f"team {_slug(user)} as its last team admin")
    if used_by:
        raise InUse(f"user {user.login} still owns {', '.join(used_by)}", {"used_by": used_by})
    session.delete(user)
    session.flush()


def get_user_group(session: Session, team: Team, name: str) -> UserGroup:
    return in_team(session, UserGroup, team.id, f"user group {name}", name=name)


def _set_user_group_links(
    session: Session, team: Team, group: UserGroup, changes: dict[str, Any]
) -> None:
    if "members" in changes:
        with referenced_by("members"):
            group.members = [get_user(session, team, login) for login in changes["members"]]
    if "trunk" in changes:
        group.trunk_id = _trunk_id(session, team, "trunk", changes["trunk"])
    if "trunk_group" in changes:
        group.trunk_group_id = _trunk_id(session, team, "trunk_group", changes["trunk_group"])
    if group.trunk_id is not None and group.trunk_group_id is not None:
        raise Invalid("trunk", "a user group uses a trunk or a trunk group, not both")


def create_user_group(session: Session, team: Team, name: str, **links: Any) -> UserGroup:
    refuse_duplicate(session, UserGroup, team.id, f"user group {name}", name=name)
    group = UserGroup(team_id=team.id, name=name)
    session.add(group)
    _set_user_group_links(session, team, group, links)
    session.flush()
    return group


def update_user_group(
    session: Session, team: Team, group: UserGroup, changes: dict[str, Any]
) -> UserGroup:
    _set_user_group_links(session, team, group, changes)
    session.flush()
    return group


def delete_user_group(session: Session, group: UserGroup) -> None:
    session.delete(group)
    session.flush()


def find_login(session: Session, login: str) -> User | None:
    """The user who logs in as ``login``, or None."""
    return session.scalars(select(User).where(User.login == login)).one_or_none()

"""Agents, agent groups (queue settings), group administrators and pause reasons."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.errors import Duplicate, InUse, Invalid
from store.models import Agent, AgentGroup, AgentGroupAdmin, Extension, PauseReason, Team
from store.models.acd import ACW_MODES, BINDINGS, STRATEGIES, WORKING_WAYS
from store.provisioning.common import apply, in_team, referenced_by, refuse_duplicate
from store.provisioning.destinations import check_destination
from store.provisioning.extensions import get_extension
from store.provisioning.music import check_group_music
from store.provisioning.people import get_user
from store.provisioning.skills import (
    agent_penalties,
    check_penalties,
    check_skills,
    configure_group_skills,
    set_penalties,
)
from store.secrets import hash_web_password
from store.usage import agent_group_users

# --- pause reasons -------------------------------------------------------------------


def get_pause_reason(session: Session, team: Team, name: str) -> PauseReason:
    return in_team(session, PauseReason, team.id, f"pause reason {name}", name=name)


def create_pause_reason(
    session: Session, team: Team, name: str, code: int | None = None
) -> PauseReason:
    """A new reason; its code (keyed after *65) is ``code`` or the team's next free one."""
    refuse_duplicate(session, PauseReason, team.id, f"pause reason {name}", name=name)
    if code is None:
        highest = session.scalar(
            select(func.max(PauseReason.code)).where(PauseReason.team_id == team.id)
        )
        code = (highest or 0) + 1
    else:
        refuse_duplicate(session, PauseReason, team.id, f"pause reason code {code}", code=code)
    reason = PauseReason(team_id=team.id, name=name, code=code)
    session.add(reason)
    session.flush()
    return reason


def delete_pause_reason(session: Session, reason: PauseReason) -> None:
    session.delete(reason)  # groups simply stop offering it
    session.flush()


# --- agent groups --------------------------------------------------------------------

_GROUP_FIELDS = (
    "strategy",
    "ring_timeout_s",
    "max_wait_s",
    "acw_mode",
    "acw_seconds",
    "music_on_hold",
    "popup_url_template",
    "announce_position",
    "announce_wait",
    "announce_every_s",
    "record_calls",
    "announce_agent",
    "confirm_answer",
)


def get_agent_group(session: Session, team: Team, name: str) -> AgentGroup:
    return in_team(session, AgentGroup, team.id, f"agent group {name}", name=name)


def _configure_group(
    session: Session, team: Team, group: AgentGroup, changes: dict[str, Any]
) -> None:
    if changes.get("strategy", group.strategy) not in STRATEGIES:
        raise Invalid("strategy", f"one of {', '.join(STRATEGIES)}")
    if changes.get("acw_mode", group.acw_mode) not in ACW_MODES:
        raise Invalid("acw_mode", f"one of {', '.join(ACW_MODES)}")
    if "music_on_hold" in changes:
        check_group_music(session, team, changes["music_on_hold"])
    apply(group, changes, _GROUP_FIELDS)
    configure_group_skills(group, changes)
    if "allowed_working_ways" in changes:
        ways = changes["allowed_working_ways"]
        if not ways or any(w not in WORKING_WAYS for w in ways):
            raise Invalid("allowed_working_ways", f"a non-empty list of {', '.join(WORKING_WAYS)}")
        group.allowed_working_ways = ",".join(ways)
    if "overflow" in changes:
        kind, ref = changes["overflow"]["kind"], changes["overflow"].get("ref", "")
        if (kind, ref) == ("agent_group", group.name):
            raise Invalid("overflow.ref", "a group cannot overflow to itself")
        check_destination(session, team, kind, ref, "overflow")
        group.overflow_kind, group.overflow_ref = kind, ref
    if "pause_reasons" in changes:
        with referenced_by("pause_reasons"):
            group.pause_reasons = [
                get_pause_reason(session, team, n) for n in changes["pause_reasons"]
            ]


def create_agent_group(session: Session, team: Team, name: str, **settings: Any) -> AgentGroup:
    refuse_duplicate(session, AgentGroup, team.id, f"agent group {name}", name=name)
    group = AgentGroup(team_id=team.id, name=name)
    group.team = team
    session.add(group)
    _configure_group(session, team, group, settings)
    session.flush()
    return group


def update_agent_group(
    session: Session, team: Team, group: AgentGroup, changes: dict[str, Any]
) -> AgentGroup:
    _configure_group(session, team, group, changes)
    for agent in group.agents:  # a narrowed group must still allow its agents' ways
        _check_working_way(agent.working_way, agent.groups)
    session.flush()
    return group


def delete_agent_group(session: Session, group: AgentGroup) -> None:
    used_by = agent_group_users(session, group)
    if used_by:
        raise InUse(
            f"agent group {group.name} is used by {', '.join(used_by)}", {"used_by": used_by}
        )
    session.delete(group)
    session.flush()


def set_group_admin(
    session: Session, team: Team, group: AgentGroup, login: str, **permissions: bool
) -> AgentGroupAdmin:
    user = get_user(session, team, login)
    admin = next((a for a in group.admins if a.user_id == user.id), None)
    if admin is None:
        admin = AgentGroupAdmin(user_id=user.id, user=user)
        group.admins.append(admin)
    for name, allowed in permissions.items():
        setattr(admin, f"can_{name}", allowed)
    if user.role == "user":
        user.role = "group_admin"
    session.flush()
    return admin


def remove_group_admin(session: Session, team: Team, group: AgentGroup, login: str) -> None:
    user = get_user(session, team, login)
    group.admins = [a for a in group.admins if a.user_id != user.id]
    session.flush()


# --- agents --------------------------------------------------------------------------


def get_agent(session: Session, team: Team, number: str) -> Agent:
    return in_team(session, Agent, team.id, f"agent {number}", number=number)


def _check_working_way(way: str, groups: list[AgentGroup]) -> None:
    if way not in WORKING_WAYS:
        raise Invalid("working_way", f"one of {', '.join(WORKING_WAYS)}")
    for group in groups:
        if way not in group.allowed_working_ways.split(","):
            raise Invalid("working_way", f"{way} is not allowed in agent group {group.name}")


def _bound_extension(
    session: Session, team: Team, agent: Agent | None, binding: str, extension_number: str | None
) -> Extension | None:
    """The extension a ``binding`` agent is bound to, checked before anything changes."""
    if binding not in BINDINGS:
        raise Invalid("binding", f"one of {', '.join(BINDINGS)}")
    if binding != "fixed":
        if extension_number is not None:
            raise Invalid(
                "extension", f"only a fixed agent is bound to an extension, not a {binding} one"
            )
        return None
    if extension_number is None:
        raise Invalid("extension", "a fixed agent needs its extension")
    with referenced_by("extension"):
        extension = get_extension(session, team, extension_number)
    # a phone-number extension is fine too: a remote agent, reached through the trunks
    with session.no_autoflush:
        holder = session.scalars(
            select(Agent).where(Agent.extension_id == extension.id)
        ).one_or_none()
    if holder is not None and holder is not agent:
        raise Duplicate(
            f"extension {extension_number} is already bound to agent {holder.number}",
            {"field": "extension"},
        )
    return extension


# New PINs have at least 6 digits: a million guesses, against the login throttle's
# per-account lockout (the API's schema, ``dashboard.schemas.acd.Pin``, and the CSV
# import ask for them). The store itself still accepts 4 (the demo agents', and PINs set
# before the rule), so existing data stays valid.
NEW_PIN_DIGITS = 6
LEGACY_PIN_DIGITS = 4


def _check_pin(password: str, min_digits: int = LEGACY_PIN_DIGITS) -> None:
    if not (password.isascii() and password.isdigit() and min_digits <= len(password) <= 12):
        raise Invalid("password", f"{min_digits}-12 digits, so it can be keyed in on a phone")


def create_agent(
    session: Session,
    team: Team,
    number: str,
    password: str,
    *,
    groups: list[str],
    binding: str = "fixed",
    extension: str | None = None,
    working_way: str = "all",
    owner: str | None = None,
    min_pin_digits: int = LEGACY_PIN_DIGITS,
    skills: dict[str, int] | None = None,
    penalties: dict[str, int] | None = None,
) -> Agent:
    if not (number.isascii() and number.isdigit() and 1 <= len(number) <= 8):
        raise Invalid("number", "1-8 digits")
    _check_pin(password, min_pin_digits)
    refuse_duplicate(session, Agent, team.id, f"agent {number}", number=number)
    if not groups:
        raise Invalid("groups", "an agent is in at least one agent group")
    with referenced_by("groups"):
        agent_groups = [get_agent_group(session, team, name) for name in groups]
    _check_working_way(working_way, agent_groups)
    checked_skills = check_skills("skills", skills or {})
    checked_penalties = check_penalties(penalties or {}, agent_groups)
    bound = _bound_extension(session, team, None, binding, extension)
    with referenced_by("owner"):
        user_id = None if owner is None else get_user(session, team, owner).id
    agent = Agent(
        team_id=team.id,
        number=number,
        password_hash=hash_web_password(password),
        binding=binding,
        working_way=working_way,
        user_id=user_id,
        extension=bound,
        skills=checked_skills,
    )
    agent.groups = agent_groups
    if bound is not None:
        bound.agent_mode = True
    session.add(agent)
    session.flush()
    if checked_penalties:
        set_penalties(session, agent, checked_penalties)
    return agent


def update_agent(session: Session, team: Team, agent: Agent, changes: dict[str, Any]) -> Agent:
    groups = agent.groups
    if "groups" in changes:
        if not changes["groups"]:
            raise Invalid("groups", "an agent is in at least one agent group")
        with referenced_by("groups"):
            groups = [get_agent_group(session, team, name) for name in changes["groups"]]
    _check_working_way(changes.get("working_way", agent.working_way), groups)
    binding = changes.get("binding", agent.binding)
    current = agent.extension.number if agent.extension is not None else None
    default_extension = current if binding == "fixed" else None
    bound = _bound_extension(
        session, team, agent, binding, changes.get("extension", default_extension)
    )
    if "password" in changes:
        _check_pin(changes["password"])
    skills = check_skills("skills", changes["skills"]) if "skills" in changes else None
    # Penalties of groups the agent stays in are kept unless given.
    kept = {n: v for n, v in agent_penalties(session, agent).items() if v}
    penalties = check_penalties(
        {n: v for n, v in kept.items() if n in {g.name for g in groups}}
        | (changes.get("penalties") or {}),
        groups,
    )
    owner_id = agent.user_id
    if "owner" in changes:
        with referenced_by("owner"):
            owner_id = (
                None if changes["owner"] is None else get_user(session, team, changes["owner"]).id
            )
    # Every check passed: now change the agent.
    if agent.extension is not None and agent.extension is not bound:
        agent.extension.agent_mode = False
    agent.groups, agent.binding, agent.extension, agent.user_id = groups, binding, bound, owner_id
    if bound is not None:
        bound.agent_mode = True
    apply(agent, changes, ("working_way",))
    if skills is not None:
        agent.skills = skills
    if "password" in changes:
        agent.password_hash = hash_web_password(changes["password"])
    session.flush()
    set_penalties(session, agent, {g.name: penalties.get(g.name, 0) for g in groups})
    return agent


def delete_agent(session: Session, agent: Agent) -> None:
    extension: Extension | None = agent.extension
    session.delete(agent)
    if extension is not None:
        extension.agent_mode = False
    session.flush()

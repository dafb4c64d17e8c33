"""Skills routing in the store: skills with levels, penalties and their relaxation steps,
call priorities (per DID and per caller prefix). The rules here are the ones the ACD core
applies (``routing.acd.policy``): an agent takes a group's call only with every required
skill at the minimum level or above, and only while its penalty in that group is at most
what the call's wait allows (the group's ``max_penalty``, widened by each step reached).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import Invalid
from store.models import Agent, AgentGroup, AgentGroupMember, CallerPriority, Team
from store.provisioning.common import in_team, refuse_duplicate

SKILL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MIN_LEVEL, MAX_LEVEL = 1, 10
MAX_SKILLS = 32
MAX_PENALTY = 99
MAX_STEPS = 10
MAX_STEP_AFTER_S = 86_400
MAX_PRIORITY = 99
CALLER_PREFIX = re.compile(r"^\+?[0-9]{1,20}$")


def check_skills(field: str, skills: Any) -> dict[str, int]:
    """Skill name -> level (an agent's level, or a group's minimum), checked."""
    if not isinstance(skills, dict):
        raise Invalid(field, "an object of skill name -> level")
    if len(skills) > MAX_SKILLS:
        raise Invalid(field, f"at most {MAX_SKILLS} skills")
    for name, level in skills.items():
        if not isinstance(name, str) or not SKILL_NAME.match(name):
            raise Invalid(
                f"{field}.{name}",
                "a skill name: a lowercase letter, then lowercase letters, digits or _ (max 32)",
            )
        if isinstance(level, bool) or not isinstance(level, int):
            raise Invalid(f"{field}.{name}", f"a level {MIN_LEVEL}-{MAX_LEVEL}")
        if not MIN_LEVEL <= level <= MAX_LEVEL:
            raise Invalid(f"{field}.{name}", f"a level {MIN_LEVEL}-{MAX_LEVEL}, got {level}")
    return dict(sorted(skills.items()))


def _check_penalty(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PENALTY:
        raise Invalid(field, f"a penalty 0-{MAX_PENALTY}")
    return value


def check_penalty_steps(max_penalty: Any, steps: Any) -> list[dict[str, int]]:
    """Each step waits longer and allows a higher penalty than the one before (and than
    the group's ``max_penalty``): otherwise it would never widen anything."""
    _check_penalty("max_penalty", max_penalty)
    if not isinstance(steps, list) or len(steps) > MAX_STEPS:
        raise Invalid("penalty_steps", f"a list of at most {MAX_STEPS} steps")
    checked: list[dict[str, int]] = []
    after_before, allowed_before = 0, max_penalty
    for n, step in enumerate(steps):
        if not isinstance(step, dict) or set(step) != {"after_s", "max_penalty"}:
            raise Invalid(f"penalty_steps.{n}", 'an object {"after_s": ..., "max_penalty": ...}')
        after, allowed = step["after_s"], step["max_penalty"]
        if isinstance(after, bool) or not isinstance(after, int):
            raise Invalid(f"penalty_steps.{n}.after_s", f"seconds 1-{MAX_STEP_AFTER_S}")
        if not after_before < after <= MAX_STEP_AFTER_S:
            raise Invalid(
                f"penalty_steps.{n}.after_s",
                f"seconds 1-{MAX_STEP_AFTER_S}, later than the step before ({after_before})",
            )
        _check_penalty(f"penalty_steps.{n}.max_penalty", allowed)
        if allowed <= allowed_before:
            raise Invalid(
                f"penalty_steps.{n}.max_penalty",
                f"must allow more than before this step ({allowed_before})",
            )
        checked.append({"after_s": after, "max_penalty": allowed})
        after_before, allowed_before = after, allowed
    return checked


def configure_group_skills(group: AgentGroup, changes: dict[str, Any]) -> None:
    """Apply ``required_skills``, ``max_penalty`` and ``penalty_steps`` of ``changes``."""
    if "required_skills" in changes:
        group.required_skills = check_skills("required_skills", changes["required_skills"])
    if "max_penalty" in changes or "penalty_steps" in changes:
        max_penalty = changes.get("max_penalty", group.max_penalty or 0)
        steps = changes.get("penalty_steps", group.penalty_steps or [])
        group.penalty_steps = check_penalty_steps(max_penalty, steps)
        group.max_penalty = max_penalty


def check_penalties(penalties: Any, groups: list[AgentGroup]) -> dict[str, int]:
    """Group name -> the agent's penalty there; every name one of the agent's groups."""
    if not isinstance(penalties, dict):
        raise Invalid("penalties", "an object of agent group name -> penalty")
    names = {g.name for g in groups}
    for name, penalty in penalties.items():
        if name not in names:
            raise Invalid(f"penalties.{name}", f"{name} is not one of the agent's groups")
        _check_penalty(f"penalties.{name}", penalty)
    return dict(penalties)


def agent_penalties(session: Session, agent: Agent) -> dict[str, int]:
    """The agent's penalty in each of its groups (0 where none was set)."""
    rows = session.execute(
        select(AgentGroup.name, AgentGroupMember.penalty)
        .join(AgentGroupMember, AgentGroupMember.group_id == AgentGroup.id)
        .where(AgentGroupMember.agent_id == agent.id)
    )
    return {name: int(penalty or 0) for name, penalty in rows}


def set_penalties(session: Session, agent: Agent, penalties: dict[str, int]) -> None:
    """Write the penalties (already checked) once the agent's memberships are flushed."""
    session.flush()
    by_group = {g.id: g.name for g in agent.groups}
    members = session.scalars(select(AgentGroupMember).where(AgentGroupMember.agent_id == agent.id))
    for member in members:
        name = by_group.get(member.group_id)
        if name in penalties and member.penalty != penalties[name]:
            member.penalty = penalties[name]
    session.flush()


# --- priorities -------------------------------------------------------------------------


def check_priority(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRIORITY:
        raise Invalid(field, f"a priority 0-{MAX_PRIORITY} (higher is served first)")
    return value


def get_caller_priority(session: Session, team: Team, prefix: str) -> CallerPriority:
    return in_team(session, CallerPriority, team.id, f"caller priority {prefix}", prefix=prefix)


def create_caller_priority(
    session: Session, team: Team, prefix: str, priority: int
) -> CallerPriority:
    if not CALLER_PREFIX.match(prefix):
        raise Invalid("prefix", "a caller number or its start: digits, optionally after a +")
    check_priority("priority", priority)
    refuse_duplicate(session, CallerPriority, team.id, f"caller priority {prefix}", prefix=prefix)
    row = CallerPriority(team_id=team.id, prefix=prefix, priority=priority)
    session.add(row)
    session.flush()
    return row


def update_caller_priority(session: Session, row: CallerPriority, priority: int) -> CallerPriority:
    row.priority = check_priority("priority", priority)
    session.flush()
    return row


def delete_caller_priority(session: Session, row: CallerPriority) -> None:
    session.delete(row)
    session.flush()

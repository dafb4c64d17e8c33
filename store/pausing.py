"""Which pause reasons an agent may pause with: its team's, narrowed by its groups.

An agent group may list the reasons its agents may use (``AgentGroup.pause_reasons``); a
group with no list leaves the team's reasons as they are. An agent in several groups may
use only what every one of its listing groups allows: a supervisor who narrowed a group's
reasons is never overruled by another group the agent is also in. The API's pause and
``*65`` both ask here. A pause keyed without a code (``*65#``) is the phone's generic
"not ready" and is not a reason a group can remove.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Agent, PauseReason


def narrowed(team_reasons: dict[int, str], group_lists: list[set[str]]) -> dict[int, str]:
    """The team's ``{code: name}`` left by every non-empty group list (pure)."""
    return {
        code: name
        for code, name in team_reasons.items()
        if all(name in names for names in group_lists if names)
    }


def agent_reasons(session: Session, agent: Agent) -> dict[int, str]:
    """``{code: name}`` of the reasons ``agent`` may pause with."""
    rows = session.execute(
        select(PauseReason.code, PauseReason.name).where(PauseReason.team_id == agent.team_id)
    )
    team_reasons = {code: name for code, name in rows}
    lists = [{r.name for r in group.pause_reasons} for group in agent.groups]
    return narrowed(team_reasons, lists)


def refusal(session: Session, agent: Agent, reason: str) -> str | None:
    """Why ``agent`` may not pause with ``reason`` (a message), or None."""
    known = session.scalar(
        select(PauseReason.id).where(
            PauseReason.team_id == agent.team_id, PauseReason.name == reason
        )
    )
    if known is None:
        return f"unknown pause reason {reason!r}"
    if reason not in agent_reasons(session, agent).values():
        groups = sorted(g.name for g in agent.groups if g.pause_reasons)
        return f"pause reason {reason!r} is not allowed in agent group(s) {', '.join(groups)}"
    return None

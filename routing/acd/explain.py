""" "Why is this call still waiting?" and "why is this agent (not) offered calls?",
answered from an ACD index (``routing.acd.selector``) loaded with the live state.

Both are the core's ``explain_call`` / ``explain_agent`` (reasons in the order of
``routing.acd.policy``: ``not_member``, the agent's state -- ``signed_out``, ``offered``,
``on_call``, ``acw``, ``paused`` --, ``unregistered``, ``dial_out_only``,
``missing_skill``, ``skill_too_low``, ``penalty_too_high``), put in a team's words:
agent numbers and group names without the team prefix. Where no call waits, the
question is asked for a call arriving now (``call`` is then None): its index is a
throwaway copy.
"""

from __future__ import annotations

from typing import Any

from routing.acd.events import CallLeft, CallQueued, to_wire
from routing.acd.model import WaitingCall
from routing.acd.selector import Selector

NEW_CALL = "explain:new-call"  # the call id of the hypothetical call


def _number(agent_id: str) -> str:
    return agent_id.partition("/")[2]


def _agent_rows(
    selector: Selector, call_id: str, answer: dict[str, Any], now_ms: int
) -> list[dict[str, Any]]:
    """Every member of the call's group: eligible (with its rank) or why not."""
    rows: list[dict[str, Any]] = []
    for agent in answer.get("eligible", []):
        why = selector.explain_agent(call_id, agent, now_ms)
        rows.append({"agent": _number(agent), "eligible": True, "reason": "", "detail": "",
                     "rank": why.get("rank")})  # fmt: skip
    for excluded in answer.get("excluded", []):
        rows.append({"agent": _number(excluded["agent"]), "eligible": False,
                     "reason": excluded["reason"], "detail": excluded["detail"], "rank": None})  # fmt: skip
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["agent"]))


def _call(selector: Selector, call_id: str, now_ms: int) -> dict[str, Any]:
    answer = selector.explain_call(call_id, now_ms)
    return {
        "call": None if call_id == NEW_CALL else call_id,
        "status": answer.get("status", ""),
        "priority": answer.get("priority", 0),
        "waited_ms": answer.get("waited_ms", 0),
        "allowed_penalty": answer.get("allowed_penalty", 0),
        "offered_to": [_number(a) for a in answer.get("offered_to", [])],
        "agents": _agent_rows(selector, call_id, answer, now_ms),
    }


def _new_call(selector: Selector, group: str, now_ms: int) -> None:
    selector.apply(to_wire(CallQueued(WaitingCall(NEW_CALL, group, 0, now_ms))))


def explain_group(selector: Selector, group: str, now_ms: int) -> dict[str, Any]:
    """Each waiting call of ``group`` (in service order) and a call arriving now."""
    calls = [_call(selector, c, now_ms) for c in selector.waiting(group)]
    _new_call(selector, group, now_ms)
    new_call = _call(selector, NEW_CALL, now_ms)
    _call_left(selector, now_ms)
    return {"waiting": calls, "new_call": new_call}


def _call_left(selector: Selector, now_ms: int) -> None:
    selector.apply(to_wire(CallLeft(NEW_CALL, "explained", now_ms)))


def explain_agent(
    selector: Selector, agent_id: str, groups: list[str], now_ms: int
) -> list[dict[str, Any]]:
    """Per group of ``groups``: would the agent be offered the call it would take next
    there (the first waiting call no agent is being offered, else the first waiting), or
    a call arriving now when none waits, and if not, why."""
    rows = []
    for group in groups:
        waiting = selector.waiting(group)
        free = [c for c in waiting if not selector.explain_call(c, now_ms).get("offered_to")]
        call_id = (free or waiting or [NEW_CALL])[0]
        if call_id == NEW_CALL:
            _new_call(selector, group, now_ms)
        why = selector.explain_agent(call_id, agent_id, now_ms)
        offered_to = selector.explain_call(call_id, now_ms).get("offered_to", [])
        if call_id == NEW_CALL:
            _call_left(selector, now_ms)
        rows.append(
            {
                "group": group.partition("/")[2],
                "waiting": len(waiting),
                "call": None if call_id == NEW_CALL else call_id,
                "eligible": bool(why.get("eligible")),
                "reason": why.get("reason", ""),
                "detail": why.get("detail", ""),
                "rank": why.get("rank"),
                "offered_to": [_number(a) for a in offered_to],
            }
        )
    return rows

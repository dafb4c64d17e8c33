"""``*65`` / ``*66``: pause and unpause from the phone; ``*67``: choose the working way --
the pure part (unit-tested).

``*65`` then optionally a pause reason code and ``#``: the code each reason was given
(``GET /pause-reasons`` lists them; stable, so adding a reason moves no other), among the
reasons the agent's groups allow (``store.pausing``): the demo's ``1#`` is lunch, ``2#``
meeting, ``3#`` training. Just ``#``, or no key within a few
seconds, pauses with ``DEFAULT_REASON``. The pause itself goes through the ACD state
machine, which allows it only from idle or after-call work.

``*67`` then one key sets a self-selecting agent's working way in effect: ``1`` dial-in
(queue calls), ``2`` dial-out (outbound calls), ``3`` all (both). Agents with another
working way are refused (the low tone), as the API refuses them with 409.
"""

from __future__ import annotations

from routing.acd.config import AcdConfig

PAUSE, UNPAUSE, WORKING_WAY = "*65", "*66", "*67"
WAY_KEYS = {"1": "dial_in", "2": "dial_out", "3": "all"}
DEFAULT_REASON = "default"  # what a pause keyed without a code is recorded as
MAX_CODE_KEYS = 4


def parse_pause_code(keys: str) -> str | None:
    """The code keyed before ``#`` ("" for none); None while no ``#`` was keyed."""
    if "#" not in keys:
        return None
    return keys.split("#", 1)[0].lstrip("*")


def pause_reason(code: str, reasons: dict[int, str]) -> str | None:
    """The reason whose code is ``code`` among ``reasons`` (``{code: name}``, those the
    agent may use); ``DEFAULT_REASON`` for no code; None for a code that names none."""
    if code == "":
        return DEFAULT_REASON
    if not code.isdigit():
        return None
    return reasons.get(int(code))


def way_for_key(key: str) -> str | None:
    """The working way ``*67`` then ``key`` selects, or None for a key that names none."""
    return WAY_KEYS.get(key)


def agent_at(config: AcdConfig, user: str, bound: dict[str, str]) -> str | None:
    """The agent signed in at SIP user ``user``: the fixed agent of that extension, else
    the one bound to it (``bound``: agent -> SIP user, as ``AgentStates.extensions``)."""
    for agent, agent_config in sorted(config.agents.items()):
        if agent_config.fixed and agent_config.extension == user:
            return agent
    return next((agent for agent, at in sorted(bound.items()) if at == user), None)

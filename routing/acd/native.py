"""``NativeSelector``: the native ``routing._native.AcdIndex`` behind the ``Selector`` interface.

The hot questions (``select``, ``next_call``, ``apply``) are the native methods themselves,
bound once, so a call costs no Python frame; only the answers that carry typed values
(``transition``, ``live``) are converted here.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from routing.acd import machine
from routing.acd.events import AgentStateChanged, Wire, from_wire, live_from_wire
from routing.acd.model import AgentLive


class NativeSelector:
    apply: Callable[[Wire], None]
    select: Callable[..., list[str]]
    next_call: Callable[[str, int], str | None]
    explain_call: Callable[[str, int], dict[str, Any]]
    explain_agent: Callable[..., dict[str, Any]]
    waiting: Callable[[str], list[str]]

    def __init__(self, index: Any) -> None:
        self.index = index
        self.apply = index.apply
        self.select = index.select
        self.next_call = index.next_call
        self.explain_call = index.explain_call
        self.explain_agent = index.explain_agent
        self.waiting = index.waiting

    def transition(self, agent_id: str, command: machine.Command, now_ms: int) -> machine.Outcome:
        result = self.index.transition(agent_id, command.to_wire(), now_ms)
        if isinstance(result, str):
            return machine.Refused(result)
        events = tuple(_state_event(wire) for wire in result)
        return machine.Accepted(events[-1].live, events)

    def live(self, agent_id: str) -> AgentLive | None:
        wire = self.index.live(agent_id)
        return None if wire is None else live_from_wire(wire)


def _state_event(wire: Wire) -> AgentStateChanged:
    event = from_wire(wire)
    if not isinstance(event, AgentStateChanged):
        raise TypeError(f"the native transition returned {wire!r}")
    return event


def native_module() -> ModuleType | None:
    """``routing._native`` if maturin built it, else None."""
    try:
        from routing import _native
    except ImportError:
        return None
    return _native

"""Driving the pure call model (``calls.decide``) in unit tests: a connected queue call,
and a run of inputs that must all be accepted."""

from __future__ import annotations

from calls import decide as d
from calls import model as m


def connected() -> m.Call:
    """A queue call of agent demo/1001 (at demo-5001), answered and bridged."""
    return d.queue_call("q1", "demo", "demo/1001", "+15550001111", "demo-5001", 1000)


def run(call: m.Call, *events: d.Input) -> tuple[m.Call, list[d.Action]]:
    """The call after ``events``, each accepted, and all their actions in order."""
    actions: list[d.Action] = []
    for event in events:
        step = d.decide(call, event)
        assert isinstance(step, d.Step), step
        call, actions = step.call, actions + list(step.actions)
    return call, actions


def refused(call: m.Call, event: d.Input) -> d.Refused:
    step = d.decide(call, event)
    assert isinstance(step, d.Refused), step
    return step

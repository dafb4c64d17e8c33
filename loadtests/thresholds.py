"""Pass/fail gates of a Locust run, checked when it quits (pure).

A run passes when it did something, its overall failure ratio is within
``fail_ratio`` and every request name's p95 is within ``p95_ms``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    fail_ratio: float = 0.01
    p95_ms: float = 500.0
    min_requests: int = 1


@dataclass(frozen=True)
class Entry:
    """What a gate needs from one line of Locust's stats."""

    name: str
    requests: int
    failures: int
    p95_ms: float


def problems(entries: Iterable[Entry], limits: Limits) -> list[str]:
    """Why the run fails; empty when it passes."""
    entries = list(entries)
    total = sum(e.requests for e in entries)
    failed = sum(e.failures for e in entries)
    found = []
    if total < limits.min_requests:
        found.append(f"only {total} requests (at least {limits.min_requests} expected)")
    elif failed / total > limits.fail_ratio:
        found.append(f"failure ratio {failed / total:.2%} > {limits.fail_ratio:.2%}")
    for e in entries:
        if e.requests and e.p95_ms > limits.p95_ms:
            found.append(f"{e.name}: p95 {e.p95_ms:.0f} ms > {limits.p95_ms:.0f} ms")
    return found

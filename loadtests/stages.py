"""Load stages for ramp, steady and spike runs (pure; no Locust import, so it is
testable without gevent's monkey-patching). ``loadtests.shapes`` turns them into
Locust ``LoadTestShape`` classes.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_USERS = 50  # hard caps: a load run never grows past these, whatever it is told
MAX_SECONDS = 600


@dataclass(frozen=True)
class Stage:
    until_s: float  # this stage lasts until this many seconds after the start
    users: int
    spawn_rate: float  # users started (or stopped) per second to get there


def stage_at(stages: tuple[Stage, ...], elapsed_s: float) -> tuple[int, float] | None:
    """Users and spawn rate at ``elapsed_s``; None once the last stage is over (stop)."""
    for stage in stages:
        if elapsed_s < stage.until_s:
            return (stage.users, stage.spawn_rate)
    return None


def _bounded(users: int, seconds: float) -> tuple[int, float]:
    return max(1, min(users, MAX_USERS)), max(1.0, min(seconds, MAX_SECONDS))


def ramp(users: int, seconds: float) -> tuple[Stage, ...]:
    """Up in four equal steps over three quarters of the time, then hold the peak."""
    users, seconds = _bounded(users, seconds)
    step = seconds * 0.75 / 4
    stages = [
        Stage(step * (i + 1), max(1, round(users * (i + 1) / 4)), max(1.0, users / 4))
        for i in range(4)
    ]
    return (*stages, Stage(seconds, users, max(1.0, users / 4)))


def steady(users: int, seconds: float) -> tuple[Stage, ...]:
    users, seconds = _bounded(users, seconds)
    return (Stage(seconds, users, float(users)),)


def spike(users: int, seconds: float) -> tuple[Stage, ...]:
    """A quarter of the users, all of them at once for a fifth of the time, back down."""
    users, seconds = _bounded(users, seconds)
    base = max(1, users // 4)
    return (
        Stage(seconds * 0.4, base, float(base)),
        Stage(seconds * 0.6, users, float(users)),  # everyone arrives within a second
        Stage(seconds, base, float(users)),
    )


SHAPES = {"ramp": ramp, "steady": steady, "spike": spike}

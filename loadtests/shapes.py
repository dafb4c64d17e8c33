"""Locust load shapes: ramp, steady and spike, each bounded in users and seconds.

The stages themselves are pure (``loadtests.stages``); ``from_env`` builds the one
shape class a locustfile exposes, from ``LOAD_SHAPE`` / ``LOAD_USERS`` / ``LOAD_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from locust import LoadTestShape

from loadtests.stages import MAX_SECONDS, MAX_USERS, SHAPES, Stage, stage_at

__all__ = ["MAX_SECONDS", "MAX_USERS", "StagedShape", "from_env"]


class StagedShape(LoadTestShape):
    abstract: ClassVar[bool] = True
    stages: ClassVar[tuple[Stage, ...]] = ()

    def tick(self) -> tuple[int, float] | None:
        return stage_at(self.stages, self.get_run_time())


def from_env(environ: Mapping[str, str]) -> type[StagedShape]:
    name = environ.get("LOAD_SHAPE", "steady")
    if name not in SHAPES:
        raise SystemExit(f"LOAD_SHAPE must be one of {', '.join(SHAPES)}, not {name!r}")
    stages = SHAPES[name](
        int(environ.get("LOAD_USERS", "6")), float(environ.get("LOAD_SECONDS", "30"))
    )
    return type(f"{name.title()}Shape", (StagedShape,), {"stages": stages, "abstract": False})

"""Stepping the offered rate and reading the outcome (pure).

Each step runs every still-active config ``reps`` times, interleaved (the order
alternates each repetition so drift on the shared machine hits both alike).
A config's step is

* ``clean``: the median failure ratio of its accepted runs is <= 0.1 %;
* ``failed``: it is above;
* ``inconclusive``: every run was rejected (the load generator was the limit).

A config stops at its first step that is not clean; its highest clean rate is
the last clean step before that.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from loadtests.bench.results import FAILURE_LIMIT

Row = dict[str, Any]


def run_order(configs: tuple[str, ...], rep: int) -> list[str]:
    """A, B for even repetitions, B, A for odd ones."""
    return list(configs) if rep % 2 == 0 else list(reversed(configs))


def step_verdict(rows: Iterable[Row]) -> str:
    accepted = [r for r in rows if not r["rejected"]]
    if not accepted:
        return "inconclusive"
    median = statistics.median(r["failure_ratio"] for r in accepted)
    return "clean" if median <= FAILURE_LIMIT else "failed"


@dataclass
class Stepper:
    """Which configs still step up, and where each one stopped."""

    configs: tuple[str, ...]
    stopped: dict[str, tuple[int, str]] = field(default_factory=dict)  # config -> (rate, verdict)
    clean: dict[str, int] = field(default_factory=dict)  # config -> highest clean rate

    def active(self) -> tuple[str, ...]:
        return tuple(c for c in self.configs if c not in self.stopped)

    def record(self, config: str, rate: int, verdict: str) -> None:
        if verdict == "clean":
            self.clean[config] = max(rate, self.clean.get(config, 0))
        else:
            self.stopped[config] = (rate, verdict)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def per_rate(rows: list[Row], config: str) -> dict[int, dict[str, Any]]:
    """Per offered rate: verdict, median CPU per call, worst failure ratio, p99."""
    out: dict[int, dict[str, Any]] = {}
    for rate in sorted({r["rate"] for r in rows if r["config"] == config}):
        at = [r for r in rows if r["config"] == config and r["rate"] == rate]
        accepted = [r for r in at if not r["rejected"]]
        out[rate] = {
            "verdict": step_verdict(at),
            "runs": len(at),
            "rejected": len(at) - len(accepted),
            "cpu_us_per_call": _median(
                [r["cpu_us_per_call"] for r in accepted if r["cpu_us_per_call"] is not None]
            ),
            "failure_ratio_median": _median([r["failure_ratio"] for r in accepted]),
            "failure_ratio_max": max((r["failure_ratio"] for r in accepted), default=None),
            "inv180_p99_ms": _median(
                [r["inv180_p99_ms"] for r in accepted if r["inv180_p99_ms"] is not None]
            ),
            "uac_core_share_max": max((r["uac_core_share"] for r in at), default=0.0),
            "uas_core_share_max": max((r["uas_core_share"] for r in at), default=0.0),
            "kamailio_cores": _median([r["kamailio_cores"] for r in accepted]),
        }
    return out


def summarize(rows: list[Row], configs: tuple[str, ...]) -> dict[str, Any]:
    """Highest clean rate of each config, why it stopped there, and the ratios.

    A config still clean at the last step run (or stopped by the generator) was
    not pushed to its limit: its figure is a lower bound.
    """
    summary: dict[str, Any] = {"configs": {}}
    for config in configs:
        rates = per_rate(rows, config)
        highest = _highest_before_first_stop(rates)
        stop = next(
            ((rate, s["verdict"]) for rate, s in rates.items() if s["verdict"] != "clean"), None
        )
        if stop is None:
            limited_by = "clean at every step run"
        elif stop[1] == "inconclusive":
            limited_by = f"load generator at {stop[0]}/s"
        else:
            limited_by = f"failures at {stop[0]}/s"
        summary["configs"][config] = {
            "highest_clean": highest,
            "lower_bound": stop is None or stop[1] == "inconclusive",
            "limited_by": limited_by,
            "per_rate": rates,
        }
    if len(configs) == 2:
        a, b = (summary["configs"][c] for c in configs)
        summary["rate_ratio"] = (
            round(a["highest_clean"] / b["highest_clean"], 3)
            if a["highest_clean"] and b["highest_clean"]
            else None
        )
        summary["cpu_ratio_by_rate"] = {
            rate: round(sa["cpu_us_per_call"] / sb["cpu_us_per_call"], 3)
            for rate, sa in a["per_rate"].items()
            if (sb := b["per_rate"].get(rate)) and sa["cpu_us_per_call"] and sb["cpu_us_per_call"]
        }
    return summary


def _highest_before_first_stop(rates: dict[int, dict[str, Any]]) -> int | None:
    highest = None
    for rate, s in rates.items():  # ascending
        if s["verdict"] != "clean":
            break
        highest = rate
    return highest

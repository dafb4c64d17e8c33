"""BENCHMARKS.md text of the proxy benchmark (loadtests.bench.render)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loadtests.bench import render
from loadtests.bench.stepping import summarize

FACTS = {"cores": 2, "cpu_model": "Test CPU", "kernel": "6.1", "python": "3.11"}
PARAMS = {
    "workers": 4,
    "shm_mb": 4096,
    "reps": 3,
    "duration_s": 5.0,
    "started": "today",
    "elapsed_s": 600.0,
}


def row(
    variant: str, config: str, rate: int, ratio: float, rejected: bool = False
) -> dict[str, Any]:
    return {
        "variant": variant,
        "config": config,
        "rate": rate,
        "rep": 0,
        "failure_ratio": ratio,
        "rejected": rejected,
        "reasons": ["sipp uac used 95% of a core"] if rejected else [],
        "noisy": False,
        "cpu_us_per_call": 500.0 if config == "switchboard" else 400.0,
        "inv180_p99_ms": 6.0,
        "uac_core_share": 0.4,
        "uas_core_share": 0.3,
        "kamailio_cores": 1.0,
        "kamailio_idle_cores": 0.01,
    }


def test_proxy_section_names_the_command_the_figures_and_rejections() -> None:
    rows = [
        row("calls", "switchboard", 1000, 0.0),
        row("calls", "native", 1000, 0.0),
        row("calls", "switchboard", 2000, 0.05),
        row("calls", "native", 2000, 0.0),
        row("calls", "native", 3000, 0.0, rejected=True),
    ]
    summaries = {"calls": summarize(rows, ("switchboard", "native"))}
    text = render.proxy_section(
        rows, summaries, FACTS, PARAMS, "make bench-proxy", "p.png", "NOTES"
    )
    assert "Command: `make bench-proxy`" in text
    assert "| calls without media | 1,000/s (failures at 2000/s) | ≥ 2,000/s" in text
    assert "| 0.50 |" in text and "**missed**" in text
    assert "| 1,000 | 500 | 400 | 1.25 |" in text
    assert "native 3,000/s rep 0: sipp uac used 95% of a core" in text
    assert "2 cores, Test CPU" in text and text.rstrip().endswith("NOTES")


def test_plot_writes_a_png(tmp_path: Path) -> None:
    rows = [row("register", "switchboard", 100, 0.0), row("register", "native", 100, 0.0)]
    path = render.plot({"register": summarize(rows, ("switchboard", "native"))}, tmp_path / "r.png")
    assert path.read_bytes()[:4] == b"\x89PNG"

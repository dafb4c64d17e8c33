"""Runs a sipp scenario kept in tests/sipp/<name>/ against the test stack."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parent.parent / "sipp"


def run_sipp(
    scenario: str, target: tuple[str, int], *args: str, timeout: float = 20
) -> subprocess.CompletedProcess[str]:
    """Run ``tests/sipp/<scenario>`` once (bounded by ``-m`` given in args and a timeout)."""
    argv = [
        "sipp",
        f"{target[0]}:{target[1]}",
        "-sf",
        str(SCENARIOS / scenario),
        "-i",
        "127.0.0.1",
        "-p",
        "0",
        "-nostdin",
        "-timeout",
        f"{int(timeout)}s",
        "-timeout_error",
        *args,
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 10, check=False)

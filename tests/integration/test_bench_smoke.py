"""`make bench-proxy` in its --smoke form, end to end, into a temporary directory.

No timing assertions: this keeps the benchmark code working (both proxies start,
the sipp scenarios pass through them, results and BENCHMARKS.md get written).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {
    "variant",
    "config",
    "rate",
    "rep",
    "offered",
    "created",
    "successful",
    "failure_ratio",
    "kamailio_cpu_s",
    "cpu_us_per_call",
    "uac_core_share",
    "uas_core_share",
    "rejected",
    "reasons",
    "inv180_p99_ms",
    "dialogs",
    "machine",
    "params",
}


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_smoke_run_measures_both_configs_in_every_variant(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    result = subprocess.run(
        [sys.executable, "-m", "loadtests.bench.proxy", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    calls = read_rows(out / "proxy.jsonl")
    registers = read_rows(out / "register.jsonl")
    seen = {(r["variant"], r["config"]) for r in calls + registers}
    assert seen == {
        (v, c) for v in ("calls", "calls-media", "register") for c in ("switchboard", "native")
    }
    for row in calls + registers:
        assert FIELDS <= row.keys(), FIELDS - row.keys()
        assert row["successful"] >= 0.9 * row["offered"] > 0, row
        assert row["machine"]["cores"] >= 1
    for row in calls:
        assert row["dialogs"] >= row["successful"]  # both configs track every call as a dialog

    text = (out / "BENCHMARKS.md").read_text()
    assert "<!-- bench:proxy -->" in text and "<!-- bench:register -->" in text
    assert (out / "proxy.png").exists() and (out / "register.png").exists()

"""`make bench-acd` end to end in smoke mode: every implementation and size gets a JSON line
with the agreed fields, a plot and a BENCHMARKS.md section. Timings are not checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from loadtests import report
from loadtests.bench import acd
from routing.acd.native import native_module

IMPLS = {"native", "python", "redis_lua", "redis_get", "native+redis_claim"}
FIELDS = {"impl", "agents", "queues", "p50_us", "p99_us", "ops_per_s", "load_avg_1m"}


@pytest.mark.skipif(native_module() is None, reason="routing._native is not built")
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_smoke_run_writes_one_line_per_implementation_and_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "RESULTS_DIR", tmp_path / "results")
    benchmarks_md = tmp_path / "BENCHMARKS.md"

    assert acd.main(["--smoke", "--benchmarks-md", str(benchmarks_md)]) == 0

    rows = [
        json.loads(line) for line in (tmp_path / "results" / "acd.jsonl").read_text().splitlines()
    ]
    assert {(r["impl"], r["agents"]) for r in rows} == {
        (impl, size) for impl in IMPLS for size in acd.SMOKE.sizes
    }
    for row in rows:
        assert set(row) == FIELDS
        assert row["queues"] == acd.SMOKE.queues
        assert 0 < row["p50_us"] <= row["p99_us"] and row["ops_per_s"] > 0
    assert (tmp_path / "results" / "acd.png").stat().st_size > 0
    section = benchmarks_md.read_text()
    assert "<!-- bench:acd -->" in section and "](results/acd.png)" in section

"""Writing benchmark results: JSON lines for machines, a BENCHMARKS.md section for people.

Each benchmark owns one section of BENCHMARKS.md, between the markers
``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``; rerunning it replaces only that
section, so benchmarks can run separately without clobbering each other.
"""

from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
RESULTS_DIR = ROOT / "loadtests" / "results"

_HEADER = """# Benchmarks

Written by `make bench` (each section by its own benchmark; rerun to refresh). Numbers are
from the machine named in each section; compare only figures from the same run.
"""


def machine_facts() -> dict[str, Any]:
    """Cores, CPU model and kernel, recorded next to every result."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def write_jsonl(name: str, rows: list[dict[str, Any]]) -> Path:
    """Write ``loadtests/results/<name>.jsonl`` (one JSON object per line)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.jsonl"
    path.write_text("".join(json.dumps(row, sort_keys=True) + "\n" for row in rows))
    return path


def update_section(name: str, markdown: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the section ``name`` of BENCHMARKS.md with ``markdown``."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    text = path.read_text() if path.exists() else _HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)

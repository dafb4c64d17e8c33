"""``make bench-proxy``: Kamailio CPS and REGISTER/s, Switchboard vs a native cfg.

    python -m loadtests.bench.proxy            # the full run (about 15 minutes)
    python -m loadtests.bench.proxy --smoke    # seconds, one repetition, low rates
    python -m loadtests.bench.proxy --smoke --out /tmp/b   # results there, not in the repo

Starts rtpengine and both proxies on free loopback ports in a temporary
directory, steps the offered rate (see ``stepping``), and writes
``loadtests/results/{proxy,register}.jsonl``, the plots, and the "proxy" and
"register" sections of BENCHMARKS.md. Every run is bounded (calls, seconds,
and a total time budget); everything it started is stopped on exit.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from loadtests import report
from loadtests.bench import procs, render
from loadtests.bench.results import retry_reason
from loadtests.bench.runner import BenchError, Runner
from loadtests.bench.stepping import Stepper, run_order, step_verdict, summarize
from loadtests.bench.targets import CONFIGS, BenchStack, start_bench_stack

NOTES_DIR = Path(__file__).resolve().parent / "notes"


@dataclass(frozen=True)
class Variant:
    name: str
    scenario: str  # sipp folder under loadtests/sipp/ ("register" has no UAS)
    rates: tuple[int, ...]


def _rates(text: str) -> tuple[int, ...]:
    return tuple(sorted(int(x) for x in text.split(",") if x.strip()))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m loadtests.bench.proxy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--smoke", action="store_true", help="a few seconds at a low rate, one repetition (CI)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write results, plot and BENCHMARKS.md into this directory",
    )
    p.add_argument("--variants", default="calls,calls-media,register")
    p.add_argument("--calls-rates", default="1000,1500,2000,2500,3000,3500,4000,5000,6000,8000")
    p.add_argument("--media-rates", default="500,750,1000,1250,1500,2000,2500,3000")
    p.add_argument("--register-rates", default="2000,5000,8000,10000,12000,15000")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--duration", type=float, default=4.0, help="seconds of traffic per run")
    p.add_argument("--hold-ms", type=int, default=500, help="call length after the ACK")
    p.add_argument("--gap", type=float, default=1.0, help="idle seconds before each run")
    p.add_argument("--workers", type=int, default=4, help="Kamailio UDP workers (make run: 4)")
    p.add_argument("--shm-mb", type=int, default=4096, help="Kamailio shared memory (-m)")
    p.add_argument(
        "--kamailio-args",
        default="",
        help="what-if: extra options for both Kamailios, e.g. '-x tlsf -X tlsf'",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=840.0,
        help="stop stepping up after this many seconds in total",
    )
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    p.add_argument(
        "--render",
        action="store_true",
        help="no runs: rewrite the plots and BENCHMARKS.md sections from the JSON lines",
    )
    args = p.parse_args(argv)
    if args.smoke:
        args.calls_rates = args.media_rates = args.register_rates = "40"
        args.reps, args.duration, args.hold_ms, args.gap = 1, 2.0, 200, 0.2
        args.shm_mb, args.budget = 256, 120.0
    return args


def variants(args: argparse.Namespace) -> list[Variant]:
    known = {
        "calls": Variant("calls", "call", _rates(args.calls_rates)),
        "calls-media": Variant("calls-media", "call-media", _rates(args.media_rates)),
        "register": Variant("register", "register", _rates(args.register_rates)),
    }
    # The REGISTER storm runs last: it must not disturb the callee's registration.
    order = ["calls", "calls-media", "register"]
    wanted = {v.strip() for v in args.variants.split(",")}
    unknown = wanted - set(order)
    if unknown:
        raise SystemExit(f"unknown variants: {', '.join(sorted(unknown))}")
    return [known[name] for name in order if name in wanted]


def _progress(row: dict[str, Any]) -> None:
    flag = " REJECTED: " + ", ".join(row["reasons"]) if row["rejected"] else ""
    print(
        f"{row['variant']:<12} {row['config']:<12} {row['rate']:>6}/s rep {row['rep']} "
        f"ok {row['successful']:>6}/{row['offered']:<6} fail {row['failure_ratio']:.3%} "
        f"cpu {row['cpu_us_per_call'] or 0:>6.0f} us/call  uac {row['uac_core_share']:.0%} "
        f"uas {row['uas_core_share']:.0%}{flag}",
        flush=True,
    )


def measure(
    runner: Runner, stack: BenchStack, variant: Variant, reps: int, duration: float, deadline: float
) -> list[dict[str, Any]]:
    """Step one variant's rate up for both configs; the rows of every run."""

    def once(config: str, rate: int, rep: int, seconds: float) -> dict[str, Any]:
        proxy = stack.proxies[config]
        if variant.name == "register":
            return runner.registrations(proxy, rate, rep, seconds).as_dict()
        return runner.calls(proxy, variant.name, variant.scenario, rate, rep, seconds).as_dict()

    if variant.name != "register":
        runner.use_uas(variant.scenario)
    for config in CONFIGS:  # warm up: every worker loads its routing data first
        warm = once(config, min(100, variant.rates[0]), -1, 1.0)
        if warm["successful"] < 0.9 * warm["offered"]:
            raise BenchError(
                f"{variant.name} does not work on {config} even at a low rate: "
                f"{warm['successful']}/{warm['offered']} (see {runner.work_dir})"
            )
    rows: list[dict[str, Any]] = []
    stepper = Stepper(CONFIGS)
    for rate in variant.rates:
        active = stepper.active()
        if not active:
            break
        if time.monotonic() > deadline:
            print(f"time budget reached before {variant.name} at {rate}/s", flush=True)
            break
        step: list[dict[str, Any]] = []
        for rep in range(reps):
            for config in run_order(active, rep):
                row = once(config, rate, rep, duration)
                _progress(row)
                reason = retry_reason(row)
                if reason:  # a shared machine: one more try, the first run kept but marked
                    step.append({**row, "rejected": True, "reasons": [*row["reasons"], reason]})
                    row = once(config, rate, rep, duration)
                    _progress(row)
                step.append(row)
        rows += step
        for config in active:
            stepper.record(config, rate, step_verdict(r for r in step if r["config"] == config))
    return rows


def _notes(name: str) -> str:
    path = NOTES_DIR / f"{name}.md"
    return path.read_text() if path.exists() else ""


def write_results(
    rows: list[dict[str, Any]],
    args: argparse.Namespace,
    facts: dict[str, Any],
    params: dict[str, Any],
    command: str,
) -> list[Path]:
    """JSON lines, plots and the BENCHMARKS.md sections (repo, or ``--out``)."""
    written: list[Path] = []
    summaries = {
        v: summarize([r for r in rows if r["variant"] == v], CONFIGS)
        for v in ("calls", "calls-media", "register")
        if any(r["variant"] == v for r in rows)
    }
    results_dir = args.out if args.out else report.RESULTS_DIR
    md_path = args.out / "BENCHMARKS.md" if args.out else report.BENCHMARKS_MD
    for name, variant_names in (("proxy", ("calls", "calls-media")), ("register", ("register",))):
        mine = [r for r in rows if r["variant"] in variant_names]
        if not mine:
            continue
        stamped = [{**r, "machine": facts, "params": params} for r in mine]
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            path = args.out / f"{name}.jsonl"
            path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in stamped))
        else:
            path = report.write_jsonl(name, stamped)
        written.append(path)
        plot_path = render.plot(
            {v: summaries[v] for v in variant_names if v in summaries}, results_dir / f"{name}.png"
        )
        written.append(plot_path)
        plot_ref = plot_path.name if args.out else str(plot_path.relative_to(report.ROOT))
        if name == "proxy":
            text = render.proxy_section(
                rows, summaries, facts, params, command, plot_ref, _notes("proxy")
            )
        else:
            text = render.register_section(
                rows, summaries["register"], facts, params, command, plot_ref, _notes("register")
            )
        report.update_section(name, text, md_path)
    written.append(md_path)
    return written


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def render_only(args: argparse.Namespace) -> int:
    """Redo plots and sections from saved rows (e.g. after editing notes/*.md)."""
    results_dir = args.out if args.out else report.RESULTS_DIR
    rows = [
        json.loads(line)
        for name in ("proxy", "register")
        if (results_dir / f"{name}.jsonl").exists()
        for line in (results_dir / f"{name}.jsonl").read_text().splitlines()
    ]
    if not rows:
        print(f"no results in {results_dir}", file=sys.stderr)
        return 1
    first = rows[0]
    rows = [{k: v for k, v in r.items() if k not in ("machine", "params")} for r in rows]
    command = first["params"].get("command", "make bench-proxy")
    for path in write_results(rows, args, first["machine"], first["params"], command):
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        return render_only(args)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)  # so the finally below stops what we started
    started, t0 = datetime.now(UTC), time.monotonic()
    deadline = t0 + args.budget
    work = Path(tempfile.mkdtemp(prefix="switchboard-bench-"))
    stack: BenchStack | None = None
    runner: Runner | None = None
    ok = False
    rows: list[dict[str, Any]] = []
    try:
        stack = start_bench_stack(
            work / "var", args.workers, args.shm_mb, args.kamailio_args.split()
        )
        runner = Runner(stack, work / "runs", args.hold_ms, args.gap)
        for variant in variants(args):
            rows += measure(runner, stack, variant, args.reps, args.duration, deadline)
        ok = True
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted; stopping", file=sys.stderr)
    finally:
        if runner:
            runner.close()
        if stack:
            stack.stop()
    if not ok:
        print(f"logs kept in {work}", file=sys.stderr)
        return 1
    params = {
        "workers": args.workers,
        "shm_mb": args.shm_mb,
        "reps": args.reps,
        "duration_s": args.duration,
        "hold_ms": args.hold_ms,
        "smoke": args.smoke,
        "kamailio_args": args.kamailio_args,
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "elapsed_s": time.monotonic() - t0,
    }
    command = (
        "make bench-proxy"
        if argv is None and len(sys.argv) == 1
        else (
            "python -m loadtests.bench.proxy "
            + " ".join(argv if argv is not None else sys.argv[1:])
        )
    )
    params["command"] = command
    return procs.finish(
        write_results(rows, args, report.machine_facts(), params, command), work, args.keep
    )


if __name__ == "__main__":
    sys.exit(main())

"""``make bench-queue``: queue-call setups per second, and callers waiting on music at once.

    python -m loadtests.bench.queue            # the full run (a few minutes)
    python -m loadtests.bench.queue --quick    # seconds: one low rate, a few callers (CI)
    python -m loadtests.bench.queue --quick --out /tmp/q   # results there, not in the repo

Starts the queue path as ``make run`` does (Redis, rtpengine, Kamailio, call control;
launcher's service specs) on free loopback ports with its own demo store in a
temporary directory. No agent phone is registered, so call control answers every
caller with music on hold and nobody picks up: the callers hang up themselves.

1. **setups**: sipp callers from the trunk address 127.0.0.2 to DID +15550100
   (``loadtests/sipp/queue-caller``): INVITE -> 200 from call control (rtpengine
   offer/answer, ``play media`` + ``block media``), ACK, ``--hold-ms`` of music, BYE.
   The offered rate steps up (``stepping``) until the median failure ratio of a
   step's repetitions passes 0.1 %. CPU per setup of Kamailio, call control,
   rtpengine (and Redis), sipp's CPU next to it; runs where sipp saturates a core
   are rejected (``results``).
2. **moh**: N callers (steps) join at ``--moh-rate`` per second and stay; once all are
   in, ``--moh-window`` seconds of the music they receive are measured by
   ``rtprecv`` (one UDP port per caller, kernel arrival times): packets late by more
   than 40 ms beyond 20 ms packetization, and lost (RTP sequence gaps).

Writes ``loadtests/results/queue.jsonl``, ``queue.png`` and the ``queue`` section
of BENCHMARKS.md. Every run is bounded; everything started is stopped on exit.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from launcher.__main__ import init_db
from launcher.services import callcontrol_specs, kamailio_spec, redis_spec, rtpengine_spec
from launcher.settings import Settings
from launcher.supervisor import Running, Supervisor
from loadtests import report
from loadtests.bench import procs, rtprecv, sippcmd, sippstats
from loadtests.bench.procs import Background, box_cpu_seconds, run_measured, tree_cpu_seconds
from loadtests.bench.results import (
    CORE_SATURATED,
    FAILURE_LIMIT,
    NOISY_OTHERS,
    RunCpu,
    rejection_reasons,
    retry_reason,
)
from loadtests.bench.sippstats import percentile
from loadtests.bench.stepping import Stepper, step_verdict, summarize
from loadtests.bench.targets import RTP_PORTS, with_args
from rtpengine import RtpengineClient, RtpengineError
from tests.support.stack import settings_on_free_ports

SCENARIO = sippcmd.SCENARIOS / "queue-caller" / "uac.xml"
DID = "+15550100"  # demo DID -> agent group demo/support
CONFIG = "switchboard"
SETUP_GOAL = 300  # queue-call setups per second
MOH_GOAL = 1000  # concurrent callers on music on hold ...
LATE_GOAL = 0.01  # ... with fewer late packets than this
PTIME_S = 0.02
SERVICES = ("kamailio", "callcontrol", "rtpengine", "redis")
CALLER_SDP = (  # a queue caller's offer, as loadtests/sipp/queue-caller sends it
    "v=0\r\no=carrier 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n"
    "m=audio {port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
)


def _ints(text: str) -> tuple[int, ...]:
    return tuple(sorted(int(x) for x in text.split(",") if x.strip()))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m loadtests.bench.queue",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="seconds, low load, one repetition (CI)")
    p.add_argument("--out", type=Path, default=None, help="write results here, not in the repo")
    p.add_argument(
        "--parts",
        default="setups,moh,moh-direct",
        help="setups, moh (callers through Kamailio and call control), moh-direct "
        "(the same rtpengine sessions set up by the bench: rtpengine alone)",
    )
    p.add_argument("--rates", default="25,50,75,100,150,200,300,400")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--duration", type=float, default=4.0, help="seconds of offered calls per run")
    p.add_argument("--hold-ms", type=int, default=1000, help="music each caller hears (setups)")
    p.add_argument("--gap", type=float, default=1.0, help="idle seconds before each run")
    p.add_argument("--moh-steps", default="100,250,500,1000,1500")
    p.add_argument("--moh-rate", type=int, default=50, help="callers joining per second")
    p.add_argument("--moh-window", type=float, default=10.0, help="seconds measured, all in")
    p.add_argument("--late-ms", type=float, default=40.0, help="late: this much after due")
    p.add_argument("--slack-ms", type=float, default=120.0, help="late beyond a deeper buffer")
    p.add_argument("--workers", type=int, default=4, help="Kamailio UDP workers (make run: 4)")
    p.add_argument(
        "--callcontrol",
        type=int,
        default=1,
        help="call-control processes behind Kamailio's dispatcher (make run: 1)",
    )
    p.add_argument("--budget", type=float, default=900.0, help="stop stepping after this (s)")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    p.add_argument("--render", action="store_true", help="no runs: redo plot and section")
    args = p.parse_args(argv)
    if args.quick:
        args.rates, args.reps, args.duration, args.hold_ms, args.gap = "20", 1, 2.0, 500, 0.3
        args.moh_steps, args.moh_rate, args.moh_window, args.budget = "20", 20, 3.0, 100.0
    return args


# --- the stack -----------------------------------------------------------------------


@dataclass
class QueueStack:
    settings: Settings
    supervisor: Supervisor
    running: dict[str, Running]
    rtpengine: RtpengineClient

    def pids(self) -> dict[str, int]:
        return {name: r.process.pid for name, r in self.running.items()}

    def cpu(self) -> dict[str, float]:
        """CPU seconds per service; every call-control process counts as "callcontrol"."""
        cpu: dict[str, float] = {}
        for name, pid in self.pids().items():
            key = "callcontrol" if name.startswith("callcontrol") else name
            cpu[key] = cpu.get(key, 0.0) + tree_cpu_seconds(pid)
        return cpu

    def sessions(self) -> int:
        try:
            return len(self.rtpengine.list_calls(100_000))
        except RtpengineError:
            return -1

    def play_media_count(self) -> int:
        try:
            stats = self.rtpengine.statistics()["statistics"]["controlstatistics"]
            return int(stats.get("totalplaymediacount", 0))
        except (RtpengineError, KeyError, TypeError, ValueError):
            return -1

    def stop(self) -> None:
        self.rtpengine.close()
        self.supervisor.stop_all()


def start_queue_stack(
    var_dir: Path,
    workers: int,
    rtpengine_args: list[str] | None = None,
    callcontrol_processes: int = 1,
) -> QueueStack:
    """Redis, rtpengine (a wide port range: 4 ports per waiting caller), Kamailio and
    call control, as ``make run`` starts them, on free ports, with the demo store."""
    s = replace(
        settings_on_free_ports(var_dir),
        kamailio_workers=workers,
        kamailio_shm_mb=1024,
        rtp_port_min=RTP_PORTS[0],
        rtp_port_max=RTP_PORTS[1],
        callcontrol_processes=callcontrol_processes,
    )
    init_db(s)
    s.run_dir.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(s.log_dir, ready_timeout=60)
    running: dict[str, Running] = {}
    try:
        for name, spec in (
            ("redis", redis_spec(s)),
            ("rtpengine", with_args(rtpengine_spec(s), rtpengine_args or [])),
            ("kamailio", kamailio_spec(s)),
            *((spec.name, spec) for spec in callcontrol_specs(s)),
        ):
            running[name] = supervisor.start(spec)
    except BaseException:
        supervisor.stop_all()
        raise
    client = RtpengineClient(f"http://127.0.0.1:{s.rtpengine_http_port}", timeout=10)
    return QueueStack(s, supervisor, running, client)


def caller_argv(
    s: Settings, ports_csv: Path, rate: int, calls: int, hold_ms: int, stat: Path
) -> list[str]:
    timeout = int(calls / rate + hold_ms / 1000 + sippcmd.RECV_TIMEOUT_MS / 1000 * 3 + 10)
    return [
        "sipp",
        f"{s.sip_host}:{s.sip_port}",
        "-sf",
        str(SCENARIO),
        "-inf",
        str(ports_csv),
        "-s",
        DID,
        "-i",
        sippcmd.CARRIER_IP,
        "-p",
        "0",
        "-r",
        str(rate),
        "-m",
        str(calls),
        "-l",
        str(max(calls, sippcmd.limit(rate, hold_ms))),
        "-d",
        str(hold_ms),
        "-trace_rtt",
        "-rtt_freq",
        str(max(1, min(100, calls // 50))),
        *sippcmd.common_options(stat, timeout),
    ]


def _wait_quiet(stack: QueueStack, timeout: float = 45.0) -> int:
    """Wait (bounded) until call control has released every caller; sessions left.

    After an overloaded step call control may still hold callers it answered after
    Kamailio had given up on them (408), until sippy gives up on its unacknowledged
    200. The next run must not share the machine with them."""
    deadline = time.monotonic() + timeout
    left = stack.sessions()
    while left > 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        left = stack.sessions()
    return left


def _response_ms(run_dir: Path) -> list[float]:
    return [
        value
        for rtt in sorted(run_dir.glob("*_rtt.csv"))
        for value in sippstats.response_times_ms(rtt.read_text())
    ]


def _per_setup(seconds: float, setups: int) -> float | None:
    return round(seconds * 1e6 / setups, 1) if setups else None


# --- 1. setups per second ------------------------------------------------------------


def setups_run(
    stack: QueueStack, sink_csv: Path, work: Path, rate: int, rep: int, args: argparse.Namespace
) -> dict[str, Any]:
    offered = max(1, round(rate * args.duration))
    run_dir = work / "setups" / f"{rate}-{rep}"
    run_dir.mkdir(parents=True, exist_ok=True)
    leftover = _wait_quiet(stack)
    time.sleep(args.gap)
    argv = caller_argv(stack.settings, sink_csv, rate, offered, args.hold_ms, run_dir / "stat.csv")
    cpu0, play0, box0, t0 = (
        stack.cpu(),
        stack.play_media_count(),
        box_cpu_seconds(),
        time.monotonic(),
    )
    done = run_measured(argv, run_dir, timeout=offered / rate + 90, log_path=run_dir / "sipp.log")
    wall = time.monotonic() - t0
    cpu1, play1, box = stack.cpu(), stack.play_media_count(), box_cpu_seconds() - box0
    cpu = {name: max(cpu1[name] - cpu0.get(name, 0.0), 0.0) for name in cpu1}
    stat = run_dir / "stat.csv"
    totals = sippstats.totals(stat.read_text() if stat.exists() else "", offered)
    duration = offered / rate
    server = cpu["kamailio"] + cpu["callcontrol"] + cpu["rtpengine"]
    run_cpu = RunCpu(
        kamailio=server + cpu["redis"],
        rtpengine=0.0,
        uac=done.cpu_seconds,
        uas=0.0,
        box=box,
        wall=wall,
    )
    reasons = rejection_reasons(run_cpu, duration, offered, totals)
    failed = max(totals.created - totals.successful, 0)
    others = max(box - server - cpu["redis"] - done.cpu_seconds, 0.0)
    others_share = others / wall if wall > 0 else 0.0
    samples = _response_ms(run_dir)
    ok = totals.successful
    return {
        "part": "setups",
        "variant": "setups",
        "config": CONFIG,
        "rate": rate,
        "rep": rep,
        "duration_s": round(duration, 3),
        "hold_ms": args.hold_ms,
        "offered": offered,
        "created": totals.created,
        "successful": ok,
        "failed": failed,
        "failure_ratio": round(failed / totals.created, 6) if totals.created else 1.0,
        "retransmissions": totals.retransmissions,
        "moh_started": (play1 - play0) if play0 >= 0 and play1 >= 0 else None,
        "cpu_us_per_call": _per_setup(server, ok),  # Kamailio + call control + rtpengine
        **{f"{name}_us_per_setup": _per_setup(cpu[name], ok) for name in SERVICES},
        **{f"{name}_cores": round(cpu[name] / wall, 3) if wall else 0.0 for name in SERVICES},
        "uac_core_share": round(done.cpu_seconds / duration, 3),
        "uas_core_share": 0.0,
        "others_core_share": round(others_share, 3),
        "rejected": bool(reasons),
        "reasons": reasons,
        "noisy": others_share >= NOISY_OTHERS,
        "inv200_p50_ms": percentile(samples, 50),
        "inv200_p99_ms": percentile(samples, 99),
        "inv180_p99_ms": percentile(samples, 99),  # stepping's latency column: INVITE -> 200
        "rtt_samples": len(samples),
        "leftover_sessions": leftover,
        "wall_s": round(wall, 2),
        "sipp_exit": done.returncode,
    }


def _progress_setups(row: dict[str, Any]) -> None:
    flag = " REJECTED: " + ", ".join(row["reasons"]) if row["rejected"] else ""
    print(
        f"setups {row['rate']:>5}/s rep {row['rep']} ok {row['successful']:>5}/{row['offered']:<5}"
        f" fail {row['failure_ratio']:.3%} moh {row['moh_started']} cpu/setup: kam "
        f"{row['kamailio_us_per_setup'] or 0:.0f} cc {row['callcontrol_us_per_setup'] or 0:.0f} "
        f"rtp {row['rtpengine_us_per_setup'] or 0:.0f} us; cc {row['callcontrol_cores']:.0%} "
        f"uac {row['uac_core_share']:.0%} p99 {row['inv200_p99_ms']} ms{flag}",
        flush=True,
    )


def measure_setups(
    stack: QueueStack, work: Path, args: argparse.Namespace, deadline: float
) -> list[dict[str, Any]]:
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # music goes here, unread
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sink.bind((sippcmd.CARRIER_IP, 0))
    sink_csv = work / "sink.csv"
    sink_csv.write_text(f"SEQUENTIAL\n{sink.getsockname()[1]}\n")
    rows: list[dict[str, Any]] = []
    stepper = Stepper((CONFIG,))
    try:
        rates = _ints(args.rates)
        warm = setups_run(stack, sink_csv, work, min(20, rates[0]), -1, args)
        if warm["successful"] < 0.9 * warm["offered"]:
            raise BenchFailed(
                f"queue calls do not work even at a low rate: {warm['successful']}/"
                f"{warm['offered']} (logs in {stack.settings.log_dir})"
            )
        for rate in rates:
            if not stepper.active():
                break
            if time.monotonic() > deadline:
                print(f"time budget reached before {rate}/s", flush=True)
                break
            step: list[dict[str, Any]] = []
            for rep in range(args.reps):
                row = setups_run(stack, sink_csv, work, rate, rep, args)
                _progress_setups(row)
                reason = retry_reason(row)
                if reason:
                    step.append({**row, "rejected": True, "reasons": [*row["reasons"], reason]})
                    row = setups_run(stack, sink_csv, work, rate, rep, args)
                    _progress_setups(row)
                step.append(row)
            rows += step
            stepper.record(CONFIG, rate, step_verdict(step))
    finally:
        sink.close()
    return rows


# --- 2. callers waiting on music -----------------------------------------------------


def moh_step(
    stack: QueueStack, work: Path, callers: int, args: argparse.Namespace, direct: bool = False
) -> dict[str, Any]:
    """One step: ``callers`` callers join and wait; a window of their music is measured.

    ``direct``: no SIP and no call control; the bench sets up each caller's rtpengine
    session itself exactly as call control does (``callcontrol.media.QueueMedia``: offer,
    answer with a dummy far side, ``play media``, ``block media``): rtpengine alone.
    """
    part = "moh-direct" if direct else "moh"
    run_dir = work / part / str(callers)
    run_dir.mkdir(parents=True, exist_ok=True)
    leftover = _wait_quiet(stack)
    time.sleep(args.gap)
    ramp_s = callers / args.moh_rate
    settle_s = 2.0
    hold_s = ramp_s + settle_s + args.moh_window + 1.0
    ports_csv, stats_json = run_dir / "ports.csv", run_dir / "rtp.json"
    receiver = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "loadtests.bench.rtprecv",
            "--count",
            str(callers),
            "--ports-file",
            str(ports_csv),
            "--seconds",
            str(ramp_s + hold_s + 120),  # stopped by SIGTERM after the window
            "--out",
            str(stats_json),
            "--late-ms",
            str(args.late_ms),
            "--slack-ms",
            str(args.slack_ms),
        ],
        cwd=report.ROOT,
        stdout=(run_dir / "rtprecv.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    sipp: Background | None = None
    direct_media: list[Any] = []
    direct_failed = 0
    queue_media: Any = None
    try:
        for _ in range(300):
            if ports_csv.exists() or receiver.poll() is not None:
                break
            time.sleep(0.1)
        if not ports_csv.exists():
            raise BenchFailed(f"the RTP receiver did not start (see {run_dir})")
        started = time.time()
        if direct:
            from callcontrol.media import QueueMedia

            moh = stack.settings.var_dir / "moh" / "default.wav"  # written by call control
            queue_media = QueueMedia(stack.rtpengine, str(moh.resolve()))
            ports = ports_csv.read_text().split()[1:]
            for i, port in enumerate(ports):
                sdp = CALLER_SDP.format(port=port)
                try:
                    media = queue_media.hold(f"bench-moh-{callers}-{i}", "caller", sdp)
                    queue_media.start_music(media)
                    direct_media.append(media)
                except RtpengineError:
                    direct_failed += 1
            window_start = time.time() + settle_s
        else:
            argv = caller_argv(
                stack.settings,
                ports_csv,
                args.moh_rate,
                callers,
                int(hold_s * 1000),
                run_dir / "stat.csv",
            )
            sipp = Background(argv, run_dir, run_dir / "sipp.log")
            window_start = started + ramp_s + settle_s
        window_end = window_start + args.moh_window
        time.sleep(max(0.0, window_start - time.time()))
        sessions = stack.sessions()
        cpu0, box0, t0 = stack.cpu(), box_cpu_seconds(), time.monotonic()
        recv0 = tree_cpu_seconds(receiver.pid)
        sipp0 = sipp.cpu_seconds() if sipp else 0.0
        time.sleep(max(0.0, window_end - time.time()))
        cpu1, box, wall = stack.cpu(), box_cpu_seconds() - box0, time.monotonic() - t0
        recv_cpu = tree_cpu_seconds(receiver.pid) - recv0
        sipp_cpu = (sipp.cpu_seconds() - sipp0) if sipp else 0.0
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(timeout=30)
        deadline = time.monotonic() + hold_s + 60
        while sipp is not None and sipp.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        if sipp is not None:
            sipp.stop()
        for media in direct_media:
            queue_media.release(media)
        if receiver.poll() is None:
            os.killpg(receiver.pid, signal.SIGKILL)
            receiver.wait()
    stats = json.loads(stats_json.read_text()) if stats_json.exists() else {"buckets": []}
    win = rtprecv.window(stats, window_start, window_end)
    stat = run_dir / "stat.csv"
    totals = sippstats.totals(stat.read_text() if stat.exists() else "", callers)
    failed_calls = direct_failed if direct else totals.failed
    cpu = {name: max(cpu1[name] - cpu0.get(name, 0.0), 0.0) for name in cpu1}
    cores = {f"{name}_cores": round(cpu[name] / wall, 3) for name in SERVICES}
    expected = round(callers * win["seconds"] / PTIME_S)
    late_ratio = win["late"] / win["packets"] if win["packets"] else 1.0
    lost_ratio = win["lost"] / (win["packets"] + win["lost"]) if win["packets"] else 1.0
    others = max(box - sum(cpu.values()) - recv_cpu - sipp_cpu, 0.0)
    reasons = []
    for who, seconds in (("sipp", sipp_cpu), ("RTP receiver", recv_cpu)):
        if wall and seconds / wall >= CORE_SATURATED:
            reasons.append(f"{who} used {seconds / wall:.0%} of a core")
    if stats.get("receiver_drops"):
        reasons.append(f"the receiver's sockets dropped {stats['receiver_drops']} packets")
    connected = min(win["active_min"], callers)
    clean = (
        not reasons
        and connected >= callers
        and win["late_slack"] < LATE_GOAL * max(win["packets"], 1)
        and lost_ratio < LATE_GOAL
        and win["seconds"] > 0
    )
    why = []
    if connected < callers:
        why.append(
            f"only {connected} of {callers} callers heard music in every second "
            f"({failed_calls} calls failed)"
        )
    if win["late_slack"] >= LATE_GOAL * max(win["packets"], 1):
        why.append(
            f"{win['late_slack'] / max(win['packets'], 1):.1%} late beyond {args.slack_ms:g} ms"
        )
    if lost_ratio >= LATE_GOAL:
        why.append(f"{lost_ratio:.1%} lost")
    return {
        "part": part,
        "degraded_by": why,
        "variant": part,
        "failed_calls": failed_calls,
        "config": CONFIG,
        "callers": callers,
        "join_rate": args.moh_rate if not direct else None,
        "window_s": win["seconds"],
        "sessions_at_window": sessions,
        "callers_with_audio_min": win["active_min"],
        "sipp_created": totals.created,
        "sipp_successful": totals.successful,
        "sipp_failed": totals.failed,
        "packets": win["packets"],
        "expected_packets": expected,
        "late": win["late"],
        "lost": win["lost"],
        "late_ratio": round(late_ratio, 6),
        "late_slack": win["late_slack"],
        "late_slack_ratio": round(win["late_slack"] / win["packets"], 6) if win["packets"] else 1.0,
        "lost_ratio": round(lost_ratio, 6),
        "late_ms": stats.get("late_ms"),
        "slack_ms": stats.get("slack_ms"),
        "jitter_ms_p50": stats.get("jitter_ms_p50"),
        "jitter_ms_p99": stats.get("jitter_ms_p99"),
        "receiver_drops": stats.get("receiver_drops", 0),
        **cores,
        "receiver_core_share": round(recv_cpu / wall, 3) if wall else 0.0,
        "uac_core_share": round(sipp_cpu / wall, 3) if wall else 0.0,
        "others_core_share": round(others / wall, 3) if wall else 0.0,
        "noisy": wall > 0 and others / wall >= NOISY_OTHERS,
        "rejected": bool(reasons),
        "reasons": reasons,
        "verdict": "clean" if clean else ("inconclusive" if reasons else "degraded"),
        "leftover_sessions": leftover,
    }


def measure_moh(
    stack: QueueStack, work: Path, args: argparse.Namespace, deadline: float, direct: bool = False
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for callers in _ints(args.moh_steps):
        if time.monotonic() > deadline:
            print(f"time budget reached before {callers} callers", flush=True)
            break
        row = moh_step(stack, work, callers, args, direct)
        print(
            f"{row['part']} {callers:>5} callers: audio to >= {row['callers_with_audio_min']} over "
            f"{row['window_s']} s, packets {row['packets']}/{row['expected_packets']}, late "
            f"{row['late_ratio']:.3%} (> {args.slack_ms:g} ms {row['late_slack_ratio']:.3%}), lost {row['lost_ratio']:.3%}, rtpengine "
            f"{row['rtpengine_cores']:.0%} cc {row['callcontrol_cores']:.0%} receiver "
            f"{row['receiver_core_share']:.0%} -> {row['verdict']}"
            + (
                " (" + ", ".join(row["reasons"] + row["degraded_by"]) + ")"
                if row["reasons"] or row["degraded_by"]
                else ""
            ),
            flush=True,
        )
        rows.append(row)
        if row["verdict"] == "degraded":
            break  # more callers only degrade further
    return rows


class BenchFailed(RuntimeError):
    pass


# --- results -------------------------------------------------------------------------


def _n(value: float | None, fmt: str = ",.0f") -> str:
    return "–" if value is None else format(value, fmt)


def setups_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return summarize([r for r in rows if r["part"] == "setups"], (CONFIG,))


def _median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def _moh_table(title: str, rows: list[dict[str, Any]], params: dict[str, Any]) -> list[str]:
    best = max((r["callers"] for r in rows if r["verdict"] == "clean"), default=None)
    strict = max(
        (r["callers"] for r in rows if r["verdict"] == "clean" and r["late_ratio"] < LATE_GOAL),
        default=None,
    )
    join = rows[0].get("join_rate")
    lines = [
        f"**{title}**" + (f" (callers join at {join}/s)" if join else "") + f": most callers "
        f"clean **{_n(best)}**; goal ≥ {MOH_GOAL:,} with < 1 % late: with late > "
        f"{params.get('slack_ms', 120):g} ms **{'met' if best and best >= MOH_GOAL else 'missed'}**"
        f", with late > {params['late_ms']:g} ms "
        f"**{'met' if strict and strict >= MOH_GOAL else 'missed'}**.",
        "",
        (
            f"| callers | verdict | with audio (min/s) | packets / expected | late > "
            f"{params['late_ms']:g} ms | late > {params.get('slack_ms', 120):g} ms | lost | "
            "jitter p50 / p99 ms | rtpengine cores | call control cores | Kamailio / Redis cores "
            "| receiver / sipp core share |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['callers']:,} | {r['verdict']} | {r['callers_with_audio_min']:,} | "
            f"{r['packets']:,} / {r['expected_packets']:,} | "
            f"{r['late_ratio'] * 100:.2f} % | {r['late_slack_ratio'] * 100:.2f} % | "
            f"{r['lost_ratio'] * 100:.2f} % | "
            f"{_n(r['jitter_ms_p50'], '.1f')} / {_n(r['jitter_ms_p99'], '.1f')} | "
            f"{r['rtpengine_cores']:.2f} | {r['callcontrol_cores']:.2f} | "
            f"{r['kamailio_cores']:.2f} / {r['redis_cores']:.2f} | "
            f"{r['receiver_core_share']:.0%} / {r['uac_core_share']:.0%} |"
        )
    notes = [
        f"{r['callers']:,}: {', '.join(r['reasons'] + r['degraded_by'])}"
        for r in rows
        if r["reasons"] or r["degraded_by"]
    ]
    if notes:
        lines += ["", "Why steps were not clean: " + "; ".join(notes) + "."]
    return lines


def section(
    rows: list[dict[str, Any]], facts: dict[str, Any], params: dict[str, Any], plot_ref: str
) -> str:
    setups = [r for r in rows if r["part"] == "setups"]
    moh = [r for r in rows if r["part"] == "moh"]
    direct = [r for r in rows if r["part"] == "moh-direct"]
    parts = [
        "## Queue calls: setups per second, and callers waiting on music on hold",
        "",
        (
            "A carrier's caller (sipp at 127.0.0.2, the demo trunk) dials DID +15550100; "
            "Kamailio relays it to call control (the sippy B2BUA), which answers at once with "
            "an SDP from rtpengine and starts music on hold (`play media` + `block media`), "
            "queues the call in Redis and looks for an agent every 200 ms. **No agent answers**: "
            "no agent phone is registered, so every caller waits with music until it hangs up "
            "itself (a setup is INVITE → 200 OK from call control with music started; the "
            "5 demo agents could not take hundreds of calls per second anyway, and the agent "
            "leg is Kamailio's proxy path, measured in the proxy section). The callers send no "
            "RTP (a real caller's audio would add rtpengine receive work)."
        ),
        "",
        (
            f"Command: `{params['command']}` (quick form for CI: `python -m loadtests.bench.queue "
            "--quick --out DIR`)"
        ),
        "",
        (
            f"Machine: {facts['cores']} cores, {facts['cpu_model'] or 'unknown CPU'}, kernel "
            f"{facts['kernel']}, Python {facts.get('python', '?')}; Redis, rtpengine (userspace), "
            f"Kamailio ({params['workers']} UDP workers) and one call-control process as "
            "`make run` starts them, sipp and the RTP receiver on the same machine. "
            f"Run at {params['started']} in {params['elapsed_s']:.0f} s."
        ),
    ]
    if setups:
        summ = setups_summary(rows)["configs"][CONFIG]
        best = summ["highest_clean"]
        met = best is not None and best >= SETUP_GOAL
        parts += [
            "",
            "### Setups per second",
            "",
            (
                f"Each step runs {params['reps']}× {params['duration_s']:g} s of calls; each caller "
                f"hears {params['hold_ms']} ms of music, then hangs up. A step is clean when the "
                f"median failure ratio is ≤ {FAILURE_LIMIT:.1%}; stepping stops at the first step "
                "that is not. CPU per setup is user+system time of each service's processes "
                "(from /proc) over the whole run (setup, the music, the BYE), divided by the "
                f"answered calls. A run is rejected when sipp used ≥ {CORE_SATURATED:.0%} of a "
                "core or could not offer the rate. `music` is rtpengine's count of `play media` "
                "commands during the run (one per answered caller when all is well)."
            ),
            "",
            (
                f"**Highest clean rate: {_n(best)}/s** ({summ['limited_by']}); goal ≥ "
                f"{SETUP_GOAL}/s: **{'met' if met else 'missed'}**."
            ),
            "",
            (
                "| offered/s | verdict | failures (median) | answered / offered | music | "
                "p50 / p99 INVITE→200 ms | µs per setup: Kamailio / call control / rtpengine "
                "/ Redis | call control cores | sipp core share |"
            ),
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for rate, s in summ["per_rate"].items():
            at = [r for r in setups if r["rate"] == rate and not r["rejected"]] or [
                r for r in setups if r["rate"] == rate
            ]
            us = " / ".join(_n(_median([r[f"{n}_us_per_setup"] for r in at])) for n in SERVICES)
            parts.append(
                f"| {rate:,} | {s['verdict']} | "
                f"{_n((s['failure_ratio_median'] or 0) * 100, '.2f')} % | "
                f"{sum(r['successful'] for r in at):,} / {sum(r['offered'] for r in at):,} | "
                f"{sum(r['moh_started'] or 0 for r in at):,} | "
                f"{_n(_median([r['inv200_p50_ms'] for r in at]))} / "
                f"{_n(_median([r['inv200_p99_ms'] for r in at]))} | {us} | "
                f"{_n(_median([r['callcontrol_cores'] for r in at]), '.2f')} | "
                f"{max(r['uac_core_share'] for r in at):.0%} |"
            )
        rejected = [r for r in setups if r["rejected"]]
        parts += [
            "",
            (
                "Rejected runs (kept in the JSON lines, not used for verdicts): "
                + "; ".join(
                    f"{r['rate']:,}/s rep {r['rep']}: {', '.join(r['reasons'])}" for r in rejected
                )
                + "."
            )
            if rejected
            else "No run was rejected.",
        ]
    if moh or direct:
        parts += [
            "",
            "### Callers waiting on music at once",
            "",
            (
                "Callers join and stay; once all are in, a window of what they receive is "
                "measured by `loadtests/bench/rtprecv.py` (one UDP socket per caller, kernel "
                "arrival time stamps, socket-buffer drops counted apart). A packet's delay is "
                "how much later than the stream's earliest packet it came, against the "
                f"sender's media clock; it is **late** beyond {params['late_ms']:g} ms (a "
                f"{params['late_ms']:g} ms jitter buffer runs dry) and **late > "
                f"{params.get('slack_ms', 120):g} ms** beyond a deeper buffer; **lost** = RTP "
                "sequence gaps. A step is clean when every caller got audio in every second "
                f"of the window, and late > {params.get('slack_ms', 120):g} ms and lost are "
                f"each < {LATE_GOAL:.0%}. CPU is over the measured window. **through call "
                "control**: sipp callers through Kamailio and call control, as above. "
                "**rtpengine alone** (`moh-direct`): the bench sets up the same rtpengine "
                "sessions itself as call control does (offer, answer with a dummy far side, "
                "`play media`, `block media`), no SIP: what the media layer can carry. "
                "Through call control, the group's position announcement (every 30 s by "
                "default) replaces the music for the earliest callers of long steps."
            ),
        ]
        for title, subset in (("through call control", moh), ("rtpengine alone", direct)):
            if subset:
                parts += ["", *_moh_table(title, subset, params)]
    parts += ["", f"![queue calls]({plot_ref})"]
    notes = Path(__file__).resolve().parent / "notes" / "queue.md"
    if notes.exists():
        parts += ["", notes.read_text().strip()]
    return "\n".join(parts)


def plot(rows: list[dict[str, Any]], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    setups = [r for r in rows if r["part"] == "setups" and not r["rejected"]]
    rates = sorted({r["rate"] for r in setups})
    for name, style in zip(SERVICES[:3], ("o-", "s-", "^-"), strict=True):
        ax1.plot(
            rates,
            [
                _median([r[f"{name}_us_per_setup"] for r in setups if r["rate"] == x])
                or float("nan")
                for x in rates
            ],
            style,
            label=f"{name} µs/setup",
        )
    ax1.set_xlabel("offered setups per second")
    ax1.set_ylabel("CPU µs per setup (incl. music)")
    ax1.set_ylim(bottom=0)
    fail = ax1.twinx()
    fail.plot(
        rates,
        [
            (_median([r["failure_ratio"] for r in setups if r["rate"] == x]) or 0) * 100
            for x in rates
        ],
        "k:",
        label="failed %",
    )
    fail.set_ylabel("failed % (median), dotted")
    ax1.axvline(SETUP_GOAL, color="green", linewidth=0.8)
    ax1.legend(fontsize=8, loc="upper left")
    ax1.set_title("queue-call setups (green: goal)")
    moh = [r for r in rows if r["part"] == "moh"]
    xs = [r["callers"] for r in moh]
    for part, style in (("moh", "-"), ("moh-direct", "--")):
        sub = [r for r in rows if r["part"] == part]
        label = "call control" if part == "moh" else "rtpengine alone"
        sx = [r["callers"] for r in sub]
        ax2.plot(sx, [r["late_ratio"] * 100 for r in sub], "o" + style, label=f"late %, {label}")
        ax2.plot(
            sx,
            [r["late_slack_ratio"] * 100 for r in sub],
            "s" + style,
            label=f"late > slack %, {label}",
        )
        ax2.plot(
            sx,
            [(1 - r["callers_with_audio_min"] / r["callers"]) * 100 for r in sub],
            "x" + style,
            label=f"callers without audio %, {label}",
        )
    ax2.axhline(LATE_GOAL * 100, color="red", linewidth=0.8)
    ax2.axvline(MOH_GOAL, color="green", linewidth=0.8)
    ax2.set_yscale("symlog", linthresh=0.1)
    ax2.set_ylim(0, 100)
    ax2.set_xlabel("callers waiting on music")
    ax2.set_ylabel("% of packets (red: 1 %)")
    cores = ax2.twinx()
    cores.plot(xs, [r["rtpengine_cores"] for r in moh], "^:", color="gray", label="rtpengine")
    cores.plot(xs, [r["callcontrol_cores"] for r in moh], "v:", color="brown", label="call control")
    direct = [r for r in rows if r["part"] == "moh-direct"]
    cores.plot(
        [r["callers"] for r in direct],
        [r["rtpengine_cores"] for r in direct],
        "^-.",
        color="black",
        label="rtpengine alone",
    )
    cores.set_ylabel("cores (dotted)")
    ax2.legend(fontsize=7, loc="center left")
    cores.legend(fontsize=8, loc="lower right")
    ax2.set_title("music on hold at once")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_results(
    rows: list[dict[str, Any]],
    args: argparse.Namespace,
    facts: dict[str, Any],
    params: dict[str, Any],
) -> list[Path]:
    results_dir = args.out if args.out else report.RESULTS_DIR
    md_path = args.out / "BENCHMARKS.md" if args.out else report.BENCHMARKS_MD
    stamped = [{**r, "machine": facts, "params": params} for r in rows]
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        jsonl = args.out / "queue.jsonl"
        jsonl.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in stamped))
    else:
        jsonl = report.write_jsonl("queue", stamped)
    png = plot(rows, results_dir / "queue.png")
    ref = png.name if args.out else str(png.relative_to(report.ROOT))
    report.update_section("queue", section(rows, facts, params, ref), md_path)
    return [jsonl, png, md_path]


def render_only(args: argparse.Namespace) -> int:
    results_dir = args.out if args.out else report.RESULTS_DIR
    path = results_dir / "queue.jsonl"
    if not path.exists():
        print(f"no results in {results_dir}", file=sys.stderr)
        return 1
    stamped = [json.loads(line) for line in path.read_text().splitlines()]
    rows = [{k: v for k, v in r.items() if k not in ("machine", "params")} for r in stamped]
    for p in write_results(rows, args, stamped[0]["machine"], stamped[0]["params"]):
        print(f"wrote {p}")
    return 0


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        return render_only(args)
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    started, t0 = datetime.now(UTC), time.monotonic()
    deadline = t0 + args.budget
    work = Path(tempfile.mkdtemp(prefix="switchboard-bench-queue-"))
    stack: QueueStack | None = None
    rows: list[dict[str, Any]] = []
    ok = False
    try:
        stack = start_queue_stack(
            work / "var", args.workers, callcontrol_processes=args.callcontrol
        )
        if "setups" in parts:
            rows += measure_setups(stack, work, args, deadline)
        if "moh" in parts:
            rows += measure_moh(stack, work, args, deadline + 300)
        if "moh-direct" in parts:
            rows += measure_moh(stack, work, args, deadline + 600, direct=True)
        ok = True
    except BenchFailed as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted; stopping", file=sys.stderr)
    finally:
        if stack:
            stack.stop()
    if not ok or not rows:
        print(f"logs kept in {work}", file=sys.stderr)
        return 1
    command = (
        "make bench-queue"
        if argv is None and len(sys.argv) == 1
        else "python -m loadtests.bench.queue "
        + " ".join(argv if argv is not None else sys.argv[1:])
    )
    params = {
        "command": command,
        "workers": args.workers,
        "callcontrol_processes": args.callcontrol,
        "reps": args.reps,
        "duration_s": args.duration,
        "hold_ms": args.hold_ms,
        "late_ms": args.late_ms,
        "slack_ms": args.slack_ms,
        "quick": args.quick,
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "elapsed_s": time.monotonic() - t0,
    }
    return procs.finish(write_results(rows, args, report.machine_facts(), params), work, args.keep)


if __name__ == "__main__":
    sys.exit(main())

"""Runs one measured sipp load against one proxy and turns it into a result row.

The callee is one sipp UAS registered as demo-5000 at both proxies, so the
Switchboard edge (which requires a registered extension) and the native cfg
do the same registrar lookup. CPU is read around each run: Kamailio's and
rtpengine's process trees, the UAS (long-lived) and the UAC (wait4 rusage).

Runs must not leak into each other. After an overload, Kamailio keeps
retransmitting the INVITEs its callee never answered (up to tm's fr_timer, 30 s);
a callee restarted on the same contact then answers them, and with an SDP in that
200 Kamailio asks rtpengine for a (late) offer: a session per stale call whose
caller is long gone, never deleted (no BYE will come) until rtpengine's 60 s
timeout. Thousands of them exhausted rtpengine's ports ("Ran out of ports").
So the UAS is only restarted once Kamailio's transactions have drained
(``settle``), and every run starts with no rtpengine session: leftovers are
deleted and counted (``stale_sessions`` in the row).
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from loadtests.bench import sippcmd, sippstats
from loadtests.bench.procs import Background, box_cpu_seconds, run_measured, tree_cpu_seconds
from loadtests.bench.results import RunCpu, RunRow, make_row
from loadtests.bench.targets import BenchStack, Proxy
from rtpengine import RtpengineClient, RtpengineError
from store.seed import DEMO_EXTENSIONS, DEMO_TEAM, demo_sip_secret
from tests.support.stack import free_port


class BenchError(RuntimeError):
    pass


SETTLE_S = 40.0  # longer than tm's fr_timer (30 s): every stale transaction is gone


def clear_sessions(rtpengine: RtpengineClient) -> int:
    """Delete every rtpengine session; how many there were."""
    try:
        calls = rtpengine.list_calls(100_000)
    except RtpengineError:
        return 0
    for call_id in calls:
        try:
            rtpengine.delete(call_id)
        except RtpengineError:
            pass
    return len(calls)


def settle(proxies: list[Proxy], rtpengine: RtpengineClient, timeout: float = SETTLE_S) -> int:
    """Wait (bounded) until no proxy holds a transaction, then clear rtpengine's
    sessions; the number of sessions deleted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(p.transactions() <= 0 for p in proxies):
            break
        time.sleep(0.5)
    return clear_sessions(rtpengine)


def _users(numbers: list[str]) -> list[tuple[str, str]]:
    return [(f"{DEMO_TEAM}-{n}", demo_sip_secret(n)) for n in numbers]


class Runner:
    def __init__(self, stack: BenchStack, work_dir: Path, hold_ms: int, gap_s: float) -> None:
        self.stack = stack
        self.work_dir = work_dir
        self.hold_ms = hold_ms
        self.gap_s = gap_s
        self.uas: Background | None = None
        self.rtpengine = RtpengineClient(
            f"http://127.0.0.1:{stack.settings.rtpengine_http_port}", timeout=10
        )
        self.uas_port = free_port((socket.SOCK_DGRAM,))
        work_dir.mkdir(parents=True, exist_ok=True)
        self.callee_csv = work_dir / "callee.csv"
        self.callee_csv.write_text(sippcmd.users_csv(_users([DEMO_EXTENSIONS[0]])))
        # The REGISTER storm leaves demo-5000 alone: its contact is the UAS.
        self.storm_csv = work_dir / "storm.csv"
        self.storm_csv.write_text(sippcmd.users_csv(_users(DEMO_EXTENSIONS[1:])))
        self.storm_contact = f"127.0.0.1:{free_port((socket.SOCK_DGRAM,))}"

    # --- the callee ---------------------------------------------------------------

    def use_uas(self, scenario: str) -> None:
        """(Re)start the UAS with ``scenario`` and register it at both proxies."""
        self.stop_uas()
        stale = settle(list(self.stack.proxies.values()), self.rtpengine)
        if stale:
            print(f"deleted {stale} stale rtpengine sessions before {scenario}", flush=True)
        run_dir = self.work_dir / f"uas-{scenario}"
        run_dir.mkdir(parents=True, exist_ok=True)
        self.uas = Background(
            sippcmd.uas(scenario, self.uas_port, run_dir / "stat.csv"),
            run_dir,
            run_dir / "sipp.log",
        )
        time.sleep(0.3)  # sipp binds its socket at once; a dead UAS is caught below
        if not self.uas.alive():
            raise BenchError(f"sipp UAS did not start: see {run_dir / 'sipp.log'}")
        for proxy in self.stack.proxies.values():
            argv = sippcmd.register(
                (proxy.host, proxy.port),
                self.callee_csv,
                f"127.0.0.1:{self.uas_port}",
                rate=10,
                count=1,
                stat=run_dir / f"register-{proxy.name}.csv",
            )
            done = run_measured(argv, run_dir, timeout=20, log_path=run_dir / "register.log")
            if done.returncode != 0:
                raise BenchError(f"{sippcmd.UAS_USER} did not register at {proxy.name}")

    def stop_uas(self) -> None:
        if self.uas is not None:
            self.uas.stop()
            self.uas = None

    # --- measured runs ------------------------------------------------------------

    def calls(
        self, proxy: Proxy, variant: str, scenario: str, rate: int, rep: int, duration_s: float
    ) -> RunRow:
        offered = max(1, round(rate * duration_s))
        run_dir = self._run_dir(variant, proxy.name, rate, rep)
        argv = sippcmd.uac_call(
            (proxy.host, proxy.port), scenario, rate, offered, self.hold_ms, run_dir / "stat.csv"
        )
        return self._measure(proxy, variant, rate, rep, offered, argv, run_dir)

    def registrations(self, proxy: Proxy, rate: int, rep: int, duration_s: float) -> RunRow:
        offered = max(1, round(rate * duration_s))
        run_dir = self._run_dir("register", proxy.name, rate, rep)
        argv = sippcmd.register(
            (proxy.host, proxy.port),
            self.storm_csv,
            self.storm_contact,
            rate,
            offered,
            run_dir / "stat.csv",
        )
        return self._measure(proxy, "register", rate, rep, offered, argv, run_dir)

    def _run_dir(self, variant: str, config: str, rate: int, rep: int) -> Path:
        path = self.work_dir / variant / config / f"{rate}-{rep}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _measure(
        self,
        proxy: Proxy,
        variant: str,
        rate: int,
        rep: int,
        offered: int,
        argv: list[str],
        run_dir: Path,
    ) -> RunRow:
        idle0, idle_t0 = tree_cpu_seconds(proxy.pid), time.monotonic()
        time.sleep(self.gap_s)  # let the previous run's timers settle; measure idle CPU
        idle_cores = (tree_cpu_seconds(proxy.pid) - idle0) / (time.monotonic() - idle_t0)
        stale = clear_sessions(self.rtpengine)
        rtpengine_pid = self.stack.rtpengine.process.pid
        dialogs_before = proxy.statistic("processed_dialogs")
        kam0, rtp0 = tree_cpu_seconds(proxy.pid), tree_cpu_seconds(rtpengine_pid)
        uas0 = self.uas.cpu_seconds() if self.uas else 0.0
        box0, t0 = box_cpu_seconds(), time.monotonic()
        done = run_measured(
            argv, run_dir, timeout=offered / rate + 60, log_path=run_dir / "sipp.log"
        )
        wall = time.monotonic() - t0
        box = box_cpu_seconds() - box0
        kam, rtp = tree_cpu_seconds(proxy.pid) - kam0, tree_cpu_seconds(rtpengine_pid) - rtp0
        uas = (self.uas.cpu_seconds() - uas0) if self.uas else 0.0
        dialogs = proxy.statistic("processed_dialogs") - dialogs_before
        stat = run_dir / "stat.csv"
        totals = sippstats.totals(stat.read_text() if stat.exists() else "", offered)
        response_ms = [
            value
            for rtt in sorted(run_dir.glob("*_rtt.csv"))
            for value in sippstats.response_times_ms(rtt.read_text())
        ]
        return make_row(
            variant=variant,
            config=proxy.name,
            rate=rate,
            rep=rep,
            offered=offered,
            totals=totals,
            cpu=RunCpu(
                kamailio=kam, rtpengine=rtp, uac=done.cpu_seconds, uas=uas, box=box, wall=wall
            ),
            idle_cores=idle_cores,
            dialogs=dialogs,
            response_ms=response_ms,
            sipp_exit=done.returncode,
            stale_sessions=stale,
        )

    def close(self) -> None:
        self.stop_uas()
        self.rtpengine.close()

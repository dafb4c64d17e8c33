"""Process I/O for the benchmark: CPU time of process trees, and bounded child runs.

Only processes this benchmark started are measured or signalled: a tree is
named by the pid of a child we started (Kamailio's main process, rtpengine).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and all its live descendants."""
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in members:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def box_cpu_seconds() -> float:
    """CPU seconds processes spent on the whole machine (all cores), plus steal.

    Interrupt and softirq time are left out: loopback traffic of the benchmark itself
    is processed there and must not count as other processes' interference.
    """
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + getattr(t, "steal", 0.0))


@dataclass(frozen=True)
class Finished:
    returncode: int
    cpu_seconds: float  # the child's own user + system time, from wait4()
    wall_seconds: float
    timed_out: bool


def run_measured(
    argv: list[str], cwd: Path, timeout: float, log_path: Path | None = None
) -> Finished:
    """Run ``argv`` to completion (killed after ``timeout`` s) and return its CPU time.

    ``os.wait4`` reaps the child and gives its exact rusage; Popen is told the
    return code so it never waits on the reaped pid again.
    """
    out = log_path.open("wb") if log_path else subprocess.DEVNULL
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if log_path:
            out.close()  # type: ignore[union-attr]
    deadline = started + timeout
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if time.monotonic() > deadline and not timed_out:
            timed_out = True
            _kill_group(proc.pid)
            deadline = time.monotonic() + 5
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Finished(
        proc.returncode,
        usage.ru_utime + usage.ru_stime,
        time.monotonic() - started,
        timed_out,
    )


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Background:
    """A long-lived child (the sipp UAS) in its own process group, stopped by pid."""

    def __init__(self, argv: list[str], cwd: Path, log_path: Path) -> None:
        with log_path.open("wb") as out:
            self.proc = subprocess.Popen(
                argv,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.log_path = log_path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.proc.pid) if self.alive() else 0.0

    def stop(self, grace: float = 3.0) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _kill_group(self.proc.pid)
                self.proc.wait(timeout=grace)
            except ProcessLookupError:
                pass
        _kill_group(self.proc.pid)


def finish(written: Iterable[Path], work: Path, keep: bool) -> int:
    """Say what a benchmark wrote, keep or remove its work directory; the exit code."""
    for path in written:
        print(f"wrote {path}")
    if keep:
        print(f"work directory kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0

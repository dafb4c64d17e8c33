"""A small process supervisor: start in order, wait until ready, stop cleanly.

Each service runs in its own process group (Kamailio forks workers; they must
all go), writes to its own log file, and is stopped with SIGTERM, then SIGKILL
after a grace period. Only processes started here are ever signalled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from launcher.services import ServiceSpec


class StartupError(RuntimeError):
    pass


@dataclass
class Running:
    spec: ServiceSpec
    process: subprocess.Popen[bytes]
    log_path: Path


class Supervisor:
    def __init__(self, log_dir: Path, ready_timeout: float = 20.0, grace: float = 5.0) -> None:
        self.log_dir = log_dir
        self.ready_timeout = ready_timeout
        self.grace = grace
        self.running: list[Running] = []

    def start(self, spec: ServiceSpec) -> Running:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{spec.name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                spec.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **spec.env},
                start_new_session=True,  # its own process group, so stop() reaches forks
            )
        running = Running(spec, process, log_path)
        self.running.append(running)
        deadline = time.monotonic() + self.ready_timeout
        while not spec.ready():
            if process.poll() is not None:
                raise StartupError(
                    f"{spec.name} exited with {process.returncode} while starting:\n"
                    + tail(log_path)
                )
            if time.monotonic() > deadline:
                raise StartupError(
                    f"{spec.name} not ready after {self.ready_timeout:.0f} s:\n" + tail(log_path)
                )
            time.sleep(0.05)
        return running

    def start_all(self, specs: list[ServiceSpec]) -> None:
        try:
            for spec in specs:
                self.start(spec)
        except BaseException:
            self.stop_all()
            raise

    def first_exited(self) -> Running | None:
        return next((r for r in self.running if r.process.poll() is not None), None)

    def stop_all(self) -> None:
        """Stop in reverse start order: the web app and the proxy before their stores."""
        for running in reversed(self.running):
            _terminate_group(running.process, self.grace)
        self.running.clear()

    def wait(self) -> Running:
        """Block until a service exits by itself (or a signal interrupts)."""
        while True:
            exited = self.first_exited()
            if exited is not None:
                return exited
            time.sleep(0.2)


def _terminate_group(process: subprocess.Popen[bytes], grace: float) -> None:
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=grace)
    # The leader may be gone while forks of it live on: sweep the group.
    _signal_group(process.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"

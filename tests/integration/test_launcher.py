"""`make run`'s launcher: starts everything, prints where to register, Ctrl-C stops it all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from launcher.settings import ROOT
from tests.support.sipua import SipUA
from tests.support.stack import settings_on_free_ports
from tests.support.waiting import wait_until


def child_pids(pid: int) -> set[int]:
    """Every process whose parent chain leads to ``pid``."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    return {
        pid
        for pid in pids
        if Path(f"/proc/{pid}").exists()
        and "zombie" not in Path(f"/proc/{pid}/status").read_text(errors="ignore").lower()
    }


def run_once(var_dir: Path) -> None:
    s = settings_on_free_ports(var_dir)
    env = {
        **os.environ,
        "SWITCHBOARD_VAR_DIR": str(var_dir),
        "SWITCHBOARD_SIP_PORT": str(s.sip_port),
        "SWITCHBOARD_SIP_TLS_PORT": str(s.sip_tls_port),
        "SWITCHBOARD_WEB_PORT": str(s.web_port),
        "SWITCHBOARD_REDIS_PORT": str(s.redis_port),
        "SWITCHBOARD_RTPENGINE_NG_PORT": str(s.rtpengine_ng_port),
        "SWITCHBOARD_RTPENGINE_HTTP_PORT": str(s.rtpengine_http_port),
        "SWITCHBOARD_RTPENGINE_CLI_PORT": str(s.rtpengine_cli_port),
        "SWITCHBOARD_RTP_PORT_MIN": str(s.rtp_port_min),
        "SWITCHBOARD_RTP_PORT_MAX": str(s.rtp_port_max),
        "SWITCHBOARD_CALLCONTROL_SIP_PORT": str(s.callcontrol_sip_port),
        "SWITCHBOARD_RTPENGINE_DTMF_PORT": str(s.rtpengine_dtmf_port),
        "SWITCHBOARD_JANUS_HTTP_PORT": str(s.janus_http_port),
        "SWITCHBOARD_JANUS_RTP_PORT_MIN": str(s.janus_rtp_port_min),
        "SWITCHBOARD_JANUS_RTP_PORT_MAX": str(s.janus_rtp_port_max),
    }
    out = var_dir / "launcher.out"
    with out.open("w") as stdout:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "launcher", "run"],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            # As a shell starts a background job: SIGINT ignored. Ctrl-C must work anyway.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
        )
    try:
        wait_until(
            lambda: "Press Ctrl-C" in out.read_text() or launcher.poll() is not None,
            timeout=60,
            what="the launcher's banner",
        )
        banner = out.read_text()
        assert launcher.poll() is None, banner
        assert (
            f"sip:127.0.0.1:{s.sip_port}" in banner and f"http://127.0.0.1:{s.web_port}/" in banner
        )
        health = httpx.get(f"http://127.0.0.1:{s.web_port}/health", timeout=5).json()
        assert health["ok"], health
        with SipUA("demo-5001", "demo5001", ("127.0.0.1", s.sip_port)) as phone:
            assert phone.register().status == 200
        started = child_pids(launcher.pid)
        # redis, rtpengine, janus, kamailio (+ its workers), web
        assert len(started) >= 5, started

        launcher.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert launcher.wait(timeout=30) == 0, out.read_text()
        wait_until(lambda: not alive(started), timeout=10, what="every started process gone")
        for name in ("redis", "rtpengine", "janus", "kamailio", "callcontrol", "web"):
            assert (var_dir / "log" / f"{name}.log").exists(), name
    finally:
        if launcher.poll() is None:
            launcher.kill()


def test_launcher_starts_the_stack_and_ctrl_c_stops_everything_twice(tmp_path: Path) -> None:
    run_once(tmp_path)
    run_once(tmp_path)  # a second run on the same data works

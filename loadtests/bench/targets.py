"""The two proxies under test, started side by side on free loopback ports.

* ``switchboard``: Kamailio exactly as ``make run`` starts it (launcher's
  ``kamailio_spec``: kamailio/kamailio.cfg, KEMI Python, the native module),
  with more shared memory and the worker count from ``Settings`` fields.
* ``native``: ``native-cfg/kamailio.cfg``, the same routing in Kamailio's own
  script language, its htables loaded from db_text files written from the
  same store snapshot.

Both talk to one rtpengine (launcher's ``rtpengine_spec``). Redis and the web
app are not started: Kamailio does not use them per call.
"""

from __future__ import annotations

import socket
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from launcher.__main__ import init_db
from launcher.services import (
    ServiceSpec,
    kamailio_argv,
    kamailio_spec,
    rtpengine_spec,
    sip_options_answered,
    write_dispatcher_list,
)
from launcher.settings import Settings
from launcher.supervisor import Running, Supervisor
from loadtests.bench.nativedata import write_dbtext
from routing.adapters.snapshot import read_snapshot
from store.db import make_engine
from tests.support.stack import free_port, settings_on_free_ports

NATIVE_CFG = Path(__file__).resolve().parent / "native-cfg" / "kamailio.cfg"
CONFIGS = ("switchboard", "native")
# rtpengine needs 4 ports (and fds: ulimit -n) per call: room for 4,000 calls,
# away from the ranges the test suites use (30000-30999, 40000-59999).
RTP_PORTS = (10000, 25999)


@dataclass
class Proxy:
    name: str
    host: str
    port: int
    running: Running
    ctl_socket: Path

    @property
    def pid(self) -> int:
        return self.running.process.pid

    def kamcmd(self, *args: str) -> str:
        return subprocess.run(
            ["kamcmd", "-s", f"unix:{self.ctl_socket}", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout

    def transactions(self) -> int:
        """Transactions tm still holds (``tm.stats`` current); -1 when unknown."""
        try:
            out = self.kamcmd("tm.stats")
        except (subprocess.SubprocessError, OSError):
            return -1
        for line in out.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "current":
                try:
                    return int(value.strip())
                except ValueError:
                    return -1
        return -1

    def statistic(self, name: str) -> int:
        """One Kamailio counter, e.g. ``processed_dialogs`` (0 when missing)."""
        try:
            out = self.kamcmd("stats.get_statistics", name)
        except (subprocess.SubprocessError, OSError):
            return 0
        for line in out.splitlines():
            if "=" in line:
                try:
                    return int(line.rsplit("=", 1)[1].strip())
                except ValueError:
                    return 0
        return 0


@dataclass
class BenchStack:
    settings: Settings
    supervisor: Supervisor
    rtpengine: Running
    proxies: dict[str, Proxy]

    def stop(self) -> None:
        self.supervisor.stop_all()


def bench_settings(var_dir: Path, workers: int, shm_mb: int) -> Settings:
    return replace(
        settings_on_free_ports(var_dir),
        kamailio_workers=workers,
        kamailio_shm_mb=shm_mb,
        rtp_port_min=RTP_PORTS[0],
        rtp_port_max=RTP_PORTS[1],
    )


def native_spec(s: Settings, port: int, data_dir: Path, run_dir: Path) -> ServiceSpec:
    """The native cfg with the same run options as launcher's Kamailio (-x/-X, -m, -M...)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    defines = {
        "SIP_LISTEN_UDP": f"udp:{s.sip_host}:{port}",
        "SIP_LISTEN_TCP": f"tcp:{s.sip_host}:{port}",
        "RTPENGINE_SOCK": f'"udp:127.0.0.1:{s.rtpengine_ng_port}"',
        "CTL_SOCKET": f'"unix:{run_dir / "kamailio_ctl"}"',
        "UDP_WORKERS": str(s.kamailio_workers),
        "DATA_DB_URL": f'"text://{data_dir}"',
        "SIP_REALM": f'"{s.sip_realm}"',
        "DISPATCHER_LIST": f'"{write_dispatcher_list(s)}"',
    }
    argv = ["kamailio", "-f", str(NATIVE_CFG)]
    for name, value in defines.items():
        argv += ["-A", f"{name}={value}"]
    return ServiceSpec(
        "kamailio-native",
        [*argv, *run_options(kamailio_argv(s), run_dir)],
        ready=lambda: sip_options_answered(s.sip_host, port),
    )


def run_options(launcher_argv: list[str], run_dir: Path) -> list[str]:
    """The options after launcher's -f/-A arguments (from -DD on), with this instance's
    pid file and runtime directory, so both Kamailios always run alike."""
    options = launcher_argv[launcher_argv.index("-DD") :]
    for flag, value in (("-P", run_dir / "kamailio.pid"), ("-Y", run_dir)):
        if flag in options:
            options[options.index(flag) + 1] = str(value)
    return options


def with_args(spec: ServiceSpec, extra: list[str]) -> ServiceSpec:
    return replace(spec, argv=[*spec.argv, *extra]) if extra else spec


def start_bench_stack(
    var_dir: Path, workers: int, shm_mb: int, extra_args: list[str] | None = None
) -> BenchStack:
    """Demo data in a fresh store, rtpengine, and both proxies (stopped on failure).

    ``extra_args`` are appended to both Kamailio command lines, for what-if runs
    (e.g. ``-x tlsf -X tlsf``); by default both run with make run's options.
    """
    extra = extra_args or []
    s = bench_settings(var_dir, workers, shm_mb)
    init_db(s)
    s.run_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(s.database_url)
    try:
        data_dir = write_dbtext(read_snapshot(engine), var_dir / "native-data")
    finally:
        engine.dispose()
    native_port = free_port((socket.SOCK_DGRAM, socket.SOCK_STREAM))
    native_run = var_dir / "native-run"
    supervisor = Supervisor(s.log_dir, ready_timeout=60)
    try:
        rtpengine = supervisor.start(rtpengine_spec(s))
        kemi = supervisor.start(with_args(kamailio_spec(s), extra))
        native = supervisor.start(
            with_args(native_spec(s, native_port, data_dir, native_run), extra)
        )
    except BaseException:
        supervisor.stop_all()
        raise
    return BenchStack(
        s,
        supervisor,
        rtpengine,
        {
            "switchboard": Proxy(
                "switchboard", s.sip_host, s.sip_port, kemi, s.run_dir / "kamailio_ctl"
            ),
            "native": Proxy("native", s.sip_host, native_port, native, native_run / "kamailio_ctl"),
        },
    )
